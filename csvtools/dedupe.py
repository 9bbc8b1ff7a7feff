"""The first line of every kept number, in little memory, for duplicate detection.

An E.164 number is "+" and at most 15 digits, so it is kept as an int64 key
(16 bytes a number with its line, against roughly 150 for a Python dict of
strings) in sorted runs merged like a binary counter, so that there are never
more than a few dozen runs. Longer numbers (possible only with
``level="possible"``) go to a plain dict. This is the only state of a run
that grows with the file.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MAX_INT_DIGITS = 18  # every 18-digit number fits an int64


class FirstLines:
    """Map E.164 numbers to the line where each was first kept."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._long: dict[str, int] = {}

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs) + len(self._long)

    def first_lines(self, numbers: pa.Array, lines: np.ndarray) -> np.ndarray:
        """For each number (in line order), the first line it was kept on, counting this call.

        Numbers not seen before are recorded; a number's own line is returned
        when this is its first appearance.
        """
        keys, short = _keys(numbers)
        first = np.empty(len(lines), dtype=np.int64)
        if short.all():
            first[:] = self._first_of_keys(keys, lines)
        else:
            first[short] = self._first_of_keys(keys[short], lines[short])
            for index in np.flatnonzero(~short):
                first[index] = self._long.setdefault(numbers[int(index)].as_py(), int(lines[index]))
        return first

    def _first_of_keys(self, keys: np.ndarray, lines: np.ndarray) -> np.ndarray:
        unique, first_index, inverse = np.unique(keys, return_index=True, return_inverse=True)
        first = lines[first_index][inverse]  # first appearance within this call
        earlier = np.full(len(unique), -1, dtype=np.int64)
        for run_keys, run_lines in self._runs:
            at = np.searchsorted(run_keys, unique).clip(max=len(run_keys) - 1)
            hit = run_keys[at] == unique
            earlier[hit] = run_lines[at[hit]]
        seen = earlier >= 0
        first = np.where(seen[inverse], earlier[inverse], first)
        self._add(unique[~seen], lines[first_index][~seen])
        return first

    def _add(self, keys: np.ndarray, lines: np.ndarray) -> None:
        if not len(keys):
            return
        self._runs.append((keys, lines))  # np.unique returned them sorted
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (left_keys, left_lines), (right_keys, right_lines) = self._runs[-2:]
            keys = np.concatenate([left_keys, right_keys])
            lines = np.concatenate([left_lines, right_lines])
            order = np.argsort(keys, kind="stable")
            self._runs[-2:] = [(keys[order], lines[order])]


def _keys(numbers: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """int64 keys of "+digits" numbers, and which numbers were short enough to have one."""
    digits = pc.utf8_slice_codeunits(numbers, 1)
    short = pc.less_equal(pc.utf8_length(digits), _MAX_INT_DIGITS).to_numpy(zero_copy_only=False)
    safe = pc.if_else(pa.array(short), digits, pa.scalar("0"))
    return pc.cast(safe, pa.int64()).to_numpy(), short
