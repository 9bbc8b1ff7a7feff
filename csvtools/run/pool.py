"""The pieces of a file worked (parsed, judged, rendered) inline or in worker processes, in file order."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from typing import TYPE_CHECKING, cast

import pyarrow as pa

from .. import knobs, process
from ..io.blocks import read_block
from ..io.records import Block, Chunk
from ..io.source import CsvSource
from ..numbers.chunk import judge_column
from ..numbers.types import restrict_types
from .fallback import first_filled
from .render import RenderedChunk, render_chunk
from .shipping import receive, ship

if TYPE_CHECKING:
    from ..io.frame import FrameSource
    from ..io.workbook import WorkbookSource

    Source = CsvSource | WorkbookSource | FrameSource

__all__ = ["WorkPlan", "auto_workers", "work", "worked_pieces"]


@dataclass(frozen=True)
class WorkPlan:
    """What a worker needs to judge and render a piece of the file.

    ``phone_columns`` lists the phone columns in order when there are
    several (each row takes its first non-empty one), with their names;
    ``region_at`` is the country column's position, if any.
    """

    phone_at: int
    region: str | None
    level: str
    with_text: bool
    types: tuple[str, ...] | None = None  # None: keep every type
    phone_columns: tuple[tuple[int, str], ...] = ()
    region_at: int | None = None
    strict_region: bool = False


def work(piece: Block | Chunk, plan: WorkPlan) -> list[RenderedChunk]:
    """Parse (for a block), judge and render one piece of the file; runs in a worker."""
    chunks = read_block(piece, knobs.CHUNK_ROWS) if isinstance(piece, Block) else [piece]
    rendered = [_work_chunk(chunk, plan) for chunk in chunks]
    del chunks
    process.after_piece()
    return rendered


def _work_chunk(chunk: Chunk, plan: WorkPlan) -> RenderedChunk:
    values, sources = chunk.columns[plan.phone_at], None
    if plan.phone_columns:
        values, source_at = first_filled([chunk.columns[at] for at, _ in plan.phone_columns])
        sources = pa.array([name for _, name in plan.phone_columns], type=pa.string()).take(
            pa.array(source_at)
        )
    countries = None if plan.region_at is None else chunk.columns[plan.region_at]
    verdicts = judge_column(values, plan.region, plan.level, countries, plan.strict_region)
    if plan.types is not None:
        verdicts = restrict_types(verdicts, plan.types)
    return render_chunk(chunk, verdicts, plan.phone_at, plan.with_text, values=values, sources=sources)


def worked_pieces(source: Source, plan: WorkPlan, workers: int) -> Iterator[tuple[list[RenderedChunk], int]]:
    """Each piece of the file worked, with the byte position it reaches, in file order."""
    if workers == 1:
        for piece in source.pieces(knobs.CHUNK_ROWS, knobs.BLOCK_BYTES):
            yield work(piece, plan), _end_of(piece, source)
    else:
        yield from _worked_in_pool(source, plan, workers)


def work_and_ship(piece: Block | Chunk, plan: WorkPlan, directory: str | None) -> object:
    """:func:`work`, its result left in a file of ``directory`` for the main process (:mod:`.shipping`)."""
    return ship(work(piece, plan), directory)


def _worked_in_pool(
    source: Source, plan: WorkPlan, workers: int
) -> Iterator[tuple[list[RenderedChunk], int]]:
    # fork where there is one: no re-import of the caller's __main__, and quick to start.
    # (pyarrow re-creates its thread pools in a forked child.)
    context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
    directory = _pieces_directory()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=process.set_up_worker)
    try:
        pending: list = []
        # A bounded number of pieces in flight; a block travels as its offsets, not its bytes.
        # Blocks of a fixed size keep memory flat however long the file; smaller ones at the end
        # let the workers finish together.
        for piece in source.pieces(knobs.CHUNK_ROWS, knobs.BLOCK_BYTES, tail_blocks=workers):
            pending.append((pool.submit(work_and_ship, piece, plan, directory), _end_of(piece, source)))
            if len(pending) > workers:
                future, position = pending.pop(0)
                yield cast(list[RenderedChunk], receive(future.result())), position
        # Everything is submitted: workers may exit as they finish, while the last pieces settle.
        pool.shutdown(wait=False)
        for future, position in pending:
            yield cast(list[RenderedChunk], receive(future.result())), position
    finally:
        # On a failure or an interruption (Ctrl-C, SIGTERM), the pieces not started yet are dropped.
        pool.shutdown(wait=True, cancel_futures=True)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def _pieces_directory() -> str | None:
    """A new temporary directory for the pieces in flight, or None (they then come by the pipe)."""
    try:
        return tempfile.mkdtemp(prefix="csvtools-pieces-")
    except OSError:
        return None


def auto_workers(path: str | os.PathLike) -> int:
    """One worker process per core for large files; inline for small ones (a pool costs ~0.5 s to start)."""
    try:
        large = os.path.getsize(path) >= knobs.PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return max(1, min(os.cpu_count() or 1, knobs.MAX_AUTO_WORKERS)) if large else 1


def _end_of(piece: Block | Chunk, source: Source) -> int:
    return piece.end if isinstance(piece, Block) else source.bytes_read()
