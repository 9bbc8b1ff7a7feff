"""What reading hands on: a :class:`Block` of the file to parse anywhere, and a :class:`Chunk` of records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

__all__ = ["Block", "Chunk", "chunk_of_rows"]


@dataclass(frozen=True)
class Block:
    """Whole, quote-free lines of a UTF-8 file: ``size`` bytes from ``offset``, starting at physical
    line ``first_line``, in records of ``width`` fields. Small to send to a worker, which parses it (:func:`.blocks.read_block`)."""

    path: str
    offset: int
    size: int
    first_line: int
    width: int
    delimiter: str

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
    (:func:`.blocks.reread_fields`).
    """

    lines: np.ndarray
    columns: list[pa.Array]
    malformed: list[tuple[int, list[str]]] = field(default_factory=list)
    block: Block | None = None

    @property
    def records(self) -> int:
        """Every record of the chunk, well-formed or not."""
        return len(self.lines) + len(self.malformed)


def chunk_of_rows(lines: list[int], rows: list[list[str]], malformed: list[tuple[int, list[str]]],
                  width: int) -> Chunk:
    """A :class:`Chunk` of rows read as Python lists of strings (each ``width`` long), starting at ``lines``."""
    columns = [pa.array(values, type=pa.string()) for values in zip(*rows)] if rows else \
        [pa.array([], type=pa.string()) for _ in range(width)]
    return Chunk(np.array(lines, dtype=np.int64), columns, malformed)
