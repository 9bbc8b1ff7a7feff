"""A calling code's national numbers as one sorted table of ranges: validity, region and type by one binary search.

What :mod:`.patterns` decides with a few RE2 passes per code (the general
pattern, the types' patterns, a shared code's leading digits) depends only on
the number's digits, and :mod:`.digit_language` turns each pattern into ranges
of integers. Laid side by side, those ranges cut the number line of each length
into segments inside which every number gets the same verdict; the table
holds each segment's first number and that verdict (region and type), worked
out once by the same rules as ``_number_type_helper`` and
``_region_code_for_number_from_list``. A number of ``L`` digits is found at
``KEY_OFFSETS[L] + int(digits)``, so every length of a code shares one table.

A code with a pattern :mod:`.digit_language` cannot read has no table
(:func:`build_code_ranges` returns None) and stays with :mod:`.patterns`.
Building every code's table takes most of a second, so :mod:`.range_book`
keeps them in a file between runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..options import NUMBER_TYPES
from .digit_language import DigitPattern, UnsupportedPattern
from .digits import MAX_NSN
from .metadata import RARE_TYPES, CountryRules, Pattern, RegionRules, country_rules

__all__ = ["KEY_OFFSETS", "CodeRanges", "build_code_ranges", "number_keys"]

#: Where the numbers of each length start on one line: ``L`` digits ``d`` are at ``KEY_OFFSETS[L] + d``
#: (the count of all shorter digit strings, so that ``0012`` and ``12`` never meet).
KEY_OFFSETS = np.array([(10**length - 1) // 9 for length in range(MAX_NSN + 2)], dtype=np.int64)
_TYPES = len(NUMBER_TYPES)
_TYPE = {name: index for index, name in enumerate(NUMBER_TYPES)}


@dataclass(frozen=True, eq=False)
class CodeRanges:
    """Segments of one code's number line: from ``starts[i]`` on, a number's verdict is ``labels[i]``
    (``region index * len(NUMBER_TYPES) + type index``, or -1: not valid)."""

    starts: np.ndarray
    labels: np.ndarray

    def verdicts(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(valid, index of the region in the code's regions or -1, index in NUMBER_TYPES or -1) of
        the numbers at ``keys`` (:func:`number_keys`), as :func:`.patterns.judge_country_rules` gives."""
        labels = self.labels[np.searchsorted(self.starts, keys, side="right") - 1]
        valid = labels >= 0
        return valid, np.where(valid, labels // _TYPES, -1), np.where(valid, labels % _TYPES, -1)


def number_keys(national: pa.Array, lengths: np.ndarray) -> np.ndarray:
    """Each national number's place in a :class:`CodeRanges` table; numbers of fewer than 2 or more
    than MAX_NSN digits are put where no table has a valid number. Raises ``pa.ArrowInvalid`` for a
    value that is not all digits."""
    usable = (lengths >= 2) & (lengths <= MAX_NSN)
    digits = national if usable.all() else pc.if_else(pa.array(usable), national, "0")
    values = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    return values + KEY_OFFSETS[np.where(usable, lengths, 0)]


def build_code_ranges(country_code: int) -> CodeRanges | None:
    """The table of a geographic calling code; None for an unknown or non-geographic code, or one
    with a pattern beyond :mod:`.digit_language`."""
    rules = country_rules(country_code)
    if rules is None:
        return None
    try:
        return _build(rules)
    except UnsupportedPattern:
        return None


def _build(rules: CountryRules) -> CodeRanges:
    readers: dict[str, DigitPattern] = {}

    def reader(regex: str) -> DigitPattern:
        if regex not in readers:
            readers[regex] = DigitPattern(regex)
        return readers[regex]

    starts, labels = [], []
    for length in range(MAX_NSN + 1):
        regions = [_RegionAtLength(region, length, reader) for region in rules.regions]
        points = _segment_starts(regions, length)
        starts.append(KEY_OFFSETS[length] + points)
        labels.append(_labels(regions, points, single=len(regions) == 1))
    every_start, every_label = np.concatenate(starts), np.concatenate(labels)
    keep = np.concatenate(([True], every_label[1:] != every_label[:-1]))
    return CodeRanges(every_start[keep], every_label[keep].astype(np.int16))


def _allowed(pattern: Pattern, length: int) -> bool:
    """Whether a description admits numbers of ``length`` digits (no lengths: any)."""
    return not pattern.lengths or length in pattern.lengths


class _RegionAtLength:
    """One region's ranges at one length: general, each type's, and its leading digits'."""

    def __init__(self, region: RegionRules, length: int, reader) -> None:
        self.region = region
        general = region.general
        self.general = (
            _array(reader(general.regex).ranges(length)) if general and _allowed(general, length) else None
        )
        self.types: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.general is not None and len(self.general[0]):
            for name, pattern in region.named:
                if _allowed(pattern, length):
                    self.types[name] = _array(reader(pattern.regex).ranges(length))
        self.leading = (
            _array(reader(region.leading_digits).prefix_ranges(length)) if region.leading_digits else None
        )

    def every(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [each for each in (self.general, self.leading, *self.types.values()) if each is not None]

    def types_at(self, points: np.ndarray) -> np.ndarray:
        """``_number_type_helper`` of the numbers at ``points``, as an index into NUMBER_TYPES (-1: UNKNOWN)."""
        kinds = np.full(len(points), -1, dtype=np.int64)
        if self.general is None or not self.types:
            return kinds
        open_at = _inside(self.general, points)
        for name in RARE_TYPES:
            if name in self.types:
                hit = open_at & _inside(self.types[name], points)
                kinds[hit] = _TYPE[name]
                open_at &= ~hit
        fixed = (
            _inside(self.types["fixed_line"], points)
            if "fixed_line" in self.types
            else np.zeros_like(open_at)
        )
        if self.region.same_mobile_and_fixed_line:
            kinds[open_at & fixed] = _TYPE["fixed_line_or_mobile"]
            return kinds
        mobile = _inside(self.types["mobile"], points) if "mobile" in self.types else np.zeros_like(open_at)
        kinds[open_at & fixed & mobile] = _TYPE["fixed_line_or_mobile"]
        kinds[open_at & fixed & ~mobile] = _TYPE["fixed_line"]
        kinds[open_at & ~fixed & mobile] = _TYPE["mobile"]
        return kinds


def _segment_starts(regions: list[_RegionAtLength], length: int) -> np.ndarray:
    """Every place on the line of ``length`` digits where some range begins or ends, and 0."""
    edges = [np.zeros(1, dtype=np.int64)]
    for region in regions:
        for firsts, lasts in region.every():
            edges += [firsts, lasts + 1]
    points = np.unique(np.concatenate(edges))
    return points[points < 10**length]


def _labels(regions: list[_RegionAtLength], points: np.ndarray, single: bool) -> np.ndarray:
    """Each segment's verdict, by ``_region_code_for_number_from_list``: a region with leading digits
    claims the numbers that start with them (valid or not); one without claims those of a known type
    there. A code of one region ignores its leading digits."""
    labels = np.full(len(points), -1, dtype=np.int64)
    open_at = np.ones(len(points), dtype=bool)
    for index, region in enumerate(regions):
        kinds = region.types_at(points)
        if region.leading is not None and not single:
            claimed = open_at & _inside(region.leading, points)
        else:
            claimed = open_at & (kinds >= 0)
        labels[claimed] = np.where(kinds[claimed] >= 0, index * _TYPES + kinds[claimed], -1)
        open_at &= ~claimed
    return labels


def _array(ranges: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    found = np.array(ranges, dtype=np.int64).reshape(-1, 2)
    return found[:, 0], found[:, 1]


def _inside(ranges: tuple[np.ndarray, np.ndarray], points: np.ndarray) -> np.ndarray:
    firsts, lasts = ranges
    if not len(firsts):
        return np.zeros(len(points), dtype=bool)
    at = np.searchsorted(firsts, points, side="right") - 1
    return (at >= 0) & (points <= lasts[np.maximum(at, 0)])
