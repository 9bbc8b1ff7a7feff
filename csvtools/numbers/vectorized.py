"""A vectorized reading of the common cases: digits with an international prefix, and national digits.

Most values in real lists are ``+CC…``, ``00CC…``, bare ``CC…`` digits or a
``tel:`` URI, with spaces, dashes or brackets; under a region, also national
digits (``98765 43210``, ``09876543210``). For those, this module decides
validity for a whole array at once over libphonenumber's own metadata (taken
from :mod:`.metadata` as plain data), following exactly what
``phonenumbers.parse`` / ``is_valid_number`` do: the shape and the digits are
read off the Arrow string buffers with numpy, and the number patterns are
matched with RE2 (pyarrow.compute), one country calling code at a time.
A national number of a region is the same judgement under the region's
calling code (``parse`` then strips the national prefix by the same rules).
Anything it cannot settle with certainty is left undecided, and the caller
hands it to :func:`.reference.normalize_number`, which stays the
reference. A parity test holds the two paths to the same verdicts.

Left to the reference path: any value with letters, dots, slashes, non-ASCII
characters or an apostrophe; ``--level possible``; a national number that
starts with the country's national prefix for parsing when a transform rule
applies, or when a code has only a few numbers that may start with its prefix
(cheaper there than compiling its patterns); non-geographic codes (``+800``
…); fewer than 4 or more than 20 digits. Under a region, also: national
digits that start with ``00`` or with the region's international prefix,
``tel:``, and a first character that is not a digit (``(0221) …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import knobs, reasons
from .._strings import first_bytes, replaced, string_buffers
from ..options import NUMBER_TYPES
from .metadata import (
    RARE_TYPES,
    CountryRules,
    Pattern,
    RegionRules,
    calling_code_for_region,
    country_codes,
    country_rules,
    parsing_rules,
)
from .reference import NATIONAL_HINT, NATIONAL_LENGTHS, length_reason, parse_failure

__all__ = ["VERDICT_FIELDS", "FastVerdicts", "judge_array"]

#: The columns of :attr:`FastVerdicts.table`, as in :class:`.reference.NumberResult`.
VERDICT_FIELDS = ("number", "reason", "detail", "region", "reading", "type")

_MIN_DIGITS, _MAX_DIGITS, _MAX_NSN = 4, 20, 17
_OTHER, _DIGIT, _MARK, _PLUS = 0, 1, 2, 3
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[ord("0") : ord("9") + 1] = _DIGIT
_BYTE_CLASS[[ord(mark) for mark in " ()-"]] = _MARK
_BYTE_CLASS[ord("+")] = _PLUS
_ZERO = ord("0")
# How a number was read; the index is what _read_digits reports.
_READINGS = ("plus_added", "international", "00_as_plus", "national")
_NATIONAL = 3
# A national number's length as one letter in front of it, so that one RE2 pass can
# check a pattern together with the lengths its description allows.
_LENGTH_MARKS = pa.array([chr(ord("A") + length) for length in range(_MAX_DIGITS + 1)], type=pa.string())


@dataclass
class FastVerdicts:
    """Verdicts for an array of values.

    ``rows[i]`` is the row of ``table`` (columns :data:`VERDICT_FIELDS`,
    Arrow strings) holding value ``i``'s verdict, or -1 when the value is
    undecided ("ask the reference path"). Values with the same verdict may
    share a row.
    """

    rows: np.ndarray
    table: pa.Table

    @property
    def decided(self) -> np.ndarray:
        return self.rows >= 0

    def column(self, name: str) -> pa.Array:
        """One field for every value (null where undecided)."""
        return self.table.column(name).combine_chunks().take(pa.array(self.rows, mask=self.rows < 0))


def judge_array(values: list | np.ndarray | pa.Array, region: str | None, level: str) -> FastVerdicts:
    """Decide what can be decided for ``values`` (strings) without parsing them one by one."""
    count = len(values)
    if level != "valid" or count == 0:
        return _undecided(count)
    try:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        text = (
            values if isinstance(values, pa.Array) else pa.array(values, type=pa.string(), from_pandas=True)
        )
        text = pc.ascii_trim_whitespace(text.cast(pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return _undecided(count)

    if not region:
        return _judge_read(count, _read_digits(text, "any"))
    international = _judge_read(count, _read_digits(text, "plus"))
    national = _judge_national(count, text, region)
    if national is None:
        return international
    rows = np.where(national.rows >= 0, national.rows + len(international.table), international.rows)
    return FastVerdicts(rows, pa.concat_tables([international.table, national.table]))


def _judge_read(count: int, digits: tuple | None) -> FastVerdicts:
    """Verdicts for the values :func:`_read_digits` read as international (each with its calling code)."""
    if digits is None:
        return _undecided(count)
    positions, full, full_offsets, readings = digits

    table_codes, table_lengths = _country_code_table()
    first = full_offsets[:-1]
    prefixes = sum((full[first + place].astype(np.int64) - _ZERO) * 10 ** (2 - place) for place in range(3))
    codes, cut = table_codes[prefixes], table_lengths[prefixes]

    rows = np.full(count, -1, dtype=np.int64)
    known = np.flatnonzero(codes != 0)
    # Codes are below 1000: as int16, numpy's stable sort is a radix sort.
    order = known[np.argsort(codes[known].astype(np.int16), kind="stable")]
    judged = _judge_by_country(
        codes[order], _slices(full, first[order] + cut[order], full_offsets[1:][order]), readings[order]
    )
    # Rejected bare digits of a national number's length get the reference's hint to pass a region.
    national_looking = (readings == 0) & np.isin(np.diff(full_offsets), NATIONAL_LENGTHS)
    hinted = national_looking[order] & ~judged.columns["number"].is_valid().to_numpy(zero_copy_only=False)
    if hinted.any():
        detail = judged.columns["detail"]
        judged.columns["detail"] = pc.if_else(
            pa.array(hinted), pc.binary_join_element_wise(detail, NATIONAL_HINT, ""), detail
        )
    settled = np.flatnonzero(judged.decided)
    rows[positions[order[settled]]] = settled

    # Two shared rows after the judged ones: no known calling code, without and with the hint.
    no_code = codes == 0
    rows[positions[no_code]] = len(order) + national_looking[no_code]
    unknown = parse_failure(reasons.INVALID_COUNTRY_CODE)
    shared = {"reason": [unknown.reason] * 2, "detail": [unknown.detail, unknown.detail + NATIONAL_HINT]}
    table = pa.table(
        {
            name: pa.concat_arrays(
                [judged.columns[name], pa.array(shared.get(name, [None, None]), type=pa.string())]
            )
            for name in VERDICT_FIELDS
        }
    )
    return FastVerdicts(rows, table)


def _judge_national(count: int, text: pa.Array, region: str) -> FastVerdicts | None:
    """Verdicts for digits without ``+`` read as national numbers of ``region``, as ``parse(value, region)`` does.

    The region's own parsing rules (:func:`.metadata.parsing_rules`) read the
    digits; values that start with the region's international prefix or with
    ``00`` (the reference then tries ``00`` as ``+``) are left undecided, like
    everything :func:`_without_own_code` and :func:`_judge_by_country` leave.
    """
    code = calling_code_for_region(region)
    rules = parsing_rules(region) if code and country_rules(code) else None
    if rules is None:
        return None
    digits = _read_digits(text, "national")
    if digits is None:
        return None
    positions, full, full_offsets, _ = digits
    national = _slices(full, full_offsets[:-1], full_offsets[1:])
    try:
        left = pc.starts_with(national, "00").to_numpy(zero_copy_only=False)
        if rules.international_prefix:
            left |= _matches(national, f"^(?:{rules.international_prefix})")
        national, unsettled = _without_own_code(rules, national, ~left)
    except pa.ArrowInvalid:  # a pattern RE2 cannot run: the reference path decides
        return None
    left |= unsettled
    taken = np.flatnonzero(~left)
    if not taken.size:
        return None
    judged = _judge_by_country(
        np.full(taken.size, code, dtype=np.int64),
        national.take(pa.array(taken)),
        np.full(taken.size, _NATIONAL, dtype=np.int8),
        parsing=rules,
    )
    rows = np.full(count, -1, dtype=np.int64)
    settled = np.flatnonzero(judged.decided)
    rows[positions[taken[settled]]] = settled
    return FastVerdicts(rows, pa.table({name: judged.columns[name] for name in VERDICT_FIELDS}))


def _undecided(count: int) -> FastVerdicts:
    empty = pa.table({name: pa.array([], type=pa.string()) for name in VERDICT_FIELDS})
    return FastVerdicts(np.full(count, -1, dtype=np.int64), empty)


def _without_own_code(
    rules: CountryRules, national: pa.Array, open_rows: np.ndarray
) -> tuple[pa.Array, np.ndarray]:
    """National digits that start with the region's own calling code, as ``parse`` reads them.

    ``_maybe_extract_country_code`` takes the code off (and a national prefix
    after it) when the whole is no number of the country but the rest is, or
    when the whole is too long. Returns the digits so read and the rows left
    unsettled (a prefix transform rule, or no general pattern to test).
    """
    code = str(rules.country_code)
    starts = open_rows & pc.starts_with(national, code).to_numpy(zero_copy_only=False)
    unsettled = np.zeros(len(national), dtype=bool)
    if not starts.any():
        return national, unsettled
    if rules.regions[0].general is None:
        unsettled[starts] = True
        return national, unsettled
    at = np.flatnonzero(starts)
    whole = national.take(pa.array(at))
    rest = pc.utf8_slice_codeunits(whole, len(code))
    if rules.national_prefix_for_parsing:
        changed, values, open_ends = _national_prefix_changes(rules, rest, usable_only=False)
        rest = replaced(rest, changed, values)
        unsettled[at[open_ends]] = True
    general = f"^(?:{rules.regions[0].general.regex})$"
    whole_lengths = pc.utf8_length(whole).to_numpy(zero_copy_only=False)
    too_long = np.isin(
        whole_lengths,
        [length for length in np.unique(whole_lengths) if _possibility(rules, int(length)) == "TOO_LONG"],
    )
    take_rest = (~_matches(whole, general) & _matches(rest, general)) | too_long
    take_rest &= ~unsettled[at]
    return replaced(national, at[take_rest], rest.filter(pa.array(take_rest))), unsettled


def _read_digits(text: pa.Array, mode: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The values shaped ``[tel:]+?D[D ()-]*`` and their digits, read off the Arrow buffers.

    Returns (positions of those values, the digits as one uint8 buffer without
    a leading ``00``, the offsets into it, the reading code of each) for the
    values with 4 to 20 such digits not starting with 0; None if there are none.
    ``mode`` ``"plus"`` reads only values with a ``+``; ``"national"`` only
    values ``D[D ()-]*`` without ``+`` or ``tel:``, of 4 to 17 digits, as they are.
    Digits are dense and everything else is sparse, so only the non-digit
    bytes are looked at one by one.
    """
    offsets, data = string_buffers(text)
    low, high = int(offsets[0]), int(offsets[-1])
    if high == low:
        return None
    count = len(text)
    begin, end = offsets[:-1], offsets[1:]
    nonempty = end > begin
    if text.null_count:
        nonempty &= ~pc.is_null(text).to_numpy(zero_copy_only=False)
    tel = nonempty & _starts_with_tel(data, begin, end)
    begin = begin + 4 * tel

    is_digit = (data[low:high] - np.uint8(_ZERO)) < 10
    elsewhere = np.flatnonzero(~is_digit) + low
    row = np.repeat(np.arange(count, dtype=np.int32), np.diff(offsets))[elsewhere - low]
    kind = _BYTE_CLASS[data[elsewhere]]
    inside = elsewhere >= begin[row]
    misplaced = inside & ((kind == _OTHER) | ((kind == _PLUS) & (elsewhere != begin[row])))
    digit_count = (end - offsets[:-1]) - np.bincount(row, minlength=count)

    nonempty &= end > begin
    has_plus = nonempty & (_byte_class_at(data, begin, high) == _PLUS)
    shaped = nonempty & (_byte_class_at(data, begin + has_plus, high) == _DIGIT) & (end > begin + has_plus)
    shaped[row[misplaced]] = False
    if mode == "plus":
        shaped &= has_plus
    elif mode == "national":
        shaped &= ~has_plus & ~tel

    digits = data[low:high][is_digit]
    if not len(digits):
        return None
    digit_offsets = np.concatenate(([0], np.cumsum(digit_count)))
    starts = digit_offsets[:-1]
    last = len(digits) - 1
    if mode == "national":
        double_zero = np.zeros(count, dtype=bool)
        eligible = shaped & (digit_count >= _MIN_DIGITS) & (digit_count <= _MAX_NSN)
        length = digit_count
    else:
        double_zero = (
            shaped
            & ~has_plus
            & (digit_count >= 2)
            & (digits[np.minimum(starts, last)] == _ZERO)
            & (digits[np.minimum(starts + 1, last)] == _ZERO)
        )
        length = digit_count - 2 * double_zero
        eligible = shaped & (length >= _MIN_DIGITS) & (length <= _MAX_DIGITS)
        eligible[eligible] &= digits[(starts + 2 * double_zero)[eligible]] != _ZERO
    positions = np.flatnonzero(eligible)
    if positions.size == 0:
        return None
    keep = np.repeat(eligible, digit_count)
    dropped = starts[eligible & double_zero]
    keep[dropped] = keep[dropped + 1] = False
    full = digits[keep]
    full_offsets = np.concatenate(([0], np.cumsum(length[positions])))
    readings = np.where(has_plus[positions], 1, np.where(double_zero[positions], 2, 0)).astype(np.int8)
    if mode == "national":
        readings[:] = _NATIONAL
    return positions, full, full_offsets, readings


def _starts_with_tel(data: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether each value starts with ``tel:`` in any letter case."""
    found = (end - begin) >= 4
    top = len(data) - 1
    for place, (letter, case_free) in enumerate(((b"t", True), (b"e", True), (b"l", True), (b":", False))):
        byte = data[np.minimum(begin + place, top)]
        found &= ((byte | 0x20) if case_free else byte) == letter[0]
    return found


def _byte_class_at(data: np.ndarray, at: np.ndarray, end: int) -> np.ndarray:
    """The byte class at each position (other where the position is past the data)."""
    return np.where(at < end, _BYTE_CLASS[data[np.minimum(at, end - 1)]], _OTHER)


def _slices(data: np.ndarray, begin: np.ndarray, end: np.ndarray) -> pa.Array:
    """``data[begin:end]`` for every pair, laid end to end as an Arrow string array."""
    lengths = (end - begin).astype(np.int32)
    offsets = np.concatenate((np.zeros(1, dtype=np.int32), np.cumsum(lengths, dtype=np.int32)))
    index = np.repeat((begin - offsets[:-1]).astype(np.int32), lengths) + np.arange(
        offsets[-1], dtype=np.int32
    )
    return pa.Array.from_buffers(
        pa.string(), len(begin), [None, pa.py_buffer(offsets), pa.py_buffer(data[index])]
    )


@dataclass
class _Judged:
    decided: np.ndarray
    columns: dict[str, pa.Array]


def _judge_by_country(
    codes: np.ndarray, national: pa.Array, readings: np.ndarray, parsing: CountryRules | None = None
) -> _Judged:
    """Judge national numbers sorted by country calling code.

    Only the steps that need a country's own patterns run per code; the rest
    runs once over all numbers. ``parsing`` (numbers of one code read under
    one region) holds the national-prefix rules of that region, when they
    are not the code's main region's.
    """
    count = len(codes)
    bounds = (
        np.concatenate(([0], np.flatnonzero(np.diff(codes)) + 1, [count])) if count else np.zeros(1, np.int64)
    )
    runs = [(country_rules(int(codes[start])), start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]
    decided = np.ones(count, dtype=bool)

    # The national-prefix step, for the codes that have one; its few changes are applied at once.
    changed_at, changed_to = [], []
    first_digits = first_bytes(national)
    for rules, start, stop in runs:
        if rules is None:
            decided[start:stop] = False
            continue
        rules = parsing or rules
        candidates = _prefix_candidates(rules.national_prefix_for_parsing, first_digits, start, stop)
        if candidates.size <= knobs.FEW_NATIONAL_PREFIXES:
            # Compiling this code's patterns costs more than the reference path's reading of a few numbers.
            decided[candidates] = False
            continue
        try:
            at, values, unsettled = _national_prefix_changes(rules, national.take(pa.array(candidates)))
        except pa.ArrowInvalid:  # a metadata pattern RE2 cannot run: the reference path decides
            decided[start:stop] = False
            continue
        changed_at.append(candidates[at])
        changed_to.append(values)
        decided[candidates[unsettled]] = False
    if changed_at:
        national = replaced(national, np.concatenate(changed_at), pa.concat_arrays(changed_to))
    offsets, _ = string_buffers(national)
    lengths = np.diff(offsets)
    decided &= (lengths >= 2) & (lengths <= _MAX_NSN)
    keyed = pc.binary_join_element_wise(_LENGTH_MARKS.take(pa.array(lengths)), national, "")

    valid = np.zeros(count, dtype=bool)
    region_names, region_of = _Vocabulary(), np.full(count, -1, dtype=np.int64)
    kind_of = np.full(count, -1, dtype=np.int64)
    for rules, start, stop in runs:
        if rules is None or not decided[start:stop].any():
            continue
        try:
            known, regions, kinds = _judge_country(rules, keyed.slice(start, stop - start))
        except pa.ArrowInvalid:
            decided[start:stop] = False
            continue
        valid[start:stop] = known
        kind_of[start:stop] = kinds
        region_ids = np.array([region_names.index(each.region) for each in rules.regions])
        region_of[start:stop] = np.where(regions >= 0, region_ids[regions], -1)
    valid &= decided

    numbers = pc.binary_join_element_wise(_code_prefixes(codes, decided), national, "")
    reasons, tails = _length_failures(codes, lengths, decided & ~valid)
    columns = {
        "number": pc.if_else(pa.array(valid), numbers, pa.scalar(None, pa.string())),
        "reason": reasons,
        "detail": pc.if_else(
            pa.array(valid), "", pc.binary_join_element_wise("read as ", numbers, ": ", tails, "")
        ),
        "region": region_names.array().take(pa.array(region_of, mask=~valid)),
        "reading": pa.array(_READINGS, type=pa.string()).take(
            pa.array(readings.astype(np.int64), mask=~valid)
        ),
        "type": pa.array(NUMBER_TYPES, type=pa.string()).take(pa.array(kind_of, mask=~valid)),
    }
    return _Judged(decided, columns)


def _code_prefixes(codes: np.ndarray, present: np.ndarray) -> pa.Array:
    """ "+CC" for each row of ``codes`` (sorted), null where not ``present``."""
    new = np.concatenate(([True], codes[1:] != codes[:-1])) if len(codes) else np.zeros(0, dtype=bool)
    return pa.array([f"+{code}" for code in codes[new]], type=pa.string()).take(
        pa.array(np.cumsum(new) - 1, mask=~present)
    )


def _length_failures(codes: np.ndarray, lengths: np.ndarray, failed: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(reason, detail after "read as +…: ") for the ``failed`` rows, from the length check
    ``is_valid_number`` falls back on; null elsewhere."""
    pairs = codes[failed] * 100 + lengths[failed]
    distinct, index = np.unique(pairs, return_inverse=True)
    verdicts = [
        length_reason(int(pair // 100), _possibility(country_rules(int(pair // 100)), int(pair % 100)))
        for pair in distinct
    ]
    rows = np.full(len(codes), -1, dtype=np.int64)
    rows[failed] = index.reshape(-1)
    take = pa.array(rows, mask=~failed)
    return (
        pa.array([reason for reason, _ in verdicts], type=pa.string()).take(take),
        pa.array([detail for _, detail in verdicts], type=pa.string()).take(take),
    )


class _Vocabulary:
    """A small set of repeated strings, kept as indices while judging and expanded once at the end."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def index(self, item: str) -> int:
        return self._index.setdefault(item, len(self._index))

    def array(self) -> pa.Array:
        return pa.array(list(self._index), type=pa.string())


def _prefix_candidates(prefix: str | None, first_digits: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The rows in ``start:stop`` that may start with the national ``prefix`` for parsing.

    Most prefixes are digits, and few numbers written with their country
    code repeat them: checking the first digit spares the step most rows.
    """
    if not prefix:
        return np.zeros(0, dtype=np.int64)
    if not prefix.isdigit():
        return np.arange(start, stop)
    return start + np.flatnonzero(first_digits[start:stop] == ord(prefix[0]))


def _national_prefix_changes(
    rules: CountryRules, national: pa.Array, usable_only: bool = True
) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """What ``parse()``'s national-prefix step changes in these national numbers of one code.

    libphonenumber strips a national prefix it finds at the start when the
    rest still looks like a number of the country and has a usable length
    (``usable_only=False``: whatever its length, as the step alone does).
    Returns (positions changed, their new values, positions left unsettled:
    those where a prefix transform rule would apply).
    """
    none = np.zeros(0, dtype=np.int64)
    prefix = rules.national_prefix_for_parsing
    if prefix.isdigit():  # a literal prefix (most codes): its length is known
        candidates = np.flatnonzero(pc.starts_with(national, prefix).to_numpy(zero_copy_only=False))
        original = national.take(pa.array(candidates))
        prefix_length = np.full(len(candidates), len(prefix))
    else:
        candidates = np.flatnonzero(_matches(national, f"^(?:{prefix})"))
        original = national.take(pa.array(candidates))
        # extract_regex wants every group named: make the pattern's own groups non-capturing.
        named = re.sub(r"(?<!\\)\((?!\?)", "(?:", prefix)
        found = pc.extract_regex(original, f"^(?P<prefix>{named})")
        prefix_length = pc.fill_null(pc.utf8_length(pc.struct_field(found, "prefix")), 0).to_numpy(
            zero_copy_only=False
        )
    stripped = prefix_length > 0
    if not stripped.any():
        return none, pa.array([], pa.string()), none
    if rules.national_prefix_transform_rule:
        return none, pa.array([], pa.string()), candidates[stripped]
    strip, original, prefix_length = (
        candidates[stripped],
        original.filter(pa.array(stripped)),
        prefix_length[stripped],
    )
    if prefix.isdigit():
        rest = pc.utf8_slice_codeunits(original, len(prefix))
    else:
        rest = pa.array(
            [value[cut:] for value, cut in zip(original.to_pylist(), prefix_length)], type=pa.string()
        )
    # One pass of the general pattern over the numbers with and without the prefix.
    matches = _matches(pa.concat_arrays([original, rest]), f"^(?:{rules.regions[0].general.regex})$")
    keep_original = matches[: len(original)] & ~matches[len(original) :]
    rest_lengths = pc.utf8_length(rest).to_numpy(zero_copy_only=False)
    usable = np.isin(
        rest_lengths,
        [length for length in np.unique(rest_lengths) if _possibility(rules, int(length)) not in _UNUSABLE],
    )
    use_rest = ~keep_original & (usable if usable_only else True)
    return strip[use_rest], rest.filter(pa.array(use_rest)), none


def _judge_country(rules: CountryRules, keyed: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(valid, index of the region in ``rules.regions`` or -1, index of the type in NUMBER_TYPES or -1)
    per national number of one code, as ``is_valid_number`` and ``number_type`` decide.
    ``keyed`` holds each number behind its length mark."""
    count = len(keyed)
    regions = np.full(count, -1, dtype=np.int64)
    if len(rules.regions) == 1:
        kinds = _number_types(rules.regions[0], keyed)
        known = kinds >= 0
        regions[known] = 0
        return known, regions, kinds

    # Shared country code: the first region whose leading digits match, or (without
    # leading digits) for which the number is of a known type, is the number's region.
    valid = np.zeros(count, dtype=bool)
    kinds = np.full(count, -1, dtype=np.int8)
    open_rows = np.arange(count)
    for index, region_rules in enumerate(rules.regions):
        if open_rows.size == 0:
            break
        subset = keyed if open_rows.size == count else keyed.take(pa.array(open_rows))
        if region_rules.leading_digits:
            claimed = _matches(subset, f"^.(?:{region_rules.leading_digits})")
            found = np.full(len(open_rows), -1, dtype=np.int8)
            if claimed.any():
                found[claimed] = _number_types(region_rules, subset.filter(pa.array(claimed)))
            known = found >= 0
        else:
            found = _number_types(region_rules, subset)
            claimed = known = found >= 0
        regions[open_rows[claimed & known]] = index
        valid[open_rows[claimed & known]] = True
        kinds[open_rows[claimed & known]] = found[claimed & known]
        open_rows = open_rows[~claimed]
    return valid, regions, kinds


def _number_types(rules: RegionRules, keyed: pa.Array) -> np.ndarray:
    """``_number_type_helper`` for each number of one region, as an index into NUMBER_TYPES (-1: UNKNOWN).

    The same order as libphonenumber: the general pattern, then premium rate, toll
    free … voicemail (``RARE_TYPES``), then fixed line (``fixed_line_or_mobile`` when
    the region's mobile pattern is the same or also matches), then mobile. The rare
    types are first tried as one pattern, so most numbers pay for three passes.
    ``keyed`` is each national number behind its length mark (see _LENGTH_MARKS).
    """
    kinds = np.full(len(keyed), -1, dtype=np.int8)
    general, named = _named_patterns(rules)
    if not general:
        return kinds
    rows = np.flatnonzero(_matches(keyed, general))
    if not rows.size:
        return kinds
    subset = keyed if rows.size == len(keyed) else keyed.take(pa.array(rows))
    rare = [(name, pattern) for name, pattern in named.items() if name in RARE_TYPES]
    if rare:
        any_rare = _matches(subset, "^(?:" + "|".join(dict.fromkeys(p for _, p in rare)) + ")$")
        if any_rare.any():
            _settle_rare(kinds, rows[any_rare], subset.filter(pa.array(any_rare)), rare)
            rows, subset = rows[~any_rare], subset.filter(pa.array(~any_rare))
    fixed = (
        _matches(subset, f"^(?:{named['fixed_line']})$")
        if "fixed_line" in named
        else np.zeros(len(rows), bool)
    )
    if rules.same_mobile_and_fixed_line:
        kinds[rows[fixed]] = _TYPE_INDEX["fixed_line_or_mobile"]
        return kinds
    mobile = _matches(subset, f"^(?:{named['mobile']})$") if "mobile" in named else np.zeros(len(rows), bool)
    kinds[rows[fixed & mobile]] = _TYPE_INDEX["fixed_line_or_mobile"]
    kinds[rows[fixed & ~mobile]] = _TYPE_INDEX["fixed_line"]
    kinds[rows[~fixed & mobile]] = _TYPE_INDEX["mobile"]
    return kinds


def _settle_rare(kinds: np.ndarray, rows: np.ndarray, keyed: pa.Array, rare: list[tuple[str, str]]) -> None:
    """The first of the ``rare`` types (in order) each number matches; each matches one of them."""
    open_at = np.arange(len(rows))
    for name, pattern in rare:
        hit = _matches(keyed.take(pa.array(open_at)), f"^(?:{pattern})$")
        kinds[rows[open_at[hit]]] = _TYPE_INDEX[name]
        open_at = open_at[~hit]
        if not open_at.size:
            return


_TYPE_INDEX = {name: index for index, name in enumerate(NUMBER_TYPES)}


@cache
def _named_patterns(rules: RegionRules) -> tuple[str, dict[str, str]]:
    """(general pattern, each type's pattern by name in libphonenumber's order of trying them) over
    length-marked national numbers; "" and {} when the region has no general pattern or no type."""
    order = {name: at for at, name in enumerate((*RARE_TYPES, "fixed_line", "mobile"))}
    named = {
        name: _keyed_pattern(pattern)
        for name, pattern in sorted(rules.named, key=lambda item: order[item[0]])
    }
    named = {name: pattern for name, pattern in named.items() if pattern}
    if rules.general is None or not named:
        return "", {}
    return f"^{_keyed_pattern(rules.general)}$", named


def _keyed_pattern(pattern: Pattern) -> str:
    """A regex over a length mark and a national number: ``pattern``'s regex at one of its lengths.

    An empty string when no length is possible (libphonenumber's ``[-1]``).
    """
    if not pattern.lengths:
        return f".(?:{pattern.regex})"
    marks = "".join(chr(ord("A") + length) for length in pattern.lengths if 0 <= length <= _MAX_NSN)
    return f"[{marks}](?:{pattern.regex})" if marks else ""


def _matches(strings: pa.Array, regex: str) -> np.ndarray:
    found = pc.match_substring_regex(strings, regex)
    return (pc.fill_null(found, False) if found.null_count else found).to_numpy(zero_copy_only=False)


_UNUSABLE = ("TOO_SHORT", "IS_POSSIBLE_LOCAL_ONLY", "INVALID_LENGTH")


def _possibility(rules: CountryRules, length: int) -> str:
    """``_test_number_length`` on the main region's general lengths, as a ValidationResult name."""
    lengths = rules.possible_lengths
    if not lengths or lengths[0] == -1:
        return "INVALID_LENGTH"
    if length in rules.local_only_lengths:
        return "IS_POSSIBLE_LOCAL_ONLY"
    if lengths[0] == length:
        return "IS_POSSIBLE"
    if lengths[0] > length:
        return "TOO_SHORT"
    if lengths[-1] < length:
        return "TOO_LONG"
    return "IS_POSSIBLE" if length in lengths[1:] else "INVALID_LENGTH"


@lru_cache(maxsize=1)
def _country_code_table() -> tuple[np.ndarray, np.ndarray]:
    """For every 3-digit prefix, the country code it starts with and that code's length (0 if none)."""
    known = country_codes()
    codes = np.zeros(1000, dtype=np.int64)
    lengths = np.zeros(1000, dtype=np.int64)
    for prefix in range(100, 1000):
        text = str(prefix)
        for size in (1, 2, 3):
            if int(text[:size]) in known:
                codes[prefix], lengths[prefix] = int(text[:size]), size
                break
    return codes, lengths
