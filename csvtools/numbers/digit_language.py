"""The digit strings of one length that a libphonenumber pattern matches, as ranges of integers.

libphonenumber's number patterns are regular expressions over digits built
from a small vocabulary: digits, classes (``[2-9]``, ``\\d``), groups,
alternation and counted repeats. The strings of length ``n`` such a pattern
matches in full are a set of ``n``-digit strings; read as integers (``0012``
is 12 among the 4-digit strings) the set is a union of ranges, and a handful
of them describe a whole plan, because a pattern's tail is almost always
``\\d{k}`` (all of ``[0, 10**k)``). :func:`digit_ranges` computes that union
from the pattern's parse tree (Python's own ``re`` parser), so a number is
checked against a pattern by a binary search instead of a regex run.

A pattern outside the vocabulary (a look-around, a back-reference, a flag,
any character but a digit), or one whose ranges would number
more than :data:`MAX_RANGES`, raises :class:`UnsupportedPattern`; the caller
then matches that pattern as a regex.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():  # deprecated as a public name, kept as re's own parser
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_parse as _sre

__all__ = ["MAX_RANGES", "DigitPattern", "UnsupportedPattern", "digit_ranges"]

#: Beyond this many ranges for one pattern and length, a regex is the cheaper test.
MAX_RANGES = 1 << 17
_POWERS = tuple(10**k for k in range(64))
_UNBOUNDED = 1 << 30

Ranges = list[tuple[int, int]]  # sorted, disjoint, not adjacent: (first, last) inclusive


class UnsupportedPattern(ValueError):
    """The pattern uses a construct :func:`digit_ranges` does not read, or has too many ranges."""


def digit_ranges(pattern: str, length: int) -> Ranges:
    """The ``length``-digit strings ``pattern`` matches in full, as sorted inclusive integer ranges."""
    return DigitPattern(pattern).ranges(length)


class DigitPattern:
    """One pattern's parse tree, with the ranges of each part at each length remembered."""

    def __init__(self, pattern: str) -> None:
        try:
            self._tree = _sre.parse(pattern)
        except Exception as error:  # re.error, and anything else the parser raises on odd input
            raise UnsupportedPattern(f"cannot parse {pattern!r}: {error}") from None
        if self._tree.state.flags & ~_sre.SRE_FLAG_UNICODE:
            raise UnsupportedPattern("flags")
        self._known: dict[tuple, Ranges] = {}
        self._widths: dict[int, list[tuple[int, int]]] = {}

    def ranges(self, length: int) -> Ranges:
        """The ``length``-digit strings the whole pattern matches in full."""
        return self._sequence(self._tree, 0, length)

    def prefix_ranges(self, length: int) -> Ranges:
        """The ``length``-digit strings that start with a string the pattern matches (``re.match``)."""
        found: Ranges = []
        for head in range(length + 1):
            found += _join(self.ranges(head), [(0, _POWERS[length - head] - 1)], length - head)
        return _merged(found)

    # The parse tree's nodes are kept alive by self._tree, so id() names a part for the memo.
    def _sequence(self, items, start: int, length: int) -> Ranges:
        """Ranges of ``items[start:]`` (a parsed sequence) matching exactly ``length`` digits."""
        key = (id(items), start, length)
        found = self._known.get(key)
        if found is not None:
            return found
        widths = self._suffix_widths(items)
        low, high = widths[start]
        if not low <= length <= high:
            found = []
        elif start == len(items):
            found = [(0, 0)]
        else:
            node = items[start]
            node_low, node_high = self._width(node)
            rest_low, rest_high = widths[start + 1]
            found = []
            for size in range(max(node_low, length - rest_high), min(node_high, length - rest_low) + 1):
                head = self._node(node, size)
                tail = self._sequence(items, start + 1, length - size) if head else []
                if tail:
                    found += _join(head, tail, length - size)
            found = _merged(found)
        self._known[key] = found
        return found

    def _node(self, node, length: int) -> Ranges:
        kind, value = node
        if kind is _sre.LITERAL:
            digit = value - ord("0")
            return [(digit, digit)] if 0 <= digit <= 9 and length == 1 else []
        if kind is _sre.IN:
            return _class_ranges(value) if length == 1 else []
        if kind is _sre.SUBPATTERN:
            _, add_flags, del_flags, inner = value
            if add_flags or del_flags:
                raise UnsupportedPattern("inline flags")
            return self._sequence(inner, 0, length)
        if kind is _sre.BRANCH:
            found: Ranges = []
            for alternative in value[1]:
                found += self._sequence(alternative, 0, length)
            return _merged(found)
        if kind is _sre.MAX_REPEAT or kind is _sre.MIN_REPEAT:
            least, most, inner = value
            inner_low, _ = self._suffix_widths(inner)[0]
            # More repeats than that add nothing: each takes a digit at least, or (when it may match
            # nothing) only more than ``length`` of them would, and those can as well be empty.
            top = length // inner_low if inner_low else max(least, length)
            if most is not _sre.MAXREPEAT:
                top = min(most, top)
            found = []
            for times in range(least, top + 1):
                found += self._repeated(inner, times, length)
            return _merged(found)
        raise UnsupportedPattern(f"construct {kind}")

    def _repeated(self, inner, times: int, length: int) -> Ranges:
        """Ranges of ``inner`` repeated exactly ``times`` times, ``length`` digits in all."""
        key = ("times", id(inner), times, length)
        found = self._known.get(key)
        if found is not None:
            return found
        low, high = self._suffix_widths(inner)[0]
        if not low * times <= length <= high * times:
            found = []
        elif times == 0:
            found = [(0, 0)]
        else:
            found = []
            for size in range(
                max(low, length - high * (times - 1)), min(high, length - low * (times - 1)) + 1
            ):
                head = self._sequence(inner, 0, size)
                tail = self._repeated(inner, times - 1, length - size) if head else []
                if tail:
                    found += _join(head, tail, length - size)
            found = _merged(found)
        self._known[key] = found
        return found

    def _suffix_widths(self, items) -> list[tuple[int, int]]:
        """(fewest, most) digits ``items[i:]`` can match, for every ``i``."""
        widths = self._widths.get(id(items))
        if widths is None:
            widths = [(0, 0)] * (len(items) + 1)
            for at in range(len(items) - 1, -1, -1):
                low, high = self._width(items[at])
                widths[at] = (widths[at + 1][0] + low, min(_UNBOUNDED, widths[at + 1][1] + high))
            self._widths[id(items)] = widths
        return widths

    def _width(self, node) -> tuple[int, int]:
        kind, value = node
        if kind is _sre.LITERAL or kind is _sre.IN:
            return (1, 1)
        if kind is _sre.SUBPATTERN:
            return self._suffix_widths(value[3])[0]
        if kind is _sre.BRANCH:
            widths = [self._suffix_widths(alternative)[0] for alternative in value[1]]
            return (min(low for low, _ in widths), max(high for _, high in widths))
        if kind is _sre.MAX_REPEAT or kind is _sre.MIN_REPEAT:
            least, most, inner = value
            low, high = self._suffix_widths(inner)[0]
            return (low * least, _UNBOUNDED if most is _sre.MAXREPEAT else min(_UNBOUNDED, high * most))
        raise UnsupportedPattern(f"construct {kind}")


def _class_ranges(items) -> Ranges:
    """The digits a character class (``[2-57]``, ``\\d``) admits, as ranges."""
    digits: set[int] = set()
    for kind, value in items:
        if kind is _sre.LITERAL:
            digits.update({value - ord("0")} & set(range(10)))
        elif kind is _sre.RANGE:
            first, last = value
            digits.update(range(max(first, ord("0")) - ord("0"), min(last, ord("9")) - ord("0") + 1))
        elif kind is _sre.CATEGORY and value is _sre.CATEGORY_DIGIT:
            digits.update(range(10))
        else:
            raise UnsupportedPattern(f"class item {kind}")
    return _merged([(digit, digit) for digit in digits])


def _join(head: Ranges, tail: Ranges, tail_length: int) -> Ranges:
    """Every string of ``head`` followed by every ``tail_length``-digit string of ``tail``."""
    scale = _POWERS[tail_length]
    if tail == [(0, scale - 1)]:  # any tail: each head range stays one range
        return [(first * scale, last * scale + scale - 1) for first, last in head]
    if sum(last - first + 1 for first, last in head) * len(tail) > MAX_RANGES:
        raise UnsupportedPattern("too many ranges")
    return [
        (prefix * scale + first, prefix * scale + last)
        for head_first, head_last in head
        for prefix in range(head_first, head_last + 1)
        for first, last in tail
    ]


def _merged(ranges: Ranges) -> Ranges:
    """Sorted, with overlapping and adjacent ranges joined."""
    if len(ranges) < 2:
        return ranges
    ranges.sort()
    joined = [ranges[0]]
    for first, last in ranges[1:]:
        previous_first, previous_last = joined[-1]
        if first <= previous_last + 1:
            if last > previous_last:
                joined[-1] = (previous_first, last)
        else:
            joined.append((first, last))
    if len(joined) > MAX_RANGES:
        raise UnsupportedPattern("too many ranges")
    return joined
