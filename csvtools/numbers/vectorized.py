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
starts with the country's national prefix for parsing when a code has only a
few numbers that may start with it (cheaper there than compiling its
patterns); non-geographic codes (``+800``
…); fewer than 4 or more than 20 digits. Under a region, also: national
digits that start with ``00`` or with the region's international prefix,
``tel:``, and a first character that is not a digit (``(0221) …``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import knobs, reasons
from .._strings import first_bytes, replaced, string_buffers
from ..options import NUMBER_TYPES
from .digits import (
    LENGTH_MARKS,
    MAX_NSN,
    NATIONAL,
    READINGS,
    ZERO,
    digit_strings,
    read_digit_spans,
    without_leading,
)
from .failures import code_prefixes, failure_details, length_failures
from .metadata import (
    CountryRules,
    calling_code_for_region,
    country_codes,
    country_rules,
    parsing_rules,
)
from .national_prefix import national_prefix_changes, prefix_candidates, starts_with_pattern
from .patterns import judge_country_rules, possibility_of, regex_matches
from .reference import NATIONAL_HINT, NATIONAL_LENGTHS, parse_failure

__all__ = ["VERDICT_FIELDS", "FastVerdicts", "Regions", "judge_array"]


#: The columns of :attr:`FastVerdicts.table`, as in :class:`.reference.NumberResult`.
VERDICT_FIELDS = ("number", "reason", "detail", "region", "reading", "type")


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


@dataclass(frozen=True)
class Regions:
    """A region for each value: ``names[index[i]]`` is value ``i``'s (None: no region)."""

    names: tuple[str | None, ...]
    index: np.ndarray

    def of(self, positions: np.ndarray) -> list[str | None]:
        """The region of each value at ``positions``."""
        return [self.names[group] for group in self.index[positions]]


def judge_array(
    values: list | np.ndarray | pa.Array, region: str | None | Regions, level: str
) -> FastVerdicts:
    """Decide what can be decided for ``values`` (strings) without parsing them one by one.

    ``region`` is the region national numbers are read in, or a
    :class:`Regions` that gives each value its own (a country column).
    """
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

    if isinstance(region, Regions):
        return _judge_in_regions(text, region)
    if not region:
        return _judge_read(count, read_digit_spans(text, "any"))
    international = _judge_read(count, read_digit_spans(text, "plus"))
    national = _judge_national(count, text, region)
    if national is None:
        return international
    rows = np.where(national.rows >= 0, national.rows + len(international.table), international.rows)
    return FastVerdicts(rows, pa.concat_tables([international.table, national.table]))


def _judge_in_regions(text: pa.Array, regions: Regions) -> FastVerdicts:
    """:func:`judge_array` of each value under its own region, the values' digits read all at once.

    A ``+`` number reads the same under every region, and a value's national
    digits are the same whatever its region: one pass over the whole array
    serves every group; each region's national numbers are then judged group
    by group (and, without a region, bare international digits read).
    """
    international = _judge_read(len(text), read_digit_spans(text, "plus"))
    rows, tables, size = international.rows.copy(), [international.table], len(international.table)
    national = read_digit_spans(text, "national")
    if national is not None:
        positions, full, full_offsets, _ = national
        digits = digit_strings(full, full_offsets)
        in_order, bounds = _groups(regions.index[positions], len(regions.names))
    groups = []
    for group, region in enumerate(regions.names):
        if region:
            if national is not None:
                at = in_order[bounds[group] : bounds[group + 1]]
                found = _national_group(positions[at], digits.take(pa.array(at)), region) if at.size else None
                if found is not None:
                    groups.append(found)
            continue
        at = np.flatnonzero(regions.index == group)
        if not at.size:
            continue
        part = _judge_read(len(at), read_digit_spans(text.take(pa.array(at)), "any"))
        rows[at] = np.where(part.rows >= 0, part.rows + size, -1)
        tables.append(part.table)
        size += len(part.table)
    if groups:  # every region's national numbers judged in one call
        part = _judge_national_groups(len(text), groups)
        decided = part.rows >= 0
        rows[decided] = part.rows[decided] + size
        tables.append(part.table)
    return FastVerdicts(rows, pa.concat_tables(tables))


def _groups(group_of: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions sorted by group, where each group starts in them: group ``g`` is ``bounds[g]:bounds[g + 1]``)."""
    # Fewer than 2**15 groups (regions): as int16, numpy's stable sort is a radix sort.
    in_order = np.argsort(group_of.astype(np.int16) if count < 2**15 else group_of, kind="stable")
    return in_order, np.searchsorted(group_of[in_order], np.arange(count + 1))


def _judge_read(count: int, digits: tuple | None) -> FastVerdicts:
    """Verdicts for the values :func:`read_digit_spans` read as international (each with its calling code)."""
    if digits is None:
        return _undecided(count)
    positions, full, full_offsets, readings = digits

    table_codes, table_lengths = _country_code_table()
    first = full_offsets[:-1]
    prefixes = sum((full[first + place].astype(np.int64) - ZERO) * 10 ** (2 - place) for place in range(3))
    codes, cut = table_codes[prefixes], table_lengths[prefixes]

    rows = np.full(count, -1, dtype=np.int64)
    known = np.flatnonzero(codes != 0)
    # Codes are below 1000: as int16, numpy's stable sort is a radix sort.
    order = known[np.argsort(codes[known].astype(np.int16), kind="stable")]
    # Rejected bare digits of a national number's length get the reference's hint to pass a region.
    national_looking = (readings == 0) & np.isin(np.diff(full_offsets), NATIONAL_LENGTHS)
    judged = _judge_by_country(
        codes[order],
        without_leading(digit_strings(full, full_offsets).take(pa.array(order)), cut[order]),
        readings[order],
        hinted=national_looking[order],
    )
    settled = np.flatnonzero(judged.decided)
    rows[positions[order[settled]]] = settled

    # Two shared rows after the judged ones: no known calling code, without and with the hint.
    no_code = codes == 0
    rows[positions[no_code]] = len(order) + national_looking[no_code]
    unknown = parse_failure(reasons.INVALID_COUNTRY_CODE)
    shared = {"reason": [unknown.reason] * 2, "detail": [unknown.detail, unknown.detail + NATIONAL_HINT]}
    table = pa.table(
        {  # as chunks, not copied into one array: the caller's one take copies them
            name: pa.chunked_array(
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
    if _national_rules(region) is None:
        return None
    digits = read_digit_spans(text, "national")
    if digits is None:
        return None
    positions, full, full_offsets, _ = digits
    return _judge_national_digits(count, positions, digit_strings(full, full_offsets), region)


def _national_rules(region: str) -> tuple[int, CountryRules] | None:
    code = calling_code_for_region(region)
    rules = parsing_rules(region) if code and country_rules(code) else None
    return None if rules is None else (code, rules)


def _judge_national_digits(
    count: int, positions: np.ndarray, national: pa.Array, region: str
) -> FastVerdicts | None:
    """:func:`_judge_national` of the values at ``positions`` (of ``count``), read as the digits ``national``."""
    group = _national_group(positions, national, region)
    return None if group is None else _judge_national_groups(count, [group])


@dataclass
class _NationalGroup:
    """National numbers of one region, ready for :func:`_judge_by_country`: where their values are,
    their digits as ``parse`` reads them, their code and the region's parsing rules."""

    positions: np.ndarray
    national: pa.Array
    code: int
    rules: CountryRules


def _national_group(positions: np.ndarray, national: pa.Array, region: str) -> _NationalGroup | None:
    """The numbers among ``national`` (of the values at ``positions``) that ``region``'s national
    reading can settle: not those starting with ``00`` or the international prefix, nor those
    :func:`_without_own_code` leaves unsettled. None when there are none."""
    found = _national_rules(region)
    if found is None or not len(national):
        return None
    code, rules = found
    try:
        left = pc.starts_with(national, "00").to_numpy(zero_copy_only=False)
        if rules.international_prefix:
            left |= starts_with_pattern(national, rules.international_prefix)
        national, unsettled = _without_own_code(rules, national, ~left)
    except pa.ArrowInvalid:  # a pattern RE2 cannot run: the reference path decides
        return None
    taken = np.flatnonzero(~(left | unsettled))
    if not taken.size:
        return None
    return _NationalGroup(positions[taken], national.take(pa.array(taken)), code, rules)


def _judge_national_groups(count: int, groups: list[_NationalGroup]) -> FastVerdicts:
    """Verdicts for the values of every group (of ``count`` values), judged in one call."""
    sizes = np.array([len(group.positions) for group in groups])
    starts = np.concatenate(([0], np.cumsum(sizes)))
    judged = _judge_by_country(
        np.repeat(np.array([group.code for group in groups], dtype=np.int64), sizes),
        pa.concat_arrays([group.national for group in groups]),
        np.full(int(starts[-1]), NATIONAL, dtype=np.int8),
        parsing=[
            (int(start), int(stop), group.rules)
            for start, stop, group in zip(starts[:-1], starts[1:], groups)
        ],
    )
    rows = np.full(count, -1, dtype=np.int64)
    settled = np.flatnonzero(judged.decided)
    rows[np.concatenate([group.positions for group in groups])[settled]] = settled
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
    unsettled (no general pattern to test, or a transform rule without groups).
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
        changed, values, open_ends = national_prefix_changes(rules, rest, usable_only=False)
        rest = replaced(rest, changed, values)
        unsettled[at[open_ends]] = True
    general = f"^(?:{rules.regions[0].general.regex})$"
    whole_lengths = pc.utf8_length(whole).to_numpy(zero_copy_only=False)
    too_long = np.isin(
        whole_lengths,
        [length for length in np.unique(whole_lengths) if possibility_of(rules, int(length)) == "TOO_LONG"],
    )
    take_rest = (~regex_matches(whole, general) & regex_matches(rest, general)) | too_long
    take_rest &= ~unsettled[at]
    return replaced(national, at[take_rest], rest.filter(pa.array(take_rest))), unsettled


@dataclass
class _Judged:
    decided: np.ndarray
    columns: dict[str, pa.Array]


def _judge_by_country(
    codes: np.ndarray,
    national: pa.Array,
    readings: np.ndarray,
    parsing: list[tuple[int, int, CountryRules]] | None = None,
    hinted: np.ndarray | None = None,
) -> _Judged:
    """Judge national numbers sorted by country calling code.

    Only the steps that need a country's own patterns run per code; the rest
    runs once over all numbers. ``parsing`` (numbers read under a region,
    each region's in one run ``start:stop``) gives each run's region's rules
    for the national-prefix step, instead of the code's main region's. The
    rejected numbers ``hinted`` marks get :data:`.reference.NATIONAL_HINT`
    after their detail.
    """
    count = len(codes)
    spans: list[tuple[int, int, CountryRules | None]]
    if parsing is None:
        bounds = (
            np.concatenate(([0], np.flatnonzero(np.diff(codes)) + 1, [count]))
            if count
            else np.zeros(1, np.int64)
        )
        spans = [(int(start), int(stop), None) for start, stop in zip(bounds[:-1], bounds[1:])]
    else:
        spans = [(start, stop, rules) for start, stop, rules in parsing if stop > start]
    runs = [(country_rules(int(codes[start])), start, stop) for start, stop, _ in spans]
    read_by = [own for _, _, own in spans]
    decided = np.ones(count, dtype=bool)

    # The national-prefix step, for the codes that have one; its few changes are applied at once.
    changed_at, changed_to = [], []
    first_digits = first_bytes(national)
    for (rules, start, stop), own in zip(runs, read_by):
        if rules is None:
            decided[start:stop] = False
            continue
        rules = own or rules
        candidates = prefix_candidates(rules.national_prefix_for_parsing, first_digits, start, stop)
        if candidates.size <= knobs.FEW_NATIONAL_PREFIXES:
            # Compiling this code's patterns costs more than the reference path's reading of a few numbers.
            decided[candidates] = False
            continue
        try:
            at, values, unsettled = national_prefix_changes(rules, national.take(pa.array(candidates)))
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
    decided &= (lengths >= 2) & (lengths <= MAX_NSN)
    keyed = pc.binary_join_element_wise(LENGTH_MARKS.take(pa.array(lengths)), national, "")

    valid = np.zeros(count, dtype=bool)
    region_names, region_of = _Vocabulary(), np.full(count, -1, dtype=np.int64)
    kind_of = np.full(count, -1, dtype=np.int64)
    for rules, start, stop in runs:
        if rules is None or not decided[start:stop].any():
            continue
        try:
            known, regions, kinds = judge_country_rules(rules, keyed.slice(start, stop - start))
        except pa.ArrowInvalid:
            decided[start:stop] = False
            continue
        valid[start:stop] = known
        kind_of[start:stop] = kinds
        region_ids = np.array([region_names.index(each.region) for each in rules.regions])
        region_of[start:stop] = np.where(regions >= 0, region_ids[regions], -1)
    valid &= decided

    failed = decided & ~valid
    reasons, tails = length_failures(codes, lengths, failed)
    columns = {
        "number": pc.binary_join_element_wise(code_prefixes(codes, valid), national, ""),
        "reason": reasons,
        "detail": failure_details(codes, national, failed, valid, tails, hinted),
        "region": region_names.array().take(pa.array(region_of, mask=~valid)),
        "reading": pa.array(READINGS, type=pa.string()).take(
            pa.array(readings.astype(np.int64), mask=~valid)
        ),
        "type": pa.array(NUMBER_TYPES, type=pa.string()).take(pa.array(kind_of, mask=~valid)),
    }
    return _Judged(decided, columns)


class _Vocabulary:
    """A small set of repeated strings, kept as indices while judging and expanded once at the end."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def index(self, item: str) -> int:
        return self._index.setdefault(item, len(self._index))

    def array(self) -> pa.Array:
        return pa.array(list(self._index), type=pa.string())


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
