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

from collections.abc import Sequence
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
from .national_prefix import national_prefix_changes, prefix_candidates, starts_with_pattern, without_own_code
from .patterns import judge_country_rules
from .range_book import range_book
from .ranges import number_keys
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
    national = read_digit_spans(text, "national") if _national_rules(region) else None
    group = None
    if national is not None:
        positions, full, full_offsets, _ = national
        group = _national_group(positions, digit_strings(full, full_offsets), region)
    if group is None:
        return international
    # Apart: one region's numbers are most of them, and copying them next to the + numbers of their
    # code costs about what compiling its patterns once more does.
    part = _judge_national_groups(count, [group])
    rows = np.where(part.rows >= 0, part.rows + len(international.table), international.rows)
    return FastVerdicts(rows, pa.concat_tables([international.table, part.table]))


def _judge_in_regions(text: pa.Array, regions: Regions) -> FastVerdicts:
    """:func:`judge_array` of each value under its own region, the values' digits read all at once.

    A ``+`` number reads the same under every region, and a value's national
    digits are the same whatever its region: one pass over the whole array
    serves every group; each region's national numbers are then judged group
    by group (and, without a region, bare international digits read).
    """
    national = read_digit_spans(text, "national")
    groups = []
    if national is not None:
        positions, full, full_offsets, _ = national
        digits = digit_strings(full, full_offsets)
        in_order, bounds = _groups(regions.index[positions], len(regions.names))
        for group, region in enumerate(regions.names):
            at = in_order[bounds[group] : bounds[group + 1]]
            if region and at.size:
                found = _national_group(positions[at], digits.take(pa.array(at)), region)
                groups += [found] if found is not None else []
    international = _judge_read(len(text), read_digit_spans(text, "plus"), groups)
    rows, tables, size = international.rows.copy(), [international.table], len(international.table)
    for group, region in enumerate(regions.names):
        if region:
            continue
        at = np.flatnonzero(regions.index == group)
        if not at.size:
            continue
        part = _judge_read(len(at), read_digit_spans(text.take(pa.array(at)), "any"))
        rows[at] = np.where(part.rows >= 0, part.rows + size, -1)
        tables.append(part.table)
        size += len(part.table)
    return FastVerdicts(rows, pa.concat_tables(tables))


def _groups(group_of: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions sorted by group, where each group starts in them: group ``g`` is ``bounds[g]:bounds[g + 1]``)."""
    # Fewer than 2**15 groups (regions): as int16, numpy's stable sort is a radix sort.
    in_order = np.argsort(group_of.astype(np.int16) if count < 2**15 else group_of, kind="stable")
    return in_order, np.searchsorted(group_of[in_order], np.arange(count + 1))


def _judge_read(count: int, digits: tuple | None, groups: Sequence[_NationalGroup] = ()) -> FastVerdicts:
    """Verdicts for the values :func:`read_digit_spans` read as international (each with its calling
    code), and for the national numbers of ``groups``: each code's numbers of both in one run (a
    pattern is compiled on every call)."""
    if digits is None:
        return _judge_national_groups(count, groups) if groups else _undecided(count)
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
    judged, judged_at = _judge_together(
        _Numbers(
            positions[order],
            codes[order],
            without_leading(digit_strings(full, full_offsets).take(pa.array(order)), cut[order]),
            readings[order],
            national_looking[order],
        ),
        groups,
    )
    settled = np.flatnonzero(judged.decided)
    rows[judged_at[settled]] = settled

    # Two shared rows after the judged ones: no known calling code, without and with the hint.
    no_code = codes == 0
    rows[positions[no_code]] = len(judged_at) + national_looking[no_code]
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


def _national_rules(region: str) -> tuple[int, CountryRules] | None:
    code = calling_code_for_region(region)
    rules = parsing_rules(region) if code and country_rules(code) else None
    return None if rules is None else (code, rules)


@dataclass
class _NationalGroup:
    """National numbers of one region, ready for :func:`_judge_by_country`: where their values are,
    their digits as ``parse`` reads them, their code and the region's parsing rules."""

    positions: np.ndarray
    national: pa.Array
    code: int
    rules: CountryRules


def _national_group(positions: np.ndarray, national: pa.Array, region: str) -> _NationalGroup | None:
    """The numbers among ``national`` (digits without ``+``, of the values at ``positions``) that
    ``region``'s national reading can settle, as ``parse(value, region)`` reads them: by the region's
    own parsing rules (:func:`.metadata.parsing_rules`); not those that start with ``00`` (the
    reference then tries ``00`` as ``+``) or with the international prefix, nor those
    :func:`.national_prefix.without_own_code` leaves unsettled. None when there are none."""
    found = _national_rules(region)
    if found is None or not len(national):
        return None
    code, rules = found
    try:
        left = pc.starts_with(national, "00").to_numpy(zero_copy_only=False)
        if rules.international_prefix:
            left |= starts_with_pattern(national, rules.international_prefix)
        national, unsettled = without_own_code(rules, national, ~left)
    except pa.ArrowInvalid:  # a pattern RE2 cannot run: the reference path decides
        return None
    taken = np.flatnonzero(~(left | unsettled))
    if not taken.size:
        return None
    return _NationalGroup(positions[taken], national.take(pa.array(taken)), code, rules)


def _judge_national_groups(count: int, groups: Sequence[_NationalGroup]) -> FastVerdicts:
    """Verdicts for the values of every group (of ``count`` values), judged in one call."""
    judged, judged_at = _judge_together(None, groups)
    rows = np.full(count, -1, dtype=np.int64)
    settled = np.flatnonzero(judged.decided)
    rows[judged_at[settled]] = settled
    return FastVerdicts(rows, pa.table({name: judged.columns[name] for name in VERDICT_FIELDS}))


@dataclass
class _Numbers:
    """National numbers of many codes, sorted by code, with where their values are."""

    positions: np.ndarray
    codes: np.ndarray
    national: pa.Array
    readings: np.ndarray
    hinted: np.ndarray


def _judge_together(numbers: _Numbers | None, groups: Sequence[_NationalGroup]) -> tuple[_Judged, np.ndarray]:
    """:func:`_judge_by_country` of ``numbers`` and of the groups' national numbers in one call, each
    code's numbers in one run (its patterns compiled once); returns it and where each row's value is."""
    parts = ([numbers] if numbers is not None else []) + [
        _Numbers(
            group.positions,
            np.full(len(group.positions), group.code, dtype=np.int64),
            group.national,
            np.full(len(group.positions), NATIONAL, dtype=np.int8),
            np.zeros(len(group.positions), dtype=bool),
        )
        for group in groups
    ]
    read_by = ([None] if numbers is not None else []) + [group.rules for group in groups]
    runs = []  # (code, part, start, stop) into the parts one after another
    offset = 0
    for which, part in enumerate(parts):
        bounds = np.concatenate(([0], np.flatnonzero(np.diff(part.codes)) + 1, [len(part.codes)]))
        runs += [
            (int(part.codes[a]), which, offset + int(a), offset + int(b))
            for a, b in zip(bounds[:-1], bounds[1:])
            if b > a
        ]
        offset += len(part.codes)
    in_order = sorted(runs)  # by code: a code's runs side by side
    sizes = np.cumsum([0] + [stop - start for _, _, start, stop in in_order])
    parsing = [(int(a), int(b), read_by[run[1]]) for run, a, b in zip(in_order, sizes[:-1], sizes[1:])]
    if len(parts) == 1:  # sorted by code already: nothing to move
        only = parts[0]
        return _judge_by_country(
            only.codes, only.national, only.readings, parsing=parsing, hinted=only.hinted
        ), only.positions
    index = np.concatenate([np.arange(start, stop) for _, _, start, stop in in_order])
    judged = _judge_by_country(
        np.concatenate([part.codes for part in parts])[index],
        pa.concat_arrays([part.national for part in parts]).take(pa.array(index)),
        np.concatenate([part.readings for part in parts])[index],
        parsing=parsing,
        hinted=np.concatenate([part.hinted for part in parts])[index],
    )
    return judged, np.concatenate([part.positions for part in parts])[index]


def _undecided(count: int) -> FastVerdicts:
    empty = pa.table({name: pa.array([], type=pa.string()) for name in VERDICT_FIELDS})
    return FastVerdicts(np.full(count, -1, dtype=np.int64), empty)


@dataclass
class _Judged:
    decided: np.ndarray
    columns: dict[str, pa.Array]


def _judge_by_country(
    codes: np.ndarray,
    national: pa.Array,
    readings: np.ndarray,
    parsing: list[tuple[int, int, CountryRules | None]] | None = None,
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
    by_code = _by_code(runs)
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
    book = range_book(count)
    keys, keyed = _number_keys(national, lengths) if book is not None else None, None

    valid = np.zeros(count, dtype=bool)
    region_names, region_of = _Vocabulary(), np.full(count, -1, dtype=np.int64)
    kind_of = np.full(count, -1, dtype=np.int64)
    for rules, start, stop in by_code:
        if rules is None or not decided[start:stop].any():
            continue
        table = book.table(rules.country_code) if book is not None else None
        try:
            if table is not None and keys is not None:
                known, regions, kinds = table.verdicts(keys[start:stop])
            else:
                if keyed is None:
                    keyed = pc.binary_join_element_wise(LENGTH_MARKS.take(pa.array(lengths)), national, "")
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


def _number_keys(national: pa.Array, lengths: np.ndarray) -> np.ndarray | None:
    """:func:`.ranges.number_keys`, or None when a value is not all digits (the patterns then decide)."""
    try:
        return number_keys(national, lengths)
    except pa.ArrowInvalid:
        return None


def _by_code(runs: list[tuple[CountryRules | None, int, int]]) -> list[tuple[CountryRules | None, int, int]]:
    """The runs with those of one code side by side merged: its patterns run once over them."""
    merged: list[tuple[CountryRules | None, int, int]] = []
    for rules, start, stop in runs:
        if merged and rules is not None and merged[-1][0] is rules and merged[-1][2] == start:
            merged[-1] = (rules, merged[-1][1], stop)
        else:
            merged.append((rules, start, stop))
    return merged


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
