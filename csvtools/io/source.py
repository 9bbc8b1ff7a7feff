"""Open a contact CSV as text: its encoding, delimiter and header, then its records in pieces.

Every value stays a string: no type or NA guessing ever happens here. A
UTF-8 file is cut into quote-free blocks (:mod:`.blocks`) for as long as it
has no quotes; from the first block that has, or for any other encoding,
Python's csv module (:mod:`.csv_records`) reads the rest.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

from ..errors import InputFileError
from .blocks import BlockCutter, offset_of_line
from .csv_records import CsvRecords, escaped, has_undecodable
from .delimiter import sniff_delimiter
from .encoding import DAMAGED_UTF8, decide_encoding, open_binary
from .records import Block, Chunk

__all__ = ["CsvSource"]

_SAMPLE_CHARS = 64 * 1024


def _state(path: str) -> tuple[int, int]:
    """(size, modification time in ns) of ``path``."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise InputFileError(f"no such file: {path}") from None
    except OSError as exc:
        raise InputFileError(f"cannot open {path}: {exc.strerror or exc}") from None
    return status.st_size, status.st_mtime_ns


class CsvSource:
    """An open contact CSV: its header, encoding and delimiter, and its records once, in pieces.

    Use as a context manager; :meth:`pieces` streams the records.
    """

    sheet = None  # a CSV has no sheets (see .workbook.WorkbookSource)

    def __init__(
        self, path: str | os.PathLike, encoding: str | None = None, delimiter: str | None = None
    ) -> None:
        self.path = os.fspath(path)
        self._start = _state(self.path)
        self.encoding, self._errors = decide_encoding(path, encoding)
        self.size = self._start[0]
        self.delimiter = sniff_delimiter(self._sample(), delimiter)
        self._reader = CsvRecords(self.path, self.encoding, self.delimiter, errors=self._errors)
        self._position = 0
        try:
            self.header, self.header_line = self._read_header()
        except BaseException:
            self.close()
            raise

    def _sample(self) -> str:
        with (
            open_binary(self.path) as binary,
            io.TextIOWrapper(binary, encoding=self.encoding, errors=self._errors, newline="") as text,
        ):
            try:
                sample = text.read(_SAMPLE_CHARS)
            except UnicodeError as exc:  # also "UTF-16 stream does not start with BOM", no UnicodeDecodeError
                reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc
                raise InputFileError(f"cannot decode the file as {self.encoding}: {reason}") from None
        if not sample.strip():
            raise InputFileError("the file is empty")
        if "\x00" in sample:
            raise InputFileError("this is not a text file (it contains NUL characters)")
        return sample

    def _read_header(self) -> tuple[list[str], int]:
        for start, row in self._reader.records():
            if any(cell.strip() for cell in row):
                if self._errors == DAMAGED_UTF8 and has_undecodable(row):
                    raise InputFileError(
                        f"the header (line {start}) is not valid UTF-8: {escaped(row)}; pass --encoding"
                    )
                return row, start
        raise InputFileError("the file is empty")

    def pieces(self, chunk_rows: int, block_bytes: int, tail_blocks: int = 1) -> Iterator[Block | Chunk]:
        """Yield the records as :class:`Block` s to parse anywhere, then :class:`Chunk` s.

        UTF-8 files are cut into blocks of about ``block_bytes`` (whole lines,
        see :class:`.blocks.BlockCutter`); from the first block that is not
        quote-free, and for other encodings, the rest of the file comes
        through Python's csv module in chunks of ``chunk_rows`` records.
        """
        if self.encoding in ("utf-8", "utf-8-sig"):
            line = self._reader.last_line + 1
            offset = offset_of_line(self.path, line)
            if offset is not None:
                self._reader.close()
                cutter = BlockCutter(
                    open_binary(self.path),
                    self.path,
                    self.size,
                    offset,
                    line,
                    len(self.header),
                    self.delimiter,
                    block_bytes,
                    tail_blocks,
                    damaged=self._errors == DAMAGED_UTF8,
                )
                try:
                    for block in cutter:
                        self._position = block.end
                        yield block
                finally:
                    cutter.close()
                self._reader = CsvRecords(
                    self.path, "utf-8", self.delimiter, cutter.offset, cutter.line, errors=self._errors
                )
        yield from self._reader.chunks(len(self.header), chunk_rows)

    def text_lines(self) -> Iterator[tuple[int, str]]:
        """``(physical line, its text without the line break)`` of every line, from line 1, quotes and all.

        For files of one value a line, where a stray quote must not join the
        lines after it into one field as the csv module would.
        """
        with (
            open_binary(self.path) as binary,
            io.TextIOWrapper(binary, encoding=self.encoding, errors=self._errors, newline="") as text,
        ):
            try:
                for number, line in enumerate(text, start=1):
                    yield number, line.rstrip("\r\n")
            except UnicodeError as exc:
                reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc
                raise InputFileError(f"cannot decode the file as {self.encoding}: {reason}") from None

    def bytes_read(self) -> int:
        """Roughly how far into the file reading has got, for progress bars."""
        try:
            return min(max(self._reader.tell(), self._position), self.size)
        except (OSError, ValueError):
            return self.size

    def check_unchanged(self) -> None:
        """Raise :class:`InputFileError` if the file's size or modification time is not what it was at the start.

        Called once every record has been read: rows appended during a run
        (or a file rewritten in place) would otherwise be read in part, torn
        or not at all, while the counts claimed the whole file.
        """
        now = _state(self.path)
        if now != self._start:
            grew = f" (from {self._start[0]:,} to {now[0]:,} bytes)" if now[0] != self._start[0] else ""
            raise InputFileError(
                f"the file changed while it was being read{grew}; run again once it is complete"
            )

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
