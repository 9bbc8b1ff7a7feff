"""A vectorized reading of the common case: digits with an international prefix.

Most values in real lists are ``+CC…``, ``00CC…``, bare ``CC…`` digits or a
``tel:`` URI, with spaces, dashes or brackets. For those, this module decides
validity for a whole array at once with RE2 (pyarrow.compute) over
libphonenumber's own metadata (taken from :mod:`csvtools.phone` as plain
data), following exactly what ``phonenumbers.parse`` / ``is_valid_number``
do. Anything it cannot settle with certainty is left undecided, and the
caller hands it to :func:`csvtools.phone.normalize_number`, which stays the
reference. A parity test holds the two paths to the same verdicts.

Left to the reference path: any value with letters, dots, slashes, non-ASCII
characters or an apostrophe; national numbers (``--region`` without ``+``);
``--level possible``; a national number that starts with the country's
national prefix for parsing (libphonenumber may strip it); non-geographic
codes (``+800`` …); fewer than 4 or more than 20 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .phone import (
    CountryRules,
    Pattern,
    RegionRules,
    country_codes,
    country_rules,
    length_reason,
    parse_failure,
)

__all__ = ["FastVerdicts", "judge_array"]

_SHAPE = r"^\+?[0-9][0-9 ()\-]*$"
_TEL = r"^[tT][eE][lL]:"
_MIN_DIGITS, _MAX_DIGITS, _MAX_NSN = 4, 20, 17


@dataclass
class FastVerdicts:
    """Verdicts for an array of values; ``decided[i]`` False means "ask the reference path"."""

    decided: np.ndarray
    number: np.ndarray
    reason: np.ndarray
    detail: np.ndarray
    region: np.ndarray
    reading: np.ndarray


def judge_array(values: list | np.ndarray, region: str | None, level: str) -> FastVerdicts:
    """Decide what can be decided for ``values`` (strings) without parsing them one by one."""
    count = len(values)
    verdicts = FastVerdicts(np.zeros(count, dtype=bool), *(np.full(count, None, dtype=object) for _ in range(5)))
    if level != "valid" or count == 0:
        return verdicts
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return verdicts

    text = pc.ascii_trim_whitespace(text)
    text = pc.replace_substring_regex(text, _TEL, "")
    eligible = pc.and_(pc.string_is_ascii(text), pc.match_substring_regex(text, _SHAPE))
    eligible = pc.fill_null(eligible, False)
    has_plus = pc.starts_with(text, "+")
    digits = text
    for mark in ("+", " ", "-", "(", ")"):  # the only non-digits _SHAPE lets through
        digits = pc.replace_substring(digits, mark, "")
    if region:
        eligible = pc.and_(eligible, has_plus)  # national readings need the reference path
    double_zero = pc.and_(pc.invert(has_plus), pc.starts_with(digits, "00"))
    full = pc.if_else(double_zero, pc.utf8_slice_codeunits(digits, 2), digits)
    length = pc.utf8_length(full)
    eligible = pc.and_(eligible, pc.and_(pc.greater_equal(length, _MIN_DIGITS), pc.less_equal(length, _MAX_DIGITS)))
    eligible = pc.and_(eligible, pc.invert(pc.starts_with(full, "0")))

    positions = np.flatnonzero(eligible.to_numpy(zero_copy_only=False))
    if positions.size == 0:
        return verdicts
    take = pa.array(positions)
    full = full.take(take)
    plus = has_plus.take(take).to_numpy(zero_copy_only=False)
    zeros = double_zero.take(take).to_numpy(zero_copy_only=False)
    readings = np.full(len(positions), "plus_added", dtype=object)
    readings[plus] = "international"
    readings[zeros] = "00_as_plus"

    table_codes, table_lengths = _country_code_table()
    prefixes = pc.cast(pc.utf8_slice_codeunits(full, 0, 3), pa.int64()).to_numpy()
    codes, code_lengths = table_codes[prefixes], table_lengths[prefixes]

    unknown = codes == 0
    verdicts.decided[positions[unknown]] = True
    verdicts.reason[positions[unknown]] = "invalid_country_code"
    verdicts.detail[positions[unknown]] = parse_failure("invalid_country_code").detail

    for code in np.unique(codes[~unknown]):
        members = np.flatnonzero(codes == code)
        rules = country_rules(int(code))
        if rules is None:
            continue
        cut = int(code_lengths[members[0]])
        try:
            national, settled = _national_number(rules, pc.utf8_slice_codeunits(full.take(pa.array(members)), cut))
            valid, regions = _judge_country(rules, national)
        except pa.ArrowInvalid:  # a metadata pattern RE2 cannot run: the reference path decides
            continue
        numbers = pc.binary_join_element_wise(f"+{int(code)}", national, "").to_numpy(zero_copy_only=False)
        targets = positions[members[settled]]
        verdicts.decided[targets] = True
        good = settled & valid
        verdicts.number[positions[members[good]]] = numbers[good]
        verdicts.detail[positions[members[good]]] = ""
        verdicts.region[positions[members[good]]] = regions[good]
        verdicts.reading[positions[members[good]]] = readings[members[good]]
        bad = np.flatnonzero(settled & ~valid)
        if bad.size:
            lengths = pc.utf8_length(national).to_numpy()[bad]
            for length in np.unique(lengths):
                same = bad[lengths == length]
                reason, detail = length_reason(rules.country_code, _possibility(rules, int(length)))
                verdicts.reason[positions[members[same]]] = reason
                verdicts.detail[positions[members[same]]] = np.asarray(
                    [f"read as {number}: {detail}" for number in numbers[same]], dtype=object)
    return verdicts


def _national_number(rules: CountryRules, national: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The national number ``parse()`` keeps after its national-prefix step, and which rows are settled.

    libphonenumber strips a national prefix it finds at the start when the
    rest still looks like a number of the country and has a usable length.
    Rows where a prefix transform rule would apply are left unsettled.
    """
    settled = np.ones(len(national), dtype=bool)
    if rules.national_prefix_for_parsing:
        # extract_regex wants every group named: make the pattern's own groups non-capturing.
        prefix = re.sub(r"(?<!\\)\((?!\?)", "(?:", rules.national_prefix_for_parsing)
        found = pc.extract_regex(national, f"^(?P<prefix>{prefix})")
        prefix_length = pc.fill_null(pc.utf8_length(pc.struct_field(found, "prefix")), 0).to_numpy(
            zero_copy_only=False)
        strip = np.flatnonzero(prefix_length > 0)
        if strip.size and rules.national_prefix_transform_rule:
            settled[strip] = False
        elif strip.size:
            original = national.take(pa.array(strip))
            rest = pa.array([value[cut:] for value, cut in zip(original.to_pylist(), prefix_length[strip])],
                            type=pa.string())
            general = rules.regions[0].general
            keep_original = _matches(original, f"^(?:{general.regex})$") & ~_matches(rest, f"^(?:{general.regex})$")
            usable = np.array([_possibility(rules, len(value)) not in _UNUSABLE for value in rest.to_pylist()])
            use_rest = ~keep_original & usable
            values = national.to_pylist()
            for index, value in zip(strip[use_rest], np.asarray(rest.to_pylist(), dtype=object)[use_rest]):
                values[index] = value
            national = pa.array(values, type=pa.string())
    length = pc.utf8_length(national).to_numpy()
    settled &= (length >= 2) & (length <= _MAX_NSN)
    return national, settled


def _judge_country(rules: CountryRules, national: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(valid, region) per national number of one country code, as ``is_valid_number`` decides."""
    count = len(national)
    length = pc.utf8_length(national)
    valid = np.zeros(count, dtype=bool)
    regions = np.full(count, None, dtype=object)
    if len(rules.regions) == 1:
        only = rules.regions[0]
        valid = _type_known(only, national, length)
        regions[valid] = only.region
        return valid, regions

    # Shared country code: the first region whose leading digits match, or (without
    # leading digits) for which the number is of a known type, is the number's region.
    open_rows = np.arange(count)
    for region_rules in rules.regions:
        if open_rows.size == 0:
            break
        subset, subset_length = national.take(pa.array(open_rows)), length.take(pa.array(open_rows))
        known = _type_known(region_rules, subset, subset_length)
        if region_rules.leading_digits:
            claimed = _matches(subset, f"^(?:{region_rules.leading_digits})")
        else:
            claimed = known
        regions[open_rows[claimed & known]] = region_rules.region
        valid[open_rows[claimed & known]] = True
        open_rows = open_rows[~claimed]
    return valid, regions


def _type_known(rules: RegionRules, national: pa.Array, length: pa.Array) -> np.ndarray:
    """``_number_type_helper(...) != UNKNOWN``: the general pattern and one type's pattern match."""
    known = np.zeros(len(national), dtype=bool)
    remaining = np.flatnonzero(_desc_matches(rules.general, national, length))
    for pattern in rules.types:  # any type will do: stop testing a number at its first match
        if remaining.size == 0:
            break
        rows = pa.array(remaining)
        hit = _desc_matches(pattern, national.take(rows), length.take(rows))
        known[remaining[hit]] = True
        remaining = remaining[~hit]
    return known


def _desc_matches(pattern: Pattern | None, national: pa.Array, length: pa.Array) -> np.ndarray:
    if pattern is None:
        return np.zeros(len(national), dtype=bool)
    matched = _matches(national, f"^(?:{pattern.regex})$")
    if pattern.lengths:
        matched &= pc.is_in(length, value_set=pa.array(pattern.lengths, type=length.type)).to_numpy(
            zero_copy_only=False)
    return matched


def _matches(national: pa.Array, regex: str) -> np.ndarray:
    return pc.match_substring_regex(national, regex).to_numpy(zero_copy_only=False).astype(bool)


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
