"""Open a contact CSV as text, decide its encoding and delimiter, and stream it
in chunks whose index is the physical line where each record starts.

Every value stays a string: no type or NA guessing ever happens here.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .blocks import count_newlines, needs_full_parser, parse_block, parse_fields, pick_lines
from .errors import InputFileError
from .strings import is_utf8

__all__ = ["Block", "Chunk", "CsvSource", "DELIMITERS", "detect_encoding", "read_block", "reread_fields",
           "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50
_BLOCK = 1 << 20
_UTF8_BLOCK = 8 << 20
_BLOCK_BYTES = 8 << 20  # bytes parsed at once by the quote-free reader

# Files people hand us by mistake, recognised by their first bytes.
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?); export the sheet as CSV",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office document (.xls); export the sheet as CSV",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive; unpack it first",
}


@dataclass
class Chunk:
    """A slice of well-formed records plus the malformed ones found beside them.

    ``frame`` has one column per header field (all strings) and is indexed by
    the physical line number where each record starts (header = line 1).
    ``malformed`` lists ``(line, fields)`` of records whose field count
    differs from the header's. ``block`` is the :class:`Block` the records
    were parsed from, if any: its lines can be read again (:func:`reread_fields`).
    """

    frame: pd.DataFrame
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)
    block: Block | None = None


@dataclass(frozen=True)
class Block:
    """Whole, quote-free lines of a UTF-8 file: ``size`` bytes from ``offset``, starting at physical
    line ``first_line``. Small to send to a worker, which parses it with :func:`read_block`."""

    path: str
    offset: int
    size: int
    first_line: int
    columns: tuple[str, ...]
    delimiter: str

    @property
    def end(self) -> int:
        return self.offset + self.size


def read_block(block: Block, chunk_rows: int) -> list[Chunk]:
    """Parse ``block`` (see :mod:`csvtools.blocks`) into chunks of at most ``chunk_rows`` records."""
    frame, malformed = parse_block(_bytes_of(block), block.first_line, list(block.columns), block.delimiter)
    return list(_split(frame, malformed, chunk_rows, block))


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
    records = parse_fields(picked, len(block.columns), block.delimiter)
    if records.num_rows != len(lines):
        raise changed
    return [column.combine_chunks() for column in records.columns]


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


def detect_encoding(path: str | os.PathLike, forced: str | None = None) -> str:
    """Return the encoding to read ``path`` with: BOM, then strict UTF-8, then cp1252.

    The whole file is checked, because a cp1252 byte can sit far past any
    sample a sniffer would read.
    """
    with _open_binary(path) as handle:
        head = handle.read(8192)
        _refuse_binary(head)
        if forced:
            try:
                codecs.lookup(forced)
            except LookupError:
                raise InputFileError(f"unknown encoding {forced!r}") from None
            return forced
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head:
            raise InputFileError("this is not a text file (it contains NUL bytes)")
        handle.seek(0)
        if _is_utf8(handle):
            return "utf-8"
        handle.seek(0)
        if _decodes(handle, "cp1252"):
            return "cp1252"
    raise InputFileError("cannot decode the file as UTF-8 or Windows-1252; pass --encoding")


def _is_utf8(handle: io.BufferedReader) -> bool:
    # One buffer, read into again and again: fresh 8 MB blocks would each be faulted in anew.
    buffer = bytearray(_UTF8_BLOCK)
    view = memoryview(buffer)
    kept = 0  # bytes after the last line feed, moved to the front for the next read
    while True:
        end = kept + handle.readinto(view[kept:])
        if end == kept:
            return is_utf8(view[:kept])
        # Check up to the last line feed, which is never inside a multi-byte character.
        cut = buffer.rfind(b"\n", 0, end) + 1
        if cut and not is_utf8(view[:cut]):
            return False
        kept = end - cut
        buffer[:kept] = bytes(view[cut:end])  # a copy: the two ranges may overlap
        if kept == len(buffer):  # one line longer than the buffer
            view.release()
            buffer.extend(bytes(len(buffer)))
            view = memoryview(buffer)


def _decodes(handle: io.BufferedReader, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_binary(head: bytes) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputFileError(f"this is not a CSV file: it looks like {what}")


def _open_binary(path: str | os.PathLike) -> io.BufferedReader:
    try:
        if os.path.isdir(path):
            raise InputFileError(f"{os.fspath(path)} is a directory, not a file")
        return open(path, "rb")
    except FileNotFoundError:
        raise InputFileError(f"no such file: {os.fspath(path)}") from None
    except PermissionError:
        raise InputFileError(f"permission denied: {os.fspath(path)}") from None
    except OSError as exc:
        raise InputFileError(f"cannot open {os.fspath(path)}: {exc.strerror or exc}") from None


def sniff_delimiter(sample: str, forced: str | None = None) -> str:
    """Pick the delimiter among ``, ; tab |`` that splits ``sample`` most consistently."""
    if forced:
        forced = {"\\t": "\t", "tab": "\t"}.get(forced, forced)
        if len(forced) != 1:
            raise InputFileError(f"a delimiter is one character, not {forced!r}")
        return forced
    lines = sample.splitlines()[:_SNIFF_LINES]
    best, best_score = ",", (0, 0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        # Prefer: most records as wide as the header, then the widest header.
        agreeing = sum(1 for width in widths if width == widths[0])
        score = (1, agreeing, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


class CsvSource:
    """An open contact CSV: its header, encoding, delimiter and chunked records.

    Use as a context manager; :meth:`chunks` streams the records once.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.encoding = detect_encoding(path, encoding)
        self.size = os.path.getsize(path)
        self._binary = _open_binary(path)
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        try:
            sample = self._text.read(64 * 1024)
        except UnicodeDecodeError as exc:
            self.close()
            raise InputFileError(f"cannot decode the file as {self.encoding}: {exc.reason}") from None
        if not sample.strip():
            self.close()
            raise InputFileError("the file is empty")
        if "\x00" in sample:
            self.close()
            raise InputFileError("this is not a text file (it contains NUL characters)")
        self.delimiter = sniff_delimiter(sample, delimiter)
        self._text.seek(0)
        self._reader = csv.reader(self._text, delimiter=self.delimiter, strict=False)
        self._line_base = 0  # physical lines before the current csv.reader's first line
        self._last_line = 0
        self.header, self.header_line = self._read_header()
        self.columns = _unique_names(self.header)
        self._position = 0

    def _read_header(self) -> tuple[list[str], int]:
        for start, row in self._records():
            if any(cell.strip() for cell in row):
                return row, start
        raise InputFileError("the file is empty")

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        reader, base = self._reader, self._line_base
        try:
            for row in reader:
                start = self._last_line + 1
                self._last_line = base + reader.line_num
                if row:
                    yield start, row
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"cannot decode line {self._last_line + 1} as {self.encoding}: {exc.reason}; pass --encoding"
            ) from None
        except csv.Error as exc:
            raise InputFileError(f"line {self._last_line + 1}: {exc}") from None

    def chunks(self, chunk_rows: int = 50_000) -> Iterator[Chunk]:
        """Yield :class:`Chunk` objects of at most ``chunk_rows`` records."""
        for piece in self.pieces(chunk_rows):
            yield from (read_block(piece, chunk_rows) if isinstance(piece, Block) else [piece])

    def pieces(self, chunk_rows: int = 50_000, block_bytes: int | None = None,
               tail_blocks: int = 1) -> Iterator[Block | Chunk]:
        """Yield the records as :class:`Block` s to parse anywhere, then :class:`Chunk` s.

        UTF-8 files are cut into blocks of about ``block_bytes`` (whole
        lines); a quote-free block is handed out as a :class:`Block` for
        :func:`read_block`, and from the first block that is not, the rest of
        the file goes through Python's csv module in chunks of ``chunk_rows``.
        Once fewer than ``tail_blocks`` full blocks are left, blocks shrink
        (to a ``tail_blocks``-th of the rest), so that parallel workers finish
        together instead of one of them working alone on a last big block.
        """
        if self.encoding in ("utf-8", "utf-8-sig"):
            yield from self._blocks(block_bytes or _BLOCK_BYTES, tail_blocks)
        yield from self._python_chunks(chunk_rows)

    def _blocks(self, block_bytes: int, tail_blocks: int) -> Iterator[Block]:
        offset = _offset_of_line(self.path, self._last_line + 1)
        if offset is None:
            return
        line = self._last_line + 1
        at_least = 1
        buffer = bytearray(0)
        while True:
            rest = self.size - offset
            size = block_bytes if rest >= tail_blocks * block_bytes else max(block_bytes // 4, rest // tail_blocks)
            size = max(size, at_least)
            # Each read starts where the last whole line ended, into one reused buffer: no bytes
            # are carried over, and no fresh block has to be faulted in.
            if len(buffer) < size:
                buffer = bytearray(size)
            self._binary.seek(offset)
            with memoryview(buffer) as view:
                read = self._binary.readinto(view[:size])
            if not read:
                self._last_line = line - 1
                self._switch_to_csv_module(offset, line)
                return
            at_end = offset + read >= self.size
            cut = read if at_end else buffer.rfind(b"\n", 0, read) + 1
            if cut == 0:  # one line longer than a block: read more at once
                at_least = 2 * size
                continue
            if needs_full_parser(buffer, cut):
                self._switch_to_csv_module(offset, line)
                return
            self._position = offset + cut
            yield Block(self.path, offset, cut, line, tuple(self.columns), self.delimiter)
            offset += cut
            line += count_newlines(buffer, cut)
            at_least = 1

    def _switch_to_csv_module(self, offset: int, line: int) -> None:
        """Continue with Python's csv module from byte ``offset``, which starts line ``line``."""
        self._text.detach()  # hand the binary file over without closing it
        self._binary.seek(offset)
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8", newline="")
        self._reader = csv.reader(self._text, delimiter=self.delimiter, strict=False)
        self._line_base = self._last_line = line - 1

    def _python_chunks(self, chunk_rows: int) -> Iterator[Chunk]:
        width = len(self.header)
        lines: list[int] = []
        rows: list[list[str]] = []
        malformed: list[tuple[int, list[str]]] = []
        for start, row in self._records():
            if len(row) == width:
                lines.append(start)
                rows.append(row)
            else:
                malformed.append((start, row))
            if len(rows) + len(malformed) >= chunk_rows:
                yield Chunk(self._frame(lines, rows), malformed)
                lines, rows, malformed = [], [], []
        if rows or malformed:
            yield Chunk(self._frame(lines, rows), malformed)

    def _frame(self, lines: list[int], rows: list[list[str]]) -> pd.DataFrame:
        index = pd.Index(lines, dtype="int64", name="line")
        if not rows:
            return pd.DataFrame({name: pd.Series([], dtype=object) for name in self.columns}, index=index)
        data = dict(zip(self.columns, zip(*rows)))
        return pd.DataFrame({name: pd.array(values, dtype=object) for name, values in data.items()}, index=index)

    def bytes_read(self) -> int:
        """Roughly how far into the file reading has got, for progress bars."""
        try:
            return min(max(self._binary.tell(), self._position), self.size)
        except (OSError, ValueError):
            return self.size

    def close(self) -> None:
        self._binary.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _split(frame: pd.DataFrame, malformed: list[tuple[int, list[str]]], rows: int,
           block: Block) -> Iterator[Chunk]:
    """Cut a block's records into chunks of at most ``rows`` records, in line order."""
    if len(frame) + len(malformed) <= rows:
        yield Chunk(frame, malformed, block)
        return
    lines = frame.index.to_numpy()
    bad_lines = [line for line, _ in malformed]
    every = sorted([*lines.tolist(), *bad_lines])
    for begin in range(0, len(every), rows):
        first, last = every[begin], every[min(begin + rows, len(every)) - 1]
        yield Chunk(frame[(lines >= first) & (lines <= last)],
                    [item for item in malformed if first <= item[0] <= last], block)


def _offset_of_line(path: str, line: int) -> int | None:
    """The byte offset where physical ``line`` starts, counting ``\\n`` (None for bare-CR files)."""
    offset, seen = 0, 1
    with open(path, "rb") as handle:
        while seen < line:
            block = handle.read(_BLOCK)
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


def _unique_names(header: list[str]) -> list[str]:
    """Column labels for the frame: the header, with repeats made distinct."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}.{count}")
    return names
