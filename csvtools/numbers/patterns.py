"""One country's number patterns matched over many numbers at once with RE2 (pyarrow.compute): validity and type.

The second stage of :mod:`.vectorized`, over libphonenumber's metadata as :mod:`.metadata` gives it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..options import NUMBER_TYPES
from .digits import MAX_NSN
from .metadata import (
    RARE_TYPES,
    CountryRules,
    Pattern,
    RegionRules,
)


def judge_country_rules(rules: CountryRules, keyed: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(valid, index of the region in ``rules.regions`` or -1, index of the type in NUMBER_TYPES or -1)
    per national number of one code, as ``is_valid_number`` and ``number_type`` decide.
    ``keyed`` holds each number behind its length mark."""
    count = len(keyed)
    regions = np.full(count, -1, dtype=np.int64)
    if len(rules.regions) == 1:
        kinds = number_types_of(rules.regions[0], keyed)
        known = kinds >= 0
        regions[known] = 0
        return known, regions, kinds

    # Shared country code: the first region whose leading digits match, or (without
    # leading digits) for which the number is of a known type, is the number's region.
    valid = np.zeros(count, dtype=bool)
    kinds = np.full(count, -1, dtype=np.int8)
    open_rows = np.arange(count)
    for first, last, leading_digits in region_runs(rules):
        if open_rows.size == 0:
            break
        subset = keyed if open_rows.size == count else keyed.take(pa.array(open_rows))
        if leading_digits is None:
            found = number_types_of(rules.regions[first], subset)
            claimed = known = found >= 0
            regions[open_rows[known]] = first
        else:  # one pass finds the numbers one of these regions claims; the rest pass them all by
            claimed = regex_matches(subset, leading_digits)
            at = np.flatnonzero(claimed)
            found = np.full(len(open_rows), -1, dtype=np.int8)
            if at.size:
                claimer, types = claimed_by_leading_digits(
                    rules.regions[first : last + 1], subset.take(pa.array(at))
                )
                found[at] = types
                regions[open_rows[at]] = np.where(types >= 0, first + claimer, -1)
            known = found >= 0
        valid[open_rows[known]] = True
        kinds[open_rows[known]] = found[known]
        open_rows = open_rows[~claimed]
    return valid, regions, kinds


@cache
def region_runs(rules: CountryRules) -> tuple[tuple[int, int, str | None], ...]:
    """The regions of a shared code in order, as (first, last index, None) for a region without
    leading digits and (first, last, a regex of any of their leading digits) for each run of
    regions with them."""
    runs: list[list] = []
    for index, region_rules in enumerate(rules.regions):
        with_digits = bool(region_rules.leading_digits)
        if with_digits and runs and runs[-1][2]:
            runs[-1][1] = index
        else:
            runs.append([index, index, with_digits])
    return tuple(
        (first, last, _any_leading_digits(rules.regions[first : last + 1]) if with_digits else None)
        for first, last, with_digits in runs
    )


def _any_leading_digits(regions: tuple[RegionRules, ...]) -> str:
    return "^.(?:" + "|".join(f"(?:{each.leading_digits})" for each in regions) + ")"


def claimed_by_leading_digits(
    regions: tuple[RegionRules, ...], keyed: pa.Array
) -> tuple[np.ndarray, np.ndarray]:
    """(index in ``regions`` of the first whose leading digits each number matches, the number's type
    there or -1) for numbers that match the leading digits of one of them at least."""
    claimer = np.full(len(keyed), len(regions) - 1, dtype=np.int64)
    found = np.full(len(keyed), -1, dtype=np.int8)
    open_at = np.arange(len(keyed))
    for index, region_rules in enumerate(regions):
        if index < len(regions) - 1:  # the last region claims what the others left: no pass for it
            subset = keyed if open_at.size == len(keyed) else keyed.take(pa.array(open_at))
            hit = regex_matches(subset, f"^.(?:{region_rules.leading_digits})")
        else:
            hit = np.ones(open_at.size, dtype=bool)
        at = open_at[hit]
        if at.size:
            claimer[at] = index
            found[at] = number_types_of(region_rules, keyed.take(pa.array(at)))
        open_at = open_at[~hit]
        if not open_at.size:
            break
    return claimer, found


def number_types_of(rules: RegionRules, keyed: pa.Array) -> np.ndarray:
    """``_number_type_helper`` for each number of one region, as an index into NUMBER_TYPES (-1: UNKNOWN).

    The same order as libphonenumber: the general pattern, then premium rate, toll
    free … voicemail (``RARE_TYPES``), then fixed line (``fixed_line_or_mobile`` when
    the region's mobile pattern is the same or also matches), then mobile. The rare
    types ride along in the fixed line pass and in the mobile one, and are tried alone
    only on the numbers every such pass matched (a rare type, or fixed line and mobile
    at once): most numbers pay for three passes, the general one included.
    ``keyed`` is each national number behind its length mark (see LENGTH_MARKS).
    """
    kinds = np.full(len(keyed), -1, dtype=np.int8)
    general, named = named_type_patterns(rules)
    if not general:
        return kinds
    rows = np.flatnonzero(regex_matches(keyed, general))
    if not rows.size:
        return kinds
    subset = keyed if rows.size == len(keyed) else keyed.take(pa.array(rows))
    rare = [(name, pattern) for name, pattern in named.items() if name in RARE_TYPES]
    rare_regex = "|".join(dict.fromkeys(pattern for _, pattern in rare))
    mobile_regex = None if rules.same_mobile_and_fixed_line else named.get("mobile")
    fixed, fixed_carries = _matches_with_rare(subset, named.get("fixed_line"), rare_regex)
    mobile, mobile_carries = _matches_with_rare(subset, mobile_regex, rare_regex)
    maybe_rare = np.full(len(rows), bool(rare_regex))
    for matched, carries in ((fixed, fixed_carries), (mobile, mobile_carries)):
        if carries:  # a pass that carried the rare patterns and did not match rules them out
            maybe_rare &= matched
    if maybe_rare.any():
        any_rare = np.zeros(len(rows), dtype=bool)
        candidates = subset if maybe_rare.all() else subset.filter(pa.array(maybe_rare))
        any_rare[maybe_rare] = regex_matches(candidates, f"^(?:{rare_regex})$")
        settle_rare_types(kinds, rows[any_rare], subset.filter(pa.array(any_rare)), rare)
        # The rest matched a pass for its own pattern, not for a rare one.
        rows, fixed, mobile = rows[~any_rare], fixed[~any_rare], mobile[~any_rare]
    if rules.same_mobile_and_fixed_line:
        kinds[rows[fixed]] = TYPE_INDEX["fixed_line_or_mobile"]
        return kinds
    kinds[rows[fixed & mobile]] = TYPE_INDEX["fixed_line_or_mobile"]
    kinds[rows[fixed & ~mobile]] = TYPE_INDEX["fixed_line"]
    kinds[rows[~fixed & mobile]] = TYPE_INDEX["mobile"]
    return kinds


def _matches_with_rare(keyed: pa.Array, regex: str | None, rare_regex: str) -> tuple[np.ndarray, bool]:
    """(which numbers match ``regex``, or a rare type's pattern when the pass carries them; whether it
    carried them: a pass runs only for a type's own pattern, and carries the rare ones when there are any)."""
    if not regex:
        return np.zeros(len(keyed), dtype=bool), False
    if not rare_regex:
        return regex_matches(keyed, f"^(?:{regex})$"), False
    return regex_matches(keyed, f"^(?:{rare_regex}|{regex})$"), True


def settle_rare_types(
    kinds: np.ndarray, rows: np.ndarray, keyed: pa.Array, rare: list[tuple[str, str]]
) -> None:
    """The first of the ``rare`` types (in order) each number matches; each matches one of them."""
    open_at = np.arange(len(rows))
    for name, pattern in rare:
        hit = regex_matches(keyed.take(pa.array(open_at)), f"^(?:{pattern})$")
        kinds[rows[open_at[hit]]] = TYPE_INDEX[name]
        open_at = open_at[~hit]
        if not open_at.size:
            return


TYPE_INDEX = {name: index for index, name in enumerate(NUMBER_TYPES)}


@cache
def named_type_patterns(rules: RegionRules) -> tuple[str, dict[str, str]]:
    """(general pattern, each type's pattern by name in libphonenumber's order of trying them) over
    length-marked national numbers; "" and {} when the region has no general pattern or no type."""
    order = {name: at for at, name in enumerate((*RARE_TYPES, "fixed_line", "mobile"))}
    named = {
        name: keyed_regex(pattern) for name, pattern in sorted(rules.named, key=lambda item: order[item[0]])
    }
    named = {name: pattern for name, pattern in named.items() if pattern}
    if rules.general is None or not named:
        return "", {}
    return f"^{keyed_regex(rules.general)}$", named


def keyed_regex(pattern: Pattern) -> str:
    """A regex over a length mark and a national number: ``pattern``'s regex at one of its lengths.

    An empty string when no length is possible (libphonenumber's ``[-1]``).
    """
    if not pattern.lengths:
        return f".(?:{pattern.regex})"
    marks = "".join(chr(ord("A") + length) for length in pattern.lengths if 0 <= length <= MAX_NSN)
    return f"[{marks}](?:{pattern.regex})" if marks else ""


def regex_matches(strings: pa.Array, regex: str) -> np.ndarray:
    found = pc.match_substring_regex(strings, regex)
    return (pc.fill_null(found, False) if found.null_count else found).to_numpy(zero_copy_only=False)


UNUSABLE = ("TOO_SHORT", "IS_POSSIBLE_LOCAL_ONLY", "INVALID_LENGTH")


def possibility_of(rules: CountryRules, length: int) -> str:
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
