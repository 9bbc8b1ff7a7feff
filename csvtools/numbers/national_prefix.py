"""National readings for :mod:`.vectorized`: the national-prefix step (what ``parse()`` strips or
rewrites after the country code) and its cheap first filter, the digits a prefix can start with;
a national number that starts with its own calling code."""

from __future__ import annotations

import re
import warnings
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._strings import first_bytes, replaced
from .metadata import CountryRules
from .patterns import UNUSABLE, possibility_of, regex_matches

__all__ = [
    "first_digits",
    "national_prefix_changes",
    "prefix_candidates",
    "starts_with_pattern",
    "transformed",
    "without_own_code",
]

DIGITS = frozenset("0123456789")


def prefix_candidates(prefix: str | None, first_bytes: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The rows in ``start:stop`` that may start with the national ``prefix`` for parsing.

    Few numbers written with their country code repeat its prefix: checking
    the first digit against those the prefix can start with spares the step
    most rows (``first_bytes`` holds every number's first byte).
    """
    if not prefix:
        return np.zeros(0, dtype=np.int64)
    starts = first_digits(prefix)
    if starts == DIGITS:
        return np.arange(start, stop)
    wanted = np.zeros(256, dtype=bool)
    wanted[[ord(digit) for digit in starts]] = True
    return start + np.flatnonzero(wanted[first_bytes[start:stop]])


def starts_with_pattern(numbers: pa.Array, pattern: str) -> np.ndarray:
    """Which ``numbers`` (strings of digits) start with a match of ``pattern``; the RE2 pass runs only on
    those whose first digit can begin one."""
    if pattern.isdigit():  # a literal prefix ("00", "011"): no RE2 pass at all
        return np.asarray(pc.starts_with(numbers, pattern).to_numpy(zero_copy_only=False))
    starts = first_digits(pattern)
    if starts == DIGITS:
        return regex_matches(numbers, f"^(?:{pattern})")
    wanted = np.zeros(256, dtype=bool)
    wanted[[ord(digit) for digit in starts]] = True
    at = np.flatnonzero(wanted[first_bytes(numbers)])
    found = np.zeros(len(numbers), dtype=bool)
    if at.size:
        found[at] = regex_matches(
            numbers if at.size == len(numbers) else numbers.take(pa.array(at)), f"^(?:{pattern})"
        )
    return found


@cache
def first_digits(pattern: str) -> frozenset[str]:
    """The digits a match of ``pattern`` at the start of a string of digits can begin with: every
    digit when it may match the empty string or holds what this reading does not know."""
    try:
        with warnings.catch_warnings():  # deprecated as a public name, kept as re's own parser
            warnings.simplefilter("ignore", DeprecationWarning)
            import sre_parse
        found, may_be_empty = _first_of(sre_parse.parse(pattern).data, sre_parse)
    except Exception:  # a syntax (or a Python) this reading does not follow: any digit
        return DIGITS
    return DIGITS if found is None or may_be_empty else frozenset(found) & DIGITS


def _first_of(items: list[tuple[Any, Any]], sre: Any) -> tuple[set[str] | None, bool]:
    """(characters the sequence ``items`` can begin with or None for any, whether it may match empty)."""
    found: set[str] = set()
    chars: set[str] | None
    for op, value in items:
        if op is sre.LITERAL:
            chars, empty = {chr(value)}, False
        elif op is sre.IN:
            chars, empty = _class_of(value, sre), False
        elif op is sre.SUBPATTERN:
            chars, empty = _first_of(value[-1].data, sre)
        elif op is sre.BRANCH:
            branches = [_first_of(branch.data, sre) for branch in value[1]]
            if any(each is None for each, _ in branches):
                return None, True
            chars = set().union(*(each for each, _ in branches if each is not None))
            empty = any(each_empty for _, each_empty in branches)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            chars, empty = _first_of(value[2].data, sre)
            empty = empty or value[0] == 0
        elif op is sre.AT:  # an anchor matches no character
            chars, empty = set(), True
        else:
            return None, True
        if chars is None:
            return None, True
        found |= chars
        if not empty:
            return found, False
    return found, True


def _class_of(items: list[tuple[Any, Any]], sre: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE:
            chars.update(chr(code) for code in range(value[0], value[1] + 1) if chr(code) in DIGITS)
        elif op is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
            chars.update(DIGITS)
        else:  # a negated class or another category: any character
            return None
    return chars


def national_prefix_changes(
    rules: CountryRules, national: pa.Array, usable_only: bool = True
) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """What ``parse()``'s national-prefix step changes in these national numbers of one code.

    libphonenumber strips a national prefix it finds at the start when the
    rest still looks like a number of the country and has a usable length
    (``usable_only=False``: whatever its length, as the step alone does); a
    prefix with a transform rule (AR, BR, JP, GG …) is rewritten by the rule
    instead (:func:`transformed`). Returns (positions changed, their new
    values, positions left unsettled: a transform rule whose pattern has no
    group, which phonenumbers' own step would not survive).
    """
    none = np.zeros(0, dtype=np.int64)
    prefix, general = rules.national_prefix_for_parsing, rules.regions[0].general
    assert prefix and general  # callers come only with a prefix, and every region has a general pattern
    if prefix.isdigit():  # a literal prefix (most codes): its length is known
        candidates = np.flatnonzero(pc.starts_with(national, prefix).to_numpy(zero_copy_only=False))
        original = national.take(pa.array(candidates))
        prefix_length = np.full(len(candidates), len(prefix))
    else:
        candidates = np.flatnonzero(regex_matches(national, f"^(?:{prefix})"))
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
    strip, original, prefix_length = (
        candidates[stripped],
        original.filter(pa.array(stripped)),
        prefix_length[stripped],
    )
    if rules.national_prefix_transform_rule:
        if not re.compile(prefix).groups:
            return none, pa.array([], pa.string()), strip
        rest = pa.array(
            transformed(prefix, rules.national_prefix_transform_rule, original.to_pylist()), type=pa.string()
        )
    elif prefix.isdigit():
        rest = pc.utf8_slice_codeunits(original, len(prefix))
    else:
        rest = pa.array(
            [value[cut:] for value, cut in zip(original.to_pylist(), prefix_length)], type=pa.string()
        )
    # The prefix stays only where the number matches the general pattern with it and not without:
    # the numbers with it are matched only where the rest does not match.
    pattern = f"^(?:{general.regex})$"
    keep_original = ~regex_matches(rest, pattern)
    if keep_original.any():
        keep_original[keep_original] = regex_matches(original.filter(pa.array(keep_original)), pattern)
    rest_lengths = pc.utf8_length(rest).to_numpy(zero_copy_only=False)
    usable = np.isin(
        rest_lengths,
        [length for length in np.unique(rest_lengths) if possibility_of(rules, int(length)) not in UNUSABLE],
    )
    use_rest = ~keep_original & (usable if usable_only else True)
    return strip[use_rest], rest.filter(pa.array(use_rest)), none


def transformed(prefix: str, rule: str, numbers: list[str]) -> list[str]:
    """What ``parse()``'s national-prefix step makes of numbers that start with a prefix that has a transform rule.

    Where the pattern's last group took part, the match is rewritten by the
    rule (``0 11 15 …`` → ``9 11 …`` in AR); elsewhere the match is dropped, as
    with any prefix. Python's ``re`` runs here, as in phonenumbers: these
    numbers are few, and a group that took part but matched nothing is told
    apart from one that did not take part, which RE2's extraction cannot.
    """
    pattern = re.compile(prefix)
    rest = []
    for number in numbers:
        found = pattern.match(number)
        if found is None:
            rest.append(number)
        elif found.groups()[-1] is None:
            rest.append(number[found.end() :])
        else:
            rest.append(pattern.sub(rule, number, count=1))
    return rest


def without_own_code(
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
