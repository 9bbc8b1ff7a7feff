"""Records read by Python's csv module: the reference reader, for every shape the block reader leaves.

Quoted fields (line breaks inside them too), encodings other than UTF-8 and
bare carriage returns all come through here, with the physical line where
each record starts.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from ..errors import InputFileError
from .encoding import DAMAGED_UTF8, open_binary
from .records import Chunk, blank_rows

__all__ = ["CsvRecords", "escaped", "has_undecodable", "records_chunk"]


class CsvRecords:
    """The records of ``path`` from byte ``offset`` on, which starts physical line ``first_line``."""

    def __init__(
        self,
        path: str | os.PathLike,
        encoding: str,
        delimiter: str,
        offset: int = 0,
        first_line: int = 1,
        errors: str = "strict",
    ) -> None:
        self.encoding = encoding
        self._damaged = errors == DAMAGED_UTF8
        self._binary = open_binary(path)
        self._binary.seek(offset)
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, errors=errors, newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter, strict=False)
        self._line_base = first_line - 1  # physical lines before the reader's first line
        self.last_line = first_line - 1  # the last physical line read so far

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line where the record starts, fields)`` of each non-blank record, in order."""
        reader, base = self._reader, self._line_base
        try:
            for row in reader:
                start = self.last_line + 1
                self.last_line = base + reader.line_num
                if row:
                    yield start, row
        except UnicodeError as exc:
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc
            raise InputFileError(
                f"cannot decode line {self.last_line + 1} as {self.encoding}: {reason}; pass --encoding"
            ) from None
        except csv.Error as exc:
            raise InputFileError(f"line {self.last_line + 1}: {exc}") from None

    def chunks(self, width: int, chunk_rows: int) -> Iterator[Chunk]:
        """The remaining records as :class:`Chunk` s of at most ``chunk_rows``; ``width`` is the header's."""
        records: list[tuple[int, list[str]]] = []
        for record in self.records():
            records.append(record)
            if len(records) >= chunk_rows:
                yield records_chunk(records, width, self._damaged)
                records = []
        if records:
            yield records_chunk(records, width, self._damaged)

    def tell(self) -> int:
        """How far into the file the reader has got, in bytes (roughly: the text layer reads ahead)."""
        return self._binary.tell()

    def close(self) -> None:
        self._binary.close()


def has_undecodable(row: list[str]) -> bool:
    """Whether fields read with ``surrogateescape`` hold bytes that were not UTF-8."""
    return any(_UNDECODABLE.search(cell) for cell in row)


def escaped(fields: list[str]) -> str:
    """Fields read with ``surrogateescape``, their undecodable bytes written as ``\\xNN``, for messages."""
    return ", ".join(f"'{_escape(cell)}'" for cell in fields)


def _escape(cell: str) -> str:
    return cell.encode("utf-8", DAMAGED_UTF8).decode("utf-8", "backslashreplace")


def _undecodable(line: int, row: list[str], width: int) -> tuple[int, list[str], str]:
    damaged = [cell for cell in row if _UNDECODABLE.search(cell)]
    detail = f"bytes that are not UTF-8 in {escaped(damaged)}"
    if len(row) != width:
        detail += f"; expected {width} fields, found {len(row)}"
    return line, [_escape(cell) for cell in row], detail


_UNDECODABLE = re.compile("[\udc80-\udcff]")


def records_chunk(records: list[tuple[int, list[str]]], width: int, damaged: bool = False) -> Chunk:
    """A :class:`Chunk` of ``(line, fields)`` records: well-formed, malformed, blank, and (``damaged``) undecodable."""
    undecodable: list[tuple[int, list[str], str]] = []
    # One search over the whole chunk first: damaged lines are rare, and a search per field is slow.
    if damaged and _UNDECODABLE.search("".join(itertools.chain.from_iterable(row for _, row in records))):
        undecodable = [_undecodable(start, row, width) for start, row in records if has_undecodable(row)]
        records = [(start, row) for start, row in records if not has_undecodable(row)]
    lines = [start for start, row in records if len(row) == width]
    rows = [row for _, row in records if len(row) == width]
    malformed = [(start, row) for start, row in records if len(row) != width]
    columns = (
        [pa.array(values, type=pa.string()) for values in zip(*rows)]
        if rows
        else [pa.array([], type=pa.string()) for _ in range(width)]
    )
    line_numbers = np.array(lines, dtype=np.int64)
    blank = blank_rows(columns)
    if not blank.any():
        return Chunk(line_numbers, columns, malformed, undecodable=undecodable)
    keep = pa.array(~blank)
    return Chunk(
        line_numbers[~blank],
        [column.filter(keep) for column in columns],
        malformed,
        blank=int(blank.sum()),
        undecodable=undecodable,
    )
