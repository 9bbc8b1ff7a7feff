"""Records read by Python's csv module: the reference reader, for every shape the block reader leaves.

Quoted fields (line breaks inside them too), encodings other than UTF-8 and
bare carriage returns all come through here, with the physical line where
each record starts.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from ..errors import InputFileError
from .encoding import open_binary
from .records import Chunk, blank_rows

__all__ = ["CsvRecords"]


class CsvRecords:
    """The records of ``path`` from byte ``offset`` on, which starts physical line ``first_line``."""

    def __init__(self, path: str | os.PathLike, encoding: str, delimiter: str, offset: int = 0,
                 first_line: int = 1) -> None:
        self.encoding = encoding
        self._binary = open_binary(path)
        self._binary.seek(offset)
        self._text = io.TextIOWrapper(self._binary, encoding=encoding, newline="")
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
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"cannot decode line {self.last_line + 1} as {self.encoding}: {exc.reason}; pass --encoding"
            ) from None
        except csv.Error as exc:
            raise InputFileError(f"line {self.last_line + 1}: {exc}") from None

    def chunks(self, width: int, chunk_rows: int) -> Iterator[Chunk]:
        """The remaining records as :class:`Chunk` s of at most ``chunk_rows``; ``width`` is the header's."""
        lines: list[int] = []
        rows: list[list[str]] = []
        malformed: list[tuple[int, list[str]]] = []
        for start, row in self.records():
            if len(row) == width:
                lines.append(start)
                rows.append(row)
            else:
                malformed.append((start, row))
            if len(rows) + len(malformed) >= chunk_rows:
                yield _chunk(lines, rows, malformed, width)
                lines, rows, malformed = [], [], []
        if rows or malformed:
            yield _chunk(lines, rows, malformed, width)

    def tell(self) -> int:
        """How far into the file the reader has got, in bytes (roughly: the text layer reads ahead)."""
        return self._binary.tell()

    def close(self) -> None:
        self._binary.close()


def _chunk(lines: list[int], rows: list[list[str]], malformed: list[tuple[int, list[str]]], width: int) -> Chunk:
    columns = [pa.array(values, type=pa.string()) for values in zip(*rows)] if rows else \
        [pa.array([], type=pa.string()) for _ in range(width)]
    line_numbers = np.array(lines, dtype=np.int64)
    blank = blank_rows(columns)
    if not blank.any():
        return Chunk(line_numbers, columns, malformed)
    keep = pa.array(~blank)
    return Chunk(line_numbers[~blank], [column.filter(keep) for column in columns], malformed,
                 blank=int(blank.sum()))
