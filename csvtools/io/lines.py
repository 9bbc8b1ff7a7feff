"""CSV lines rendered from Arrow columns: the one quoting rule of every file csvtools writes.

A cell is quoted when it holds a comma, a quote or a line break, and its
quotes are doubled (RFC 4180); nothing else is quoted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._strings import string_buffers

__all__ = ["as_strings", "render_lines"]

_NEEDS_QUOTES = r'[",\r\n]'
_QUOTE_BYTES = (b'"', b",", b"\r", b"\n")


def render_lines(columns: Sequence[Sequence[str] | pa.Array | np.ndarray]) -> pa.Array:
    """Equal-length columns of strings as CSV lines ending in a line feed, quoted as the writer quotes."""
    arrays = [_quoted(as_strings(column)) for column in columns]
    if not len(arrays[0]):
        return pa.array([], type=pa.string())
    # The line feed goes onto the last cell: one column copied once more instead of the whole line.
    arrays[-1] = pc.binary_join_element_wise(arrays[-1], "\n", "")
    return pc.binary_join_element_wise(*arrays, ",")


def as_strings(column: Sequence[str] | pa.Array | np.ndarray) -> pa.Array:
    """A column as one Arrow string array."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if isinstance(column, pa.Array):
        return column.cast(pa.string())
    return pa.array(column, type=pa.string(), from_pandas=True)


def _quoted(column: pa.Array) -> pa.Array:
    offsets, data = string_buffers(column)
    raw = data[offsets[0] : offsets[-1]].tobytes()  # bytes.find is memchr: far quicker than any numpy pass
    if not any(raw.find(byte) >= 0 for byte in _QUOTE_BYTES):
        return column  # no quote, comma or line break anywhere in the column's bytes
    needs = pc.match_substring_regex(column, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return column
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, column)
