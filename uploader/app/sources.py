"""The uploaded contact file as rows with their lines, and a corrected copy in which every row keeps its line.

A correction replaces one rejected row's phone cell. The copy is a UTF-8 CSV
whose records start on the same physical lines as in the upload (the gaps
are empty lines, which csvtools skips), so a line in the re-checked report
is the line the person saw in their own file or sheet.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from csvtools.io.csv_records import CsvRecords
from csvtools.io.encoding import decide_encoding
from csvtools.io.records import Chunk
from csvtools.io.source import CsvSource
from csvtools.io.workbook import WorkbookSource, is_workbook

__all__ = ["read_header", "sheet_names", "write_corrected"]

Rows = Iterator[tuple[int, list[str]]]


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


def _rows(path: str | os.PathLike, sheet: str | None) -> tuple[int, list[str], Rows]:
    """``(header line, header, rows)`` where each row is ``(its line, its cells)``."""
    if is_workbook(path):
        book = WorkbookSource(path, sheet)

        def from_sheet() -> Rows:
            with book:
                for chunk in book.pieces(10_000):
                    assert isinstance(chunk, Chunk)  # a sheet is read whole: never a Block to parse
                    columns = [column.to_pylist() for column in chunk.columns]
                    records = [(int(line), [col[i] for col in columns]) for i, line in enumerate(chunk.lines)]
                    records += [(line, list(cells)) for line, cells in chunk.malformed]
                    yield from sorted(records)

        return book.header_line, list(book.header), from_sheet()
    with CsvSource(path) as source:
        header_line, header, delimiter = source.header_line, list(source.header), source.delimiter
    encoding, errors = decide_encoding(path)
    # Bytes of a damaged UTF-8 line come through as surrogates and are written back as the same bytes,
    # so csvtools judges them in the copy as it did in the upload.
    records = CsvRecords(path, encoding, delimiter or ",", errors=errors)

    def from_csv() -> Rows:
        for line, cells in records.records():
            if line > header_line:
                yield line, cells

    return header_line, header, from_csv()


def write_corrected(
    path: str | os.PathLike,
    sheet: str | None,
    phone_column: str,
    corrections: Mapping[int, str],
    target: str | os.PathLike,
) -> Path:
    """Write the file at ``path`` to ``target`` as CSV with ``corrections`` (line → phone value) applied."""
    header_line, header, rows = _rows(path, sheet)
    at = header.index(phone_column) if phone_column in header else 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    line = 1

    def put(start: int, cells: list[str]) -> None:
        nonlocal line
        if start > line:
            buffer.write("\n" * (start - line))
            line = start
        writer.writerow(cells)
        line += 1 + sum(cell.count("\n") for cell in cells)

    put(header_line, header)
    for start, cells in rows:
        if start in corrections:
            cells = list(cells) + [""] * max(0, at + 1 - len(cells))
            cells[at] = corrections[start]
        put(start, cells)
    target = Path(target)
    temporary = target.with_name(target.name + ".part")
    temporary.write_bytes(buffer.getvalue().encode("utf-8", errors="surrogateescape"))
    os.replace(temporary, target)
    return target
