"""Which national numbers may start with their country's national prefix for parsing: the cheap
first filter of :mod:`.vectorized`'s national-prefix step, by the digits a prefix can start with."""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._strings import first_bytes
from .patterns import regex_matches

__all__ = ["first_digits", "prefix_candidates", "starts_with_pattern"]

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
    with warnings.catch_warnings():  # deprecated as a public name, kept as re's own parser
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_parse
    try:
        found, may_be_empty = _first_of(sre_parse.parse(pattern).data, sre_parse)
    except Exception:  # a syntax this reading does not follow: any digit
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
