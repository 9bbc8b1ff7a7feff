"""What reading hands on: a :class:`Block` of the file to parse anywhere, and a :class:`Chunk` of records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .._strings import string_buffers

__all__ = ["Block", "Chunk", "blank_rows", "chunk_of_rows", "without_blank_rows"]


@dataclass(frozen=True)
class Block:
    """Whole, quote-free lines of a UTF-8 file: ``size`` bytes from ``offset``, starting at physical
    line ``first_line``, in records of ``width`` fields. Small to send to a worker, which parses it (:func:`.blocks.read_block`).
    ``damaged``: the file is UTF-8 with damaged lines, so the block may hold bytes that are not UTF-8."""

    path: str
    offset: int
    size: int
    first_line: int
    width: int
    delimiter: str
    damaged: bool = False

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass
class Chunk:
    """Well-formed records plus the malformed ones found beside them.

    ``columns`` holds one Arrow string array per header field, ``lines`` the
    physical line where each record starts (header = line 1), in increasing
    order. ``malformed`` lists ``(line, fields)`` of records whose field
    count differs from the header's. ``block`` is the :class:`Block` the
    records were parsed from, if any: its lines can be read again
    (:func:`.blocks.reread_fields`). ``blank`` counts the records of the
    header's width whose every field is empty (``,,,,`` at the end of
    spreadsheet exports): skipped, not rejected (:func:`blank_rows`).
    ``undecodable`` lists ``(line, fields, detail)`` of records of a damaged
    UTF-8 file whose bytes do not decode, their fields with those bytes
    written as ``\\xNN``.
    """

    lines: np.ndarray
    columns: list[pa.Array]
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)
    block: Block | None = None
    blank: int = 0
    undecodable: list[tuple[int, list[str], str]] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Every record of the chunk: well-formed, malformed, blank or undecodable."""
        return len(self.lines) + len(self.malformed) + self.blank + len(self.undecodable)


def blank_rows(columns: list[pa.Array]) -> np.ndarray:
    """A mask of the records whose every field is empty, from the columns' offsets (no string is read).

    The one rule both readers apply, so that they count the same rows blank.
    """
    if not columns:
        return np.zeros(0, dtype=bool)
    blank = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        offsets, _ = string_buffers(column)
        blank &= offsets[1:] == offsets[:-1]
    return blank


def chunk_of_rows(
    lines: list[int], rows: list[list[str]], malformed: list[tuple[int, list[str]]], width: int
) -> Chunk:
    """A :class:`Chunk` of rows read as Python lists of strings (each ``width`` long), starting at ``lines``."""
    columns = (
        [pa.array(values, type=pa.string()) for values in zip(*rows)]
        if rows
        else [pa.array([], type=pa.string()) for _ in range(width)]
    )
    return without_blank_rows(np.array(lines, dtype=np.int64), columns, malformed)


def without_blank_rows(
    lines: np.ndarray, columns: list[pa.Array], malformed: list[tuple[int, list[str]]] | None = None
) -> Chunk:
    """A :class:`Chunk` of these records with the blank ones (:func:`blank_rows`) taken out and counted."""
    blank = blank_rows(columns)
    if not blank.any():
        return Chunk(lines, columns, malformed or [])
    keep = pa.array(~blank)
    return Chunk(
        lines[~blank], [column.filter(keep) for column in columns], malformed or [], blank=int(blank.sum())
    )
