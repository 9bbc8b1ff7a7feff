"""Which character separates the fields: sniffed among ``, ; tab |``, or forced."""

from __future__ import annotations

import csv

from ..errors import InputFileError

__all__ = ["DELIMITERS", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50


def sniff_delimiter(sample: str, forced: str | None = None) -> str:
    """Pick the delimiter among ``, ; tab |`` that splits ``sample`` most consistently."""
    if forced:
        forced = {"\\t": "\t", "tab": "\t"}.get(forced, forced)
        if len(forced) != 1:
            raise InputFileError(f"a delimiter is one character, not {forced!r}")
        return forced
    lines = sample.splitlines()[:_SNIFF_LINES]
    best, best_score = ",", (0, 0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        # Prefer: most records as wide as the header, then the widest header.
        agreeing = sum(1 for width in widths if width == widths[0])
        score = (1, agreeing, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best
