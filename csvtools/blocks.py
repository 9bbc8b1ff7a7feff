"""Parse a block of quote-free CSV lines fast, with pyarrow, keeping exact line numbers.

Without a quote character, a CSV record is one physical line and its fields
are the line split on the delimiter, so the line structure can be read off
the bytes directly (numpy) and the splitting left to pyarrow's C++ parser.
A block with a quote, a NUL byte or a bare carriage return is not parsed
here: :class:`csvtools.reading.CsvSource` gives it to Python's csv module,
which stays the reference for every other shape.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import InputFileError
from .strings import string_buffers

_NEWLINE, _CR = 10, 13


def count_newlines(data: bytes | bytearray, end: int | None = None) -> int:
    """The line feeds in ``data[:end]`` (numpy's vectorized compare is several times quicker than
    ``bytes.count``, which goes byte by byte)."""
    end = len(data) if end is None else end
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=end) == _NEWLINE))


def needs_full_parser(block: bytes | bytearray, end: int | None = None) -> bool:
    """Whether ``block[:end]`` holds anything the quote-free reading would get wrong."""
    end = len(block) if end is None else end
    return (block.find(b'"', 0, end) >= 0 or block.find(b"\x00", 0, end) >= 0
            or (block.find(b"\r", 0, end) >= 0 and block.count(b"\r", 0, end) != block.count(b"\r\n", 0, end)))


def parse_fields(block: bytes | pa.Buffer, width: int, delimiter: str) -> pa.Table:
    """The fields of a quote-free block's records of ``width`` fields, as string columns ``c0``, ``c1``…

    Blank lines and lines with another number of fields are left out.
    """
    return pacsv.read_csv(
        pa.BufferReader(block),
        # One block, one thread: handing a single parse job to the thread pool only adds overhead.
        read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], block_size=max(len(block), 1) + 1,
                                       use_threads=False),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=True,
                                         invalid_row_handler=lambda row: "skip"),
        convert_options=pacsv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(width)},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )


def pick_lines(block: bytes, at: np.ndarray) -> pa.Buffer:
    """Lines ``at`` (counted from 0, increasing) of ``block``, each with its line feed, end to end."""
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == _NEWLINE) + 1
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(block))
    if len(at) and at[-1] >= len(ends):
        raise ValueError(f"the block has {len(ends)} lines, not {at[-1] + 1}")
    # The block as an array of its lines (no copy), so that one Arrow take gathers the lines.
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    lines = pa.Array.from_buffers(pa.large_binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(block)])
    offsets, data = string_buffers(lines.take(pa.array(at, type=pa.int64())))
    return pa.py_buffer(data[offsets[0]:offsets[-1]])  # the picked lines, end to end


def parse_block(
    block: bytes, first_line: int, columns: list[str], delimiter: str
) -> tuple[pd.DataFrame, list[tuple[int, list[str]]]]:
    """Records of a quote-free block of whole lines.

    Returns the well-formed records as a frame of strings indexed by physical
    line number (``first_line`` is the block's first line), and the
    malformed ones as ``(line, fields)``. Blank lines are skipped, as
    Python's csv module skips them.
    """
    width = len(columns)
    table = parse_fields(block, width, delimiter)
    line_count = count_newlines(block) + (0 if block.endswith(b"\n") else 1)
    if table.num_rows == line_count:
        # Every line was a good record: no blank or ragged line to account for.
        line_numbers, good, malformed = first_line + np.arange(line_count), slice(None), []
    else:
        line_numbers, good, malformed = _line_structure(block, first_line, width, delimiter)
        if table.num_rows != int(good.sum()):  # never seen; refuse rather than misnumber lines
            raise InputFileError(f"cannot read the lines from line {first_line} on; please report this file")
    frame = pd.DataFrame(
        {name: pd.arrays.ArrowStringArray(_single(table.column(i))) for i, name in enumerate(columns)},
        index=pd.Index(line_numbers[good], dtype="int64", name="line"),
    )
    return frame, malformed


def _single(column: pa.ChunkedArray) -> pa.Array:
    # One block is read as one chunk; combine_chunks() would copy it all the same.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _line_structure(block: bytes, first_line: int, width: int,
                    delimiter: str) -> tuple[np.ndarray, np.ndarray, list[tuple[int, list[str]]]]:
    """Line numbers, which lines are good records, and the malformed ones, read off the bytes."""
    data = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(data == _NEWLINE)
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(block))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    carriage = np.zeros(len(ends), dtype=bool)
    nonempty = lengths > 0
    carriage[nonempty] = data[ends[nonempty] - 1] == _CR
    content = lengths - carriage
    delimiters = np.flatnonzero(data == ord(delimiter))
    fields = np.searchsorted(delimiters, ends) - np.searchsorted(delimiters, starts) + 1
    blank = content == 0
    good = ~blank & (fields == width)
    line_numbers = first_line + np.arange(len(ends))
    malformed = [
        (int(line_numbers[i]), block[starts[i]:starts[i] + content[i]].decode("utf-8").split(delimiter))
        for i in np.flatnonzero(~blank & ~good)
    ]
    return line_numbers, good, malformed
