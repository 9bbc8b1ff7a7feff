"""A contact file's rows as the person who made it sees them: its sheets, its header, each record with its line.

For tools built on csvtools (a web page that shows rows and takes corrections,
a preview that lists every input row) that need the file as csvtools reads it,
without a run: the same encoding and delimiter detection, the same sheet
reading, the same physical line numbers as the rejects file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .blocks import read_block
from .csv_records import CsvRecords
from .encoding import decide_encoding
from .records import Block, Chunk
from .source import CsvSource
from .workbook import WorkbookSource, is_workbook

__all__ = ["FileRows", "read_header", "read_rows", "record_lines", "sheet_names"]

# Pieces of this many rows (or bytes) when reading the lines of records: memory stays flat.
_CHUNK_ROWS = 200_000
_BLOCK_BYTES = 6 << 20


@dataclass
class FileRows:
    """The header of a file (or sheet), the line it is on, and its records as ``(line, cells)`` in order."""

    header_line: int
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


def sheet_names(path: str | os.PathLike) -> list[str]:
    """The sheets of a workbook, in order; an empty list for a CSV."""
    if not is_workbook(path):
        return []
    import python_calamine

    with open(path, "rb") as handle:
        return list(python_calamine.CalamineWorkbook.from_filelike(handle).sheet_names)


def read_header(path: str | os.PathLike, sheet: str | None = None) -> list[str]:
    """The header row of the CSV or of the workbook's sheet, read as csvtools reads it."""
    source = WorkbookSource(path, sheet) if is_workbook(path) else CsvSource(path)
    with source:
        return list(source.header)


def read_rows(path: str | os.PathLike, sheet: str | None = None) -> FileRows:
    """Every record after the header, each with the physical line it starts on (a malformed one too)."""
    if is_workbook(path):
        book = WorkbookSource(path, sheet)

        def from_sheet() -> Iterator[tuple[int, list[str]]]:
            with book:
                for piece in book.pieces(10_000):
                    assert isinstance(piece, Chunk)  # a sheet is read whole: never a Block to parse
                    columns = [column.to_pylist() for column in piece.columns]
                    records = [(int(line), [col[i] for col in columns]) for i, line in enumerate(piece.lines)]
                    records += [(line, list(cells)) for line, cells in piece.malformed]
                    yield from sorted(records)

        return FileRows(book.header_line, list(book.header), from_sheet())
    source = CsvSource(path)
    with source:
        header_line, header, delimiter = source.header_line, list(source.header), source.delimiter
    # A damaged UTF-8 line's bytes come through as surrogates, as in a run (written back with
    # "surrogateescape" they are the same bytes again).
    encoding, errors = decide_encoding(path)
    records = CsvRecords(path, encoding, delimiter or ",", errors=errors)

    def from_csv() -> Iterator[tuple[int, list[str]]]:
        for line, cells in records.records():
            if line > header_line:
                yield line, cells

    return FileRows(header_line, header, from_csv())


def record_lines(path: str | os.PathLike, **options: Any) -> list[int]:
    """The line where each non-blank record starts, in order, as a run with these options reads the file.

    ``options`` are :class:`csvtools.Options` fields (``sheet``, ``encoding``, ``delimiter`` …).
    """
    from ..options import Options

    settings = Options.of(None, **options)
    source = (
        WorkbookSource(path, settings.sheet)
        if is_workbook(path)
        else CsvSource(path, settings.encoding, settings.delimiter)
    )
    lines: list[int] = []
    with source:
        for piece in source.pieces(_CHUNK_ROWS, _BLOCK_BYTES):
            for chunk in read_block(piece, _CHUNK_ROWS) if isinstance(piece, Block) else [piece]:
                lines += chunk.lines.tolist()
                lines += [line for line, _ in chunk.malformed]
                lines += [line for line, *_ in chunk.undecodable]
    return sorted(lines)
