"""Open a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) as a contact list: one sheet's header, then its rows.

A sheet is read with python-calamine and handed on as the same
:class:`~.records.Chunk` s the CSV readers give, so that everything after
reading (the phone column, judging, outputs, the report) is the same for
both. Each cell becomes text on purpose (:func:`cell_text`): a number keeps
all its digits (``919876543210``, never ``9.19876543210E+11`` as a CSV
export of the same sheet may write), text stays as typed, dates become ISO
dates. The line of a row is its row number in the sheet.
"""

from __future__ import annotations

import datetime
import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import InputFileError
from .encoding import open_binary
from .records import Block, Chunk, chunk_of_rows

if TYPE_CHECKING:
    import python_calamine

__all__ = ["WORKBOOK_SUFFIXES", "WorkbookSource", "cell_text", "is_workbook"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")

# ZIP (.xlsx, .xlsm, .xlsb, .ods) and OLE2 (.xls) documents, whatever the file is called.
_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")

#: Below 2**53 every integer is exact in a float; a phone number has at most 15 digits.
EXACT_INTEGERS = 2.0**53


def is_workbook(path: str | os.PathLike) -> bool:
    """True if ``path`` is named like a workbook or begins like one (a ZIP or OLE2 document)."""
    if os.fspath(path).lower().endswith(WORKBOOK_SUFFIXES):
        return True
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False  # a pipe or a device: opening it to look could block, and no workbook is one
        with open(path, "rb") as handle:
            return handle.read(4) in _MAGIC
    except OSError:
        return False


def cell_text(value: object) -> str:
    """A cell as the text it stands for: integral numbers without ``.0`` or exponent, dates as ISO dates."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < EXACT_INTEGERS:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


class WorkbookSource:
    """One sheet of a workbook, with the interface of :class:`~.source.CsvSource`.

    ``sheet`` is a sheet's name, or its position counting from 1 (an int, or
    a string of digits that names no sheet); None takes the first visible
    sheet. Empty rows are skipped, as empty lines of a CSV are.
    """

    encoding = None
    delimiter = None

    def __init__(self, path: str | os.PathLike, sheet: str | int | None = None) -> None:
        import python_calamine

        self.path = os.fspath(path)
        with open_binary(self.path) as handle:  # the same messages as for a CSV: missing, a directory …
            self.size = os.fstat(handle.fileno()).st_size
            try:
                book = python_calamine.CalamineWorkbook.from_filelike(handle)
            except python_calamine.CalamineError as exc:
                raise InputFileError(f"cannot read it as a workbook (.xlsx, .xls, .ods): {exc}") from None
            self.sheet = _sheet_name(book, sheet)
            try:
                found = book.get_sheet_by_name(self.sheet)
                rows = found.iter_rows()
            except python_calamine.CalamineError as exc:
                raise InputFileError(f"cannot read sheet {self.sheet!r}: {exc}") from None
        self._rows: Iterator[tuple[int, list[Any]]] = enumerate(rows, start=1)
        self._height = found.end[0] + 1 if found.end else 0  # rows from row 1, empty ones too
        self.header, self.header_line = self._read_header()
        self._done = self.header_line

    def _read_header(self) -> tuple[list[str], int]:
        for number, row in self._rows:
            header = [cell_text(cell) for cell in row]
            while header and not header[-1].strip():
                header.pop()
            if header:
                return header, number
        raise InputFileError(f"sheet {self.sheet!r} is empty")

    def pieces(self, chunk_rows: int, block_bytes: int = 0, tail_blocks: int = 1) -> Iterator[Block | Chunk]:
        """The sheet's rows after the header, as :class:`Chunk` s of at most ``chunk_rows`` records."""
        width = len(self.header)
        lines: list[int] = []
        rows: list[list[str]] = []
        malformed: list[tuple[int, list[str]]] = []
        for number, row in self._rows:
            self._done = number
            cells = [cell_text(cell) for cell in row]
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                # A value right of the header has no column to go in: the row is malformed, as in a CSV.
                while not cells[-1].strip():
                    cells.pop()
                malformed.append((number, cells))
            else:
                lines.append(number)
                rows.append(cells[:width] + [""] * (width - len(cells)))
            if len(rows) + len(malformed) >= chunk_rows:
                yield chunk_of_rows(lines, rows, malformed, width)
                lines, rows, malformed = [], [], []
        if rows or malformed:
            yield chunk_of_rows(lines, rows, malformed, width)

    def bytes_read(self) -> int:
        """The share of the file's size that the rows read so far stand for, for progress bars."""
        return self.size if not self._height else min(self.size, self.size * self._done // self._height)

    def check_unchanged(self) -> None:
        """Nothing to check: the sheet was read whole when it was opened: nothing can change under it."""

    def close(self) -> None:
        self._rows = iter(())

    def __enter__(self) -> WorkbookSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _sheet_name(book: python_calamine.CalamineWorkbook, wanted: str | int | None) -> str:
    import python_calamine

    names = list(book.sheet_names)
    if not names:
        raise InputFileError("the workbook has no sheets")
    if wanted is None:
        visible = [
            sheet.name
            for sheet in book.sheets_metadata
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
            and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        return (visible or names)[0]
    if isinstance(wanted, str) and wanted in names:
        return wanted
    if isinstance(wanted, int) or wanted.isdigit():
        position = int(wanted)
        if 1 <= position <= len(names):
            return names[position - 1]
        raise InputFileError(
            f"there is no sheet {position}: the workbook has {len(names)} ({', '.join(map(repr, names))})"
        )
    raise InputFileError(f"no sheet named {wanted!r}; the sheets are {', '.join(map(repr, names))}")
