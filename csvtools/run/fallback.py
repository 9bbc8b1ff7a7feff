"""Fallback phone columns: each row's first non-empty cell among several columns, in order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["first_filled"]


def first_filled(columns: list[pa.Array]) -> tuple[pa.Array, np.ndarray]:
    """(each row's first cell that is not blank, the index of the column it came from).

    A row blank in every column takes the first column's cell (and index 0).
    """
    values = columns[0]
    source = np.zeros(len(values), dtype=np.int64)
    open_rows = _blank(values)
    for index, column in enumerate(columns[1:], start=1):
        if not open_rows.any():
            break
        taken = open_rows & ~_blank(column)
        values = pc.if_else(pa.array(taken), column, values)
        source[taken] = index
        open_rows &= ~taken
    return values, source


def _blank(column: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True).to_numpy(zero_copy_only=False)
