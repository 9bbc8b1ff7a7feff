"""Run a whole file through the cleaning step: read, judge, de-duplicate, count, write.

The main process cuts the file into pieces (:meth:`csvtools.reading.CsvSource.pieces`);
``_work`` parses a piece, judges it with :func:`csvtools.chunk.clean_chunk` and renders
its output lines (:mod:`csvtools.render`), inline or in a worker process; the main
process then settles the pieces in file order (:mod:`csvtools.settle`): duplicates,
counts, and appending to the two output files.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context

from .chunk import clean_chunk
from .columns import OUTPUT_COLUMN, find_phone_column
from .dedupe import FirstLines
from .errors import ColumnError
from .phone import LEVELS
from .reading import Block, Chunk, CsvSource, read_block
from .render import RenderedChunk, render_chunk
from .report import Report
from .settle import Sink, settle

__all__ = ["auto_workers", "clean_file", "output_paths", "rejects_path_for", "validate_file"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``on_progress(bytes_read, total_bytes)`` after each chunk."""

DEFAULT_CHUNK_ROWS = 200_000


_PARALLEL_MIN_BYTES = 16 * 1024 * 1024
_BLOCK_BYTES = 6 << 20


def auto_workers(path: str | os.PathLike) -> int:
    """One worker process per core for large files; inline for small ones (a pool costs ~0.5 s to start)."""
    try:
        large = os.path.getsize(path) >= _PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return max(1, min(os.cpu_count() or 1, 4)) if large else 1


def rejects_path_for(clean_path: str | os.PathLike) -> str:
    """Where the rejects go when none is named: ``out.csv`` → ``out.rejects.csv``.

    A ``.clean`` before the extension gives way: ``x.clean.csv`` → ``x.rejects.csv``.
    """
    root, extension = os.path.splitext(os.fspath(clean_path))
    return f"{_without_clean(root)}.rejects{extension or '.csv'}"


def output_paths(source: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> tuple[str, str]:
    """The clean and rejects files for ``source`` (beside it, or in ``out_dir``): ``x.clean.csv``, ``x.rejects.csv``.

    The one naming rule of both commands. A source that is itself a clean
    file (``x.clean.csv``) gives ``x.clean.csv`` again, never ``x.clean.clean.csv``;
    callers must then choose another ``out_dir`` or name, since an output never
    replaces its input.
    """
    source = os.fspath(source)
    directory = os.fspath(out_dir) if out_dir is not None else os.path.dirname(source)
    stem = _without_clean(os.path.splitext(os.path.basename(source))[0])
    return os.path.join(directory, f"{stem}.clean.csv"), os.path.join(directory, f"{stem}.rejects.csv")


def _without_clean(root: str) -> str:
    return root[: -len(".clean")] if root.endswith(".clean") else root


def validate_file(
    path: str | os.PathLike,
    *,
    region: str | None = None,
    column: str | None = None,
    level: str = "valid",
    keep_duplicates: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int = 1,
    max_rejections: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Judge every row of ``path`` as :func:`clean_file` would, writing nothing.

    ``max_rejections`` caps the rejected lines kept in ``Report.rejections``
    (the counts always cover every row); None keeps them all.
    """
    settings = _Settings(region, column, level, keep_duplicates, encoding, delimiter, chunk_rows, workers,
                         max_rejections)
    return _run(os.fspath(path), settings, None, None, on_progress)


def clean_file(
    path: str | os.PathLike,
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    *,
    region: str | None = None,
    column: str | None = None,
    level: str = "valid",
    keep_duplicates: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int = 1,
    max_rejections: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Write the kept rows of ``path`` to ``out`` and the rest to ``rejects``.

    ``rejects`` defaults to :func:`rejects_path_for` ``(out)``. Both files
    appear only if the whole run succeeds. Returns the :class:`Report`;
    ``max_rejections`` is as for :func:`validate_file`.
    """
    settings = _Settings(region, column, level, keep_duplicates, encoding, delimiter, chunk_rows, workers,
                         max_rejections)
    rejects = rejects if rejects is not None else rejects_path_for(out)
    return _run(os.fspath(path), settings, os.fspath(out), os.fspath(rejects), on_progress)


@dataclass(frozen=True)
class _Settings:
    region: str | None
    column: str | None
    level: str
    keep_duplicates: bool
    encoding: str | None
    delimiter: str | None
    chunk_rows: int
    workers: int
    max_rejections: int | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.chunk_rows < 1 or self.workers < 0:
            raise ValueError("chunk_rows must be at least 1, and workers at least 0 (0: automatic)")


def _run(
    path: str,
    settings: _Settings,
    clean_path: str | None,
    rejects_path: str | None,
    on_progress: ProgressCallback | None,
) -> Report:
    workers = settings.workers or auto_workers(path)
    with CsvSource(path, settings.encoding, settings.delimiter) as source:
        phone_at = find_phone_column(source.header, settings.column)
        other_at = [i for i in range(len(source.header)) if i != phone_at]
        other_header = [source.header[i] for i in other_at]
        if OUTPUT_COLUMN in other_header:
            raise ColumnError(
                f"the file has a {OUTPUT_COLUMN!r} column besides {source.header[phone_at]!r}; rename or drop one"
            )
        report = Report(
            file=path,
            column=source.header[phone_at],
            encoding=source.encoding,
            delimiter=source.delimiter,
            region=settings.region.upper() if settings.region else None,
            level=settings.level,
            clean_path=clean_path,
            rejects_path=rejects_path,
        )
        plan = _Plan(source.columns[phone_at], tuple(source.columns[i] for i in other_at), settings.region,
                     settings.level, settings.chunk_rows, settings.max_rejections, clean_path is not None)
        sink = Sink(clean_path, rejects_path, [OUTPUT_COLUMN, *other_header], source.header)
        try:
            with FirstLines() as first_line_of:
                for rendered, position in _processed(source, plan, workers):
                    for chunk in rendered:
                        settle(chunk, settings.keep_duplicates, settings.max_rejections, first_line_of, report,
                               sink)
                    if on_progress:
                        on_progress(position, source.size)
        except BaseException:
            sink.discard()
            raise
        sink.commit()
    report._sort_counts()
    return report


@dataclass(frozen=True)
class _Plan:
    """What a worker needs to judge and render a piece of the file."""

    phone_label: str
    other_labels: tuple[str, ...]
    region: str | None
    level: str
    chunk_rows: int
    max_rejections: int | None
    with_text: bool


def _work(piece: Block | Chunk, plan: _Plan) -> list[RenderedChunk]:
    """Parse (for a block), judge and render one piece of the file; runs in a worker."""
    chunks = read_block(piece, plan.chunk_rows) if isinstance(piece, Block) else [piece]
    rendered = [
        render_chunk(chunk, clean_chunk(chunk.frame, plan.phone_label, plan.region, plan.level), plan.phone_label,
                     list(plan.other_labels), plan.max_rejections, plan.with_text)
        for chunk in chunks
    ]
    del chunks
    # pandas frames sit in reference cycles, so their Arrow buffers would wait for some later
    # collection and a long run's memory would creep up; with the older objects frozen
    # (_frozen_objects), collecting here takes about a millisecond.
    gc.collect()
    return rendered


@contextmanager
def _frozen_objects() -> Iterator[None]:
    """Keep the objects that exist now out of the collections ``_work`` runs, for the duration.

    If the process froze objects of its own already (the command line does), they stay frozen.
    """
    frozen_already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_already:
            gc.unfreeze()


def _processed(source: CsvSource, plan: _Plan, workers: int) -> Iterator[tuple[list[RenderedChunk], int]]:
    """Each piece of the file worked, with the byte position it reaches, in file order,
    inline or in a process pool."""
    # Freezing the objects of a long-lived process (pandas' modules and all) keeps the
    # collections that a run's allocations trigger short, in this process and in forked workers.
    with _frozen_objects():
        if workers == 1:
            for piece in source.pieces(plan.chunk_rows, _BLOCK_BYTES):
                yield _work(piece, plan), _end_of(piece, source)
        else:
            yield from _processed_in_pool(source, plan, workers)


def _processed_in_pool(source: CsvSource, plan: _Plan, workers: int) -> Iterator[tuple[list[RenderedChunk], int]]:
    # fork where there is one: no re-import of the caller's __main__, and quick to start.
    # (pyarrow re-creates its thread pools in a forked child.)
    context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=gc.freeze) as pool:
        pending: list = []
        # A bounded number of pieces in flight; a block travels as its offsets, not its bytes.
        # Blocks of a fixed size keep memory flat however long the file; smaller ones at the end
        # let the workers finish together.
        for piece in source.pieces(plan.chunk_rows, _BLOCK_BYTES, tail_blocks=workers):
            pending.append((pool.submit(_work, piece, plan), _end_of(piece, source)))
            if len(pending) > workers:
                future, position = pending.pop(0)
                yield future.result(), position
        # Everything is submitted: workers may exit as they finish, while the last pieces settle.
        pool.shutdown(wait=False)
        for future, position in pending:
            yield future.result(), position


def _end_of(piece: Block | Chunk, source: CsvSource) -> int:
    return piece.end if isinstance(piece, Block) else source.bytes_read()
