"""Cells a spreadsheet would run as formulas, made inert: for the files meant for people only.

The upload file is never altered; the rejects CSV (and any other file people
open in a spreadsheet) gets a leading ``'`` on cells that could run.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._strings import first_bytes, replaced
from .lines import as_strings

__all__ = ["neutralize_formula", "neutralize_formulas"]

_ALWAYS_FORMULA = ("=", "@", "\t", "\r")
_SIGN = ("+", "-")
_FORMULA_START_BYTES = np.zeros(256, dtype=bool)
_FORMULA_START_BYTES[list(b"=@\t\r+-")] = True
# Cells that may be formulas: neutralize_formula decides on these few exactly.
_FORMULA_CANDIDATE = r"^[=@\t\r]|^[+\-].*[^0-9 ().,/:;#*+\-]"
_FORMULA_HINT = re.compile(r'[^\W\d_]|[|!"&$=]')  # a letter, or a symbol formulas use


def neutralize_formulas(column: pa.Array) -> pa.Array:
    """:func:`neutralize_formula` over a column; only cells with a formula start are looked at."""
    column = as_strings(column)
    candidates = np.flatnonzero(_FORMULA_START_BYTES[first_bytes(column)])
    if candidates.size:
        candidates = candidates[
            pc.fill_null(
                pc.match_substring_regex(column.take(pa.array(candidates)), _FORMULA_CANDIDATE), False
            ).to_numpy(zero_copy_only=False)
        ]
    if not candidates.size:
        return column
    changed = [neutralize_formula(cell) for cell in column.take(pa.array(candidates)).to_pylist()]
    return replaced(column, candidates, pa.array(changed, type=pa.string()))


def neutralize_formula(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula.

    Only for files meant for people (the rejects CSV); never for the upload.
    A cell starting with ``+`` or ``-`` is touched only when it could call a
    function or a reference (letters or ``| ! " & $ =``), so phone numbers such
    as ``+44 20 7946 0000 ::: +44 ...`` stay as they were.
    """
    if cell.startswith(_ALWAYS_FORMULA):
        return "'" + cell
    if cell.startswith(_SIGN) and _FORMULA_HINT.search(cell):
        return "'" + cell
    return cell
