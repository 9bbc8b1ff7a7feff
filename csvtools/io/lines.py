"""CSV lines rendered from Arrow columns: the one quoting rule of every file csvtools writes.

A cell is quoted when it holds a comma, a quote or a line break, and its
quotes are doubled (RFC 4180); nothing else is quoted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .._strings import string_buffers

__all__ = ["as_strings", "render_lines"]

_NEEDS_QUOTES = r'[",\r\n]'
_QUOTE_BYTES = (b'"', b",", b"\r", b"\n")
_INT32_MAX = 2**31 - 1


def render_lines(columns: Sequence[Sequence[str] | pa.Array | np.ndarray]) -> pa.Array:
    """Equal-length columns of strings as CSV lines ending in a line feed, quoted as the writer quotes."""
    strings = [as_strings(column) for column in columns]
    arrays = [_quoted(column) for column in strings]
    if not len(arrays[0]):
        return pa.array([], type=pa.string())
    if all(quoted is column for quoted, column in zip(arrays, strings)) and not any(
        column.null_count for column in arrays
    ):
        return _written(arrays)
    # The line feed goes onto the last cell: one column copied once more instead of the whole line.
    arrays[-1] = pc.binary_join_element_wise(arrays[-1], "\n", "")
    return pc.binary_join_element_wise(*arrays, ",")


def _written(columns: list[pa.Array]) -> pa.Array:
    """Lines of cells none of which needs quotes or is null, by pyarrow's CSV writer (one pass in C++,
    about half the time of joining the cells), as a string array: each line's length is its cells'
    lengths, a comma between them and the line feed."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(
        pa.record_batch(columns, names=[str(at) for at in range(len(columns))]),
        sink,
        pacsv.WriteOptions(include_header=False, quoting_style="none"),
    )
    data = sink.getvalue()
    lengths = np.full(len(columns[0]), len(columns), dtype=np.int64)
    for column in columns:
        offsets, _ = string_buffers(column)
        lengths += np.diff(offsets)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] != data.size:  # never seen: the writer wrote something else than the cells
        raise AssertionError("the CSV writer's lines are not the cells joined")
    kind = pa.string() if offsets[-1] <= _INT32_MAX else pa.large_string()
    width = np.int32 if kind == pa.string() else np.int64
    return pa.Array.from_buffers(kind, len(lengths), [None, pa.py_buffer(offsets.astype(width)), data])


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
