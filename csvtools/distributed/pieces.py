"""What the cluster's workers do to one file: outline it (header, pieces), then work each piece.

A CSV is cut by :class:`csvtools.io.source.CsvSource` exactly as on one
machine: quote-free blocks travel as offsets and are worked by their own task;
the rest of the file (from the first block with a quote, or all of a file that
is not UTF-8) is read by Python's csv module in the outline task itself, since
only a reader that started at the top knows where its records begin. A
Parquet file is worked a row group at a time, its rows numbered from 1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import knobs
from ..errors import CsvToolsError, InputFileError
from ..io.frame import float_column_text
from ..io.records import Block, Chunk, without_blank_rows
from ..io.source import CsvSource
from ..options import Options
from ..run.pipeline import column_layout
from ..run.pool import WorkPlan, work
from ..run.render import RenderedChunk
from .inputs import InputFile

__all__ = ["FileOutline", "PieceSpec", "about", "outline_file", "work_piece"]


@dataclass(frozen=True)
class PieceSpec:
    """One piece of a file, starting at ``first_line``: a quote-free ``block``, a Parquet
    ``row_group`` (of ``rows`` rows), or the ``tail`` the outline task read already."""

    first_line: int
    block: Block | None = None
    row_group: int | None = None
    rows: int = 0
    tail: bool = False


@dataclass(frozen=True)
class FileOutline:
    """What the client learns of one input: its header and phone column, how it reads, and its pieces."""

    item: InputFile
    header: list[str]
    phone_at: int
    encoding: str | None
    delimiter: str | None
    pieces: list[PieceSpec]


@contextlib.contextmanager
def about(path: str) -> Iterator[None]:
    """Name ``path`` in any csvtools error raised inside, as the one-line errors of one machine do."""
    try:
        yield
    except CsvToolsError as exc:
        raise type(exc)(f"{path}: {exc}") from None


def outline_file(
    item: InputFile, options: Options, tail_blocks: int = 1
) -> tuple[FileOutline, list[RenderedChunk]]:
    """Read ``item``'s header and cut it into pieces; the part of a CSV that only the csv module reads is
    worked here, and comes back as the second value (stay on the worker: the client takes only the outline).

    The last blocks of a CSV shrink so that ``tail_blocks`` workers finish together, as in the process pool.
    """
    with about(item.path):
        if item.kind == "parquet":
            return _outline_parquet(item, options), []
        return _outline_csv(item, options, tail_blocks)


def work_piece(spec: PieceSpec, item: InputFile, plan: WorkPlan) -> list[RenderedChunk]:
    """Parse, judge and render one block or row group (:func:`csvtools.run.pool.work`)."""
    with about(item.path):
        if spec.block is not None:
            return work(spec.block, plan)
        return work(_row_group_chunk(item, spec), plan)


def _outline_csv(
    item: InputFile, options: Options, tail_blocks: int
) -> tuple[FileOutline, list[RenderedChunk]]:
    with CsvSource(item.location, options.encoding, options.delimiter) as source:
        layout = column_layout(source.header, options)
        phone_at, plan = layout.phone_at, layout.plan(options, with_text=True)
        specs: list[PieceSpec] = []
        tail: list[RenderedChunk] = []
        for piece in source.pieces(knobs.CHUNK_ROWS, knobs.BLOCK_BYTES, tail_blocks=tail_blocks):
            if isinstance(piece, Block):
                specs.append(PieceSpec(piece.first_line, block=piece))
                continue
            if not tail:
                specs.append(PieceSpec(_first_line_of(piece), tail=True))
            tail.extend(work(piece, plan))
        return FileOutline(item, source.header, phone_at, source.encoding, source.delimiter, specs), tail


def _first_line_of(chunk: Chunk) -> int:
    return min([int(line) for line in chunk.lines[:1]] + [line for line, _ in chunk.malformed[:1]])


def _outline_parquet(item: InputFile, options: Options) -> FileOutline:
    metadata = _parquet_file(item).metadata
    header = list(metadata.schema.to_arrow_schema().names)
    specs, first = [], 1
    for group in range(metadata.num_row_groups):
        rows = metadata.row_group(group).num_rows
        if rows:
            specs.append(PieceSpec(first, row_group=group, rows=rows))
            first += rows
    return FileOutline(item, header, column_layout(header, options).phone_at, None, None, specs)


def _parquet_file(item: InputFile) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(item.location)
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(f"cannot read it as Parquet: {exc}") from None


def _row_group_chunk(item: InputFile, spec: PieceSpec) -> Chunk:
    """A row group as a chunk of text columns: values as Arrow casts them to strings, a null as an empty cell,
    floats as one machine writes a frame's (the digits of ``12025550123.0``, not ``1.2025550123e+10``)."""
    try:
        table = _parquet_file(item).read_row_group(spec.row_group)
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(f"cannot read row group {spec.row_group}: {exc}") from None
    if table.num_rows != spec.rows:
        raise InputFileError(f"the file changed while it was being read (row group {spec.row_group})")
    columns = []
    for name, column in zip(table.column_names, table.columns):
        try:
            values = column.combine_chunks()
            text = (
                float_column_text(values) if pa.types.is_floating(values.type) else values.cast(pa.string())
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise InputFileError(
                f"column {name!r} holds {column.type}, which cannot be read as text"
            ) from None
        columns.append(text.fill_null("") if text.null_count else text)
    return without_blank_rows(
        np.arange(spec.first_line, spec.first_line + spec.rows, dtype=np.int64), columns
    )
