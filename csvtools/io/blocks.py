"""Parse a block of quote-free CSV lines fast, with pyarrow, keeping exact line numbers.

Without a quote character, a CSV record is one physical line and its fields
are the line split on the delimiter, so the line structure can be read off
the bytes directly (numpy) and the splitting left to pyarrow's C++ parser.
A block with a quote, a NUL byte or a bare carriage return is not parsed
here: :class:`.source.CsvSource` gives it to Python's csv module
(:mod:`.csv_records`), which stays the reference for every other shape.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .._strings import is_utf8, string_buffers
from ..errors import InputFileError
from .csv_records import records_chunk
from .encoding import DAMAGED_UTF8
from .records import Block, Chunk, blank_rows

__all__ = [
    "BlockCutter",
    "needs_full_parser",
    "offset_of_line",
    "parse_fields",
    "read_block",
    "reread_fields",
]

_NEWLINE, _CR = 10, 13
_SCAN_BYTES = 1 << 20


def count_newlines(data: bytes | bytearray, end: int | None = None) -> int:
    """The line feeds in ``data[:end]`` (numpy's vectorized compare is several times quicker than
    ``bytes.count``, which goes byte by byte)."""
    end = len(data) if end is None else end
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=end) == _NEWLINE))


def needs_full_parser(block: bytes | bytearray, end: int | None = None) -> bool:
    """Whether ``block[:end]`` holds anything the quote-free reading would get wrong."""
    end = len(block) if end is None else end
    return (
        block.find(b'"', 0, end) >= 0
        or block.find(b"\x00", 0, end) >= 0
        or (block.find(b"\r", 0, end) >= 0 and block.count(b"\r", 0, end) != block.count(b"\r\n", 0, end))
    )


def parse_fields(block: bytes | pa.Buffer, width: int, delimiter: str) -> pa.Table:
    """The fields of a quote-free block's records of ``width`` fields, as string columns ``c0``, ``c1``…

    Blank lines and lines with another number of fields are left out.
    """
    return pacsv.read_csv(
        pa.BufferReader(block),
        # One block, one thread: handing a single parse job to the thread pool only adds overhead.
        read_options=pacsv.ReadOptions(
            column_names=[f"c{i}" for i in range(width)], block_size=max(len(block), 1) + 1, use_threads=False
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char=False,
            ignore_empty_lines=True,
            invalid_row_handler=lambda row: "skip",
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(width)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
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
    lines = pa.Array.from_buffers(
        pa.large_binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(block)]
    )
    offsets, data = string_buffers(lines.take(pa.array(at, type=pa.int64())))
    return pa.py_buffer(data[offsets[0] : offsets[-1]])  # the picked lines, end to end


def parse_block(
    block: bytes, first_line: int, width: int, delimiter: str
) -> tuple[np.ndarray, list[pa.Array], list[tuple[int, list[str]]]]:
    """Records of a quote-free block of whole lines.

    Returns the well-formed records' physical lines (``first_line`` is the
    block's first line) and fields, one string array per column, and the
    malformed ones as ``(line, fields)``. Blank lines are skipped, as
    Python's csv module skips them.
    """
    try:
        table = parse_fields(block, width, delimiter)
    except pa.ArrowInvalid as exc:  # an ArrowInvalid is a ValueError, which would read as a usage error
        raise _unreadable(block, first_line, exc) from None
    line_count = count_newlines(block) + (0 if block.endswith(b"\n") else 1)
    good: slice | np.ndarray
    malformed: list[tuple[int, list[str]]]
    if table.num_rows == line_count:
        # Every line was a good record: no blank or ragged line to account for.
        line_numbers, good, malformed = first_line + np.arange(line_count, dtype=np.int64), slice(None), []
    else:
        line_numbers, good, malformed = _line_structure(block, first_line, width, delimiter)
        if table.num_rows != int(good.sum()):  # never seen; refuse rather than misnumber lines
            raise InputFileError(f"cannot read the lines from line {first_line} on; please report this file")
    return line_numbers[good], [_single(column) for column in table.columns], malformed


def read_block(block: Block, chunk_rows: int) -> list[Chunk]:
    """Parse ``block`` into chunks of at most ``chunk_rows`` records, in line order."""
    data = _bytes_of(block)
    if block.damaged and not is_utf8(data):
        return [_damaged_block(data, block)]
    lines, columns, malformed = parse_block(data, block.first_line, block.width, block.delimiter)
    blank = blank_rows(columns)
    blank_lines = lines[blank]
    if len(blank_lines):
        keep = pa.array(~blank)
        lines, columns = lines[~blank], [column.filter(keep) for column in columns]
    if len(lines) + len(malformed) <= chunk_rows:
        return [Chunk(lines, columns, malformed, block, len(blank_lines))]
    every = np.sort(np.concatenate([lines, np.array([line for line, _ in malformed], dtype=np.int64)]))
    chunks = []
    for begin in range(0, len(every), chunk_rows):
        first, last = every[begin], every[min(begin + chunk_rows, len(every)) - 1]
        inside = (lines >= first) & (lines <= last)
        mask = pa.array(inside)
        chunks.append(
            Chunk(
                lines[inside],
                [column.filter(mask) for column in columns],
                [item for item in malformed if first <= item[0] <= last],
                block,
            )
        )
    # Each blank line counts in the chunk it follows (the first chunk takes those before it).
    owners = np.maximum(np.searchsorted(every[::chunk_rows], blank_lines, side="right") - 1, 0)
    for owner, count in zip(*np.unique(owners, return_counts=True)):
        chunks[owner].blank = int(count)
    return chunks


def reread_fields(block: Block, lines: np.ndarray) -> list[pa.Array]:
    """The fields of well-formed records of ``block``, by physical line (increasing), read from the
    file again: one column per header field.

    Cheaper than carrying every record's fields from a worker to the main
    process when only a few of them (the duplicates) are needed there.
    """
    changed = InputFileError(f"the file changed while it was being read (at line {block.first_line})")
    try:
        picked = pick_lines(_bytes_of(block), lines - block.first_line)
    except ValueError:
        raise changed from None
    records = parse_fields(picked, block.width, block.delimiter)
    if records.num_rows != len(lines):
        raise changed
    return [column.combine_chunks() for column in records.columns]


class BlockCutter:
    """Cut a UTF-8 file into :class:`Block` s of whole lines, from byte ``offset`` (line ``line``) on.

    Iterating yields blocks until the end of the file or the first block that
    needs the full parser (:func:`needs_full_parser`); then ``offset`` and
    ``line`` say where the rest of the file starts. Blocks are about
    ``block_bytes``; once fewer than ``tail_blocks`` full blocks are left, they
    shrink (to a ``tail_blocks``-th of the rest), so that parallel workers
    finish together instead of one of them working alone on a last big block.
    """

    def __init__(
        self,
        handle: io.BufferedReader,
        path: str,
        size: int,
        offset: int,
        line: int,
        width: int,
        delimiter: str,
        block_bytes: int,
        tail_blocks: int = 1,
        damaged: bool = False,
    ) -> None:
        self._handle, self._path, self._size, self._damaged = handle, path, size, damaged
        self.offset, self.line = offset, line
        self._width, self._delimiter = width, delimiter
        self._block_bytes, self._tail_blocks = block_bytes, tail_blocks

    def __iter__(self) -> Iterator[Block]:
        at_least = 1
        buffer = bytearray(0)
        while True:
            rest = self._size - self.offset
            size = (
                self._block_bytes
                if rest >= self._tail_blocks * self._block_bytes
                else max(self._block_bytes // 4, rest // self._tail_blocks)
            )
            size = max(size, at_least)
            # Each read starts where the last whole line ended, into one reused buffer: no bytes
            # are carried over, and no fresh block has to be faulted in.
            if len(buffer) < size:
                buffer = bytearray(size)
            self._handle.seek(self.offset)
            with memoryview(buffer) as view:
                # Never past the size the file had at the start: rows appended meanwhile are not read.
                read = self._handle.readinto(view[: min(size, max(rest, 0))])
            if not read:
                return
            at_end = self.offset + read >= self._size
            cut = read if at_end else buffer.rfind(b"\n", 0, read) + 1
            if cut == 0:  # one line longer than a block: read more at once
                at_least = 2 * size
                continue
            if needs_full_parser(buffer, cut):
                return
            yield Block(self._path, self.offset, cut, self.line, self._width, self._delimiter, self._damaged)
            self.offset += cut
            self.line += count_newlines(buffer, cut)
            at_least = 1

    def close(self) -> None:
        self._handle.close()


def offset_of_line(path: str | os.PathLike, line: int) -> int | None:
    """The byte offset where physical ``line`` starts, counting ``\\n`` (None for bare-CR files)."""
    offset, seen = 0, 1
    with open(path, "rb") as handle:
        while seen < line:
            block = handle.read(_SCAN_BYTES)
            if not block:
                return None
            if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
                return None
            position = -1
            while seen < line:
                position = block.find(b"\n", position + 1)
                if position < 0:
                    break
                seen += 1
            if seen == line:
                return offset + position + 1
            offset += len(block)
    return offset


def _bytes_of(block: Block) -> bytes:
    try:
        with open(block.path, "rb") as handle:
            handle.seek(block.offset)
            data = handle.read(block.size)
    except OSError as exc:
        raise InputFileError(f"cannot read {block.path}: {exc.strerror or exc}") from None
    if len(data) != block.size or needs_full_parser(data):
        raise InputFileError(f"the file changed while it was being read (at line {block.first_line})")
    return data


def _damaged_block(data: bytes, block: Block) -> Chunk:
    """A quote-free block of a damaged UTF-8 file that holds bytes that are not UTF-8, read line by line.

    Without quotes a record is a line split on the delimiter, as in
    :func:`parse_block`; the records go through the csv-module reader's own
    chunk step, which rejects the undecodable ones and counts blank ones.
    """
    records = []
    for at, line in enumerate(data.split(b"\n")):
        line = line[:-1] if line.endswith(b"\r") else line
        if line:
            records.append((block.first_line + at, line.decode("utf-8", DAMAGED_UTF8).split(block.delimiter)))
    chunk = records_chunk(records, block.width, damaged=True)
    chunk.block = block  # its kept rows are UTF-8, and can be read again from the file
    return chunk


def _unreadable(block: bytes, first_line: int, exc: Exception) -> InputFileError:
    """The error for a block pyarrow could not parse: its first line that is not UTF-8 (``--encoding utf-8``
    forced on a file that is not), or what pyarrow said."""
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = first_line + count_newlines(block, bad.start)
        return InputFileError(f"cannot decode line {line} as utf-8: {bad.reason}; pass --encoding")
    return InputFileError(f"cannot read the lines from line {first_line} on: {exc}")


def _single(column: pa.ChunkedArray) -> pa.Array:
    # One block is read as one chunk; combine_chunks() would copy it all the same.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _line_structure(
    block: bytes, first_line: int, width: int, delimiter: str
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, list[str]]]]:
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
        (int(line_numbers[i]), block[starts[i] : starts[i] + content[i]].decode("utf-8").split(delimiter))
        for i in np.flatnonzero(~blank & ~good)
    ]
    return line_numbers, good, malformed
