"""The first line of every kept number, in memory that does not grow with the file.

An E.164 number is "+" and at most 15 digits, so it is kept as an int64 key
(12 bytes a number with its line, against roughly 150 for a Python dict of
strings) in sorted runs merged like a binary counter. A run that reaches
``knobs.SPILL_AT`` numbers moves to a temporary file (:mod:`.spill`), so
memory holds fewer than twice that many, however long the file. Longer
numbers (possible only with ``level="possible"``) go to a plain dict.

Most numbers of a file are new, and a lookup of a new number searches every
run; a bitmap of the keys' hashes (:class:`KeyFilter`, of a fixed size) tells
most of them apart at once, so that only the numbers whose bit is set are
searched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import knobs
from .._strings import replaced, string_buffers
from .spill import SpilledRuns, merge_runs, merges_next

_MAX_INT_DIGITS = 18  # every 18-digit number fits an int64
_INT32_MAX = 2**31 - 1


class FirstLines:
    """Map E.164 numbers to the line where each was first kept.

    Close it (or use it as a context manager) to delete its temporary files.
    """

    def __init__(
        self, spill_at: int | None = None, segment: int | None = None, filter_bits: int | None = None
    ) -> None:
        self._spill_at = spill_at or knobs.SPILL_AT
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._spilled = SpilledRuns(segment or knobs.SPILL_SEGMENT)
        self._long: dict[str, int] = {}
        self._filter = KeyFilter(filter_bits or knobs.DUPLICATE_FILTER_BITS)

    def __len__(self) -> int:
        return self.in_memory + len(self._spilled) + len(self._long)

    def __enter__(self) -> FirstLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def in_memory(self) -> int:
        """How many numbers the sorted runs in memory hold (the rest are on disk or in the dict)."""
        return sum(len(keys) for keys, _ in self._runs)

    def close(self) -> None:
        """Delete the temporary files of the runs on disk."""
        self._spilled.close()

    def first_lines(self, keys: NumberKeys, lines: np.ndarray) -> np.ndarray:
        """For each number (in line order, as :func:`number_keys`), the first line it was kept on,
        counting this call.

        Numbers not seen before are recorded; a number's own line is returned
        when this is its first appearance.
        """
        short = keys.keys >= 0
        first = np.empty(len(lines), dtype=np.int64)
        first[short] = self._first_of_keys(keys, lines[short])
        for index, number in zip(np.flatnonzero(~short), keys.long_numbers.to_pylist()):
            first[index] = self._long.setdefault(number, int(lines[index]))
        return first

    def lines_of(self, keys: NumberKeys) -> np.ndarray:
        """For each number (as :func:`number_keys`), the line it was first recorded on, or -1; records nothing."""
        short = keys.keys >= 0
        found = np.full(len(keys.keys), -1, dtype=np.int64)
        found[short] = self._earlier(keys.unique)[keys.inverse]
        for index, number in zip(np.flatnonzero(~short), keys.long_numbers.to_pylist()):
            found[index] = self._long.get(number, -1)
        return found

    def _earlier(self, unique: np.ndarray) -> np.ndarray:
        """The recorded line of each key of ``unique`` (sorted, distinct), -1 for keys not recorded."""
        earlier = np.full(len(unique), -1, dtype=np.int64)
        maybe = np.flatnonzero(self._filter.may_hold(unique))  # the others were never recorded
        if not len(maybe):
            return earlier
        wanted = unique[maybe]  # still sorted
        found = np.full(len(wanted), -1, dtype=np.int64)
        for run_keys, run_lines in self._runs:
            at = np.searchsorted(run_keys, wanted).clip(max=len(run_keys) - 1)
            hit = run_keys[at] == wanted
            found[hit] = run_lines[at[hit]]
        if self._spilled:
            unseen = np.flatnonzero(found < 0)
            found[unseen] = self._spilled.find(wanted[unseen])
        earlier[maybe] = found
        return earlier

    def _first_of_keys(self, keys: NumberKeys, lines: np.ndarray) -> np.ndarray:
        unique, first_index, inverse = keys.unique, keys.first_index, keys.inverse
        first_here = lines[first_index]  # each distinct number's first line within this call
        earlier = self._earlier(unique)
        seen = earlier >= 0
        self._add(unique[~seen], first_here[~seen])
        # Decided per distinct number, then spread to the rows in one pass.
        return np.where(seen, earlier, first_here)[inverse]

    def _add(self, keys: np.ndarray, lines: np.ndarray) -> None:
        if not len(keys):
            return
        self._filter.add(keys)
        if lines.max() <= _INT32_MAX:  # 12 bytes a number instead of 16
            lines = lines.astype(np.int32)
        self._runs.append((keys, lines))  # sorted, and no key is in two runs
        # Merge like a binary counter, so that there are few runs to search; only runs shorter
        # than spill_at merge, which bounds a merge's transient (both runs and the result).
        while True:
            if len(self._runs[-1][0]) >= self._spill_at:
                self._spilled.add(*self._runs.pop())
                return
            if len(self._runs) < 2 or not merges_next(len(self._runs[-2][0]), len(self._runs[-1][0])):
                return
            self._runs[-2:] = [merge_runs(*self._runs[-2], *self._runs[-1])]


class KeyFilter:
    """A bitmap of int64 keys' hashes: a key whose bit is clear was never added (a one-hash Bloom filter).

    Of a fixed size (``bits``, a power of two), so memory does not grow with
    the file; a key not added has its bit set by chance about as often as the
    share of bits set, some 1 % per 650,000 keys in 2**26 bits.
    """

    def __init__(self, bits: int) -> None:
        self._bits = max(bits.bit_length() - 1, 3)
        self._bytes = np.zeros(1 << (self._bits - 3), dtype=np.uint8)

    def may_hold(self, keys: np.ndarray) -> np.ndarray:
        """True for each key that may have been added, false for each that surely was not."""
        byte, bit = self._places(keys)
        return (self._bytes[byte] & bit) != 0

    def add(self, keys: np.ndarray) -> None:
        """Set the bits of ``keys``."""
        byte, bit = self._places(keys)
        while len(byte):
            # Of keys that share a byte, fancy assignment keeps one's bit per round (the last
            # written); the keys whose bit is still clear go round again, few and fewer.
            self._bytes[byte] |= bit
            missing = (self._bytes[byte] & bit) == 0
            byte, bit = byte[missing], bit[missing]

    def _places(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hashed = fibonacci_hash(keys, self._bits)
        return hashed >> np.uint64(3), np.left_shift(np.uint8(1), (hashed & np.uint64(7)).astype(np.uint8))


def fibonacci_hash(keys: np.ndarray, bits: int) -> np.ndarray:
    """The top ``bits`` bits of each int64 key times 2**64 / phi (wrapping), as uint64: near keys
    (numbers that differ in their last digits) spread evenly over the ``2**bits`` values."""
    return (keys.view(np.uint64) * _GOLDEN) >> np.uint64(64 - bits)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class NumberKeys:
    """A chunk's numbers as int64 keys: the digits after "+" (country codes never start with 0,
    so no two numbers share a key), -1 for a number too long for an int64.

    ``unique``, ``first_index`` and ``inverse`` are ``np.unique``'s over the
    keys that are not -1; ``long_numbers`` are the numbers keyed -1, in order.
    The numbers themselves need not travel with the keys: :meth:`numbers`
    writes them back.
    """

    keys: np.ndarray
    unique: np.ndarray
    first_index: np.ndarray
    inverse: np.ndarray
    long_numbers: pa.Array

    def subset(self, mask: np.ndarray) -> NumberKeys:
        """The keys of the numbers where ``mask`` is true, in the same order."""
        keys = self.keys[mask]
        short = keys >= 0
        return NumberKeys(
            keys, *_unique(keys[short]), long_numbers=self.long_numbers.filter(pa.array(mask[self.keys < 0]))
        )

    def numbers(self, at: np.ndarray) -> pa.Array:
        """The E.164 numbers at positions ``at``."""
        keys = self.keys[at]
        numbers = pc.binary_join_element_wise("+", pa.array(keys).cast(pa.string()), "")
        long = np.flatnonzero(keys < 0)
        if long.size:
            rank = np.cumsum(self.keys < 0) - 1
            numbers = replaced(numbers, long, self.long_numbers.take(pa.array(rank[at[long]])))
        return numbers


def number_keys(numbers: pa.Array) -> NumberKeys:
    """Key each "+digits" number by its digits (-1 when there are too many for an int64).

    A pure function of the chunk, so workers can do the sorting for the main process.
    """
    digits = _digits(numbers)
    if len(digits) and pc.max(pc.binary_length(digits)).as_py() > _MAX_INT_DIGITS + 1:
        digits = pc.if_else(
            pc.less_equal(pc.binary_length(digits), _MAX_INT_DIGITS + 1), digits, pa.scalar("-1")
        )
    keys = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    short = keys >= 0
    return NumberKeys(keys, *_unique(keys[short]), long_numbers=numbers.filter(pa.array(~short)))


def _digits(numbers: pa.Array) -> pa.Array:
    """Each "+digits" number with "0" for its "+", which parses as the digits: a copy of the data
    buffer with one byte changed per number, quicker than slicing every string (and longer by one)."""
    numbers = numbers.cast(pa.string())
    offsets, data = string_buffers(numbers)
    starts = offsets[:-1]
    if (
        numbers.null_count
        or not len(numbers)
        or (offsets[1:] <= starts).any()
        or (data[starts] != _PLUS).any()
    ):
        return pc.binary_join_element_wise("0", pc.utf8_slice_codeunits(numbers, 1), "")
    data = data.copy()
    data[starts] = _ZERO
    buffers = numbers.buffers()
    return pa.Array.from_buffers(
        pa.string(), len(numbers), [None, buffers[1], pa.py_buffer(data)], offset=numbers.offset
    )


_PLUS, _ZERO = ord("+"), ord("0")


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(keys, return_index=True, return_inverse=True)``, from one unstable sort
    (numpy's stable argsort, which np.unique needs for ``return_index``, is several times slower).
    The indices are int32 where they fit: they travel from the workers to the main process."""
    index_type = np.int32 if len(keys) <= _INT32_MAX else np.int64
    order = np.argsort(keys).astype(index_type, copy=False)
    ordered = keys[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(keys) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    first_index = np.minimum.reduceat(order, starts) if len(starts) else np.zeros(0, dtype=index_type)
    inverse = np.empty(len(keys), dtype=index_type)
    inverse[order] = np.cumsum(new, dtype=index_type) - 1
    return ordered[starts], first_index, inverse
