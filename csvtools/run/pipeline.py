"""A whole file through the stages: read → judge → settle → write.

The main process opens the file (:class:`csvtools.io.source.CsvSource`) and
cuts it into pieces; each piece is parsed, judged and rendered inline or in a
worker process (:mod:`.pool`); the main process then settles the pieces in
file order (:mod:`.settle`): duplicates (:mod:`.dedupe`), counts, and
appending to the output files (:mod:`csvtools.io.outputs`), which appear
together only when the whole run succeeded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from .. import knobs
from ..columns import OUTPUT_COLUMN, check_header, find_phone_column
from ..errors import ColumnError
from ..io.guard import check_output_paths
from ..io.naming import rejects_path_for
from ..io.outputs import Outputs
from ..io.source import CsvSource
from ..options import Options
from ..report import Report
from .dedupe import FirstLines
from .pool import WorkPlan, worked_pieces
from .settle import Settler

__all__ = ["auto_workers", "clean_file", "validate_file"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``on_progress(bytes_read, total_bytes)`` after each piece."""


def validate_file(path: str | os.PathLike, *, options: Options | None = None,
                  on_progress: ProgressCallback | None = None, name: str | None = None,
                  **settings: object) -> Report:
    """Judge every row of ``path`` as :func:`clean_file` would, writing nothing.

    ``options`` is an :class:`~csvtools.Options`; keyword ``settings``
    (``region="IN"``, ``workers=0`` …) change single fields of it. ``name``
    is what the report calls the file (default: ``path``), e.g. ``-`` for
    standard input spooled to a temporary file.
    """
    path = os.fspath(path)
    return _run(path, Options.of(options, **settings), _Targets(), on_progress, name or path)


def clean_file(path: str | os.PathLike, out: str | os.PathLike, rejects: str | os.PathLike | None = None, *,
               options: Options | None = None, on_progress: ProgressCallback | None = None,
               report_path: str | os.PathLike | None = None, name: str | None = None,
               **settings: object) -> Report:
    """Write the kept rows of ``path`` to ``out`` and the rest to ``rejects``.

    ``rejects`` defaults to :func:`~csvtools.io.naming.rejects_path_for` ``(out)``;
    ``report_path``, if given, gets the report as JSON (:meth:`Report.to_json`).
    All of them appear only if the whole run succeeds. Before anything is
    read, :class:`~csvtools.errors.OutputFileError` refuses outputs that are
    the input or one another, or that exist and are not regular files.
    Returns the :class:`Report`; ``options``, ``settings`` and ``name`` are as
    for :func:`validate_file`.
    """
    path = os.fspath(path)
    rejects = rejects if rejects is not None else rejects_path_for(out)
    targets = _Targets(os.fspath(out), os.fspath(rejects), None if report_path is None else os.fspath(report_path))
    check_output_paths(path, [("clean", targets.clean), ("rejects", targets.rejects), ("report", targets.report)])
    return _run(path, Options.of(options, **settings), targets, on_progress, name or path)


@dataclass(frozen=True)
class _Targets:
    """Where a run writes: nothing for a validation."""

    clean: str | None = None
    rejects: str | None = None
    report: str | None = None


def auto_workers(path: str | os.PathLike) -> int:
    """One worker process per core for large files; inline for small ones (a pool costs ~0.5 s to start)."""
    try:
        large = os.path.getsize(path) >= knobs.PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return max(1, min(os.cpu_count() or 1, knobs.MAX_AUTO_WORKERS)) if large else 1


def _run(path: str, options: Options, targets: _Targets, on_progress: ProgressCallback | None,
         label: str) -> Report:
    clean_path, rejects_path = targets.clean, targets.rejects
    workers = options.workers or auto_workers(path)
    with CsvSource(path, options.encoding, options.delimiter) as source:
        check_header(source.header)
        phone_at = find_phone_column(source.header, options.column)
        other_header = [name for at, name in enumerate(source.header) if at != phone_at]
        if OUTPUT_COLUMN in other_header:
            raise ColumnError(
                f"the file has a {OUTPUT_COLUMN!r} column besides {source.header[phone_at]!r}; rename or drop one"
            )
        report = Report(file=label, column=source.header[phone_at], encoding=source.encoding,
                        delimiter=source.delimiter, region=options.region, level=options.level,
                        clean_path=clean_path, rejects_path=rejects_path)
        plan = WorkPlan(phone_at, options.region, options.level, with_text=clean_path is not None)
        outputs = Outputs(clean_path, rejects_path, [OUTPUT_COLUMN, *other_header], source.header,
                          targets.report) if clean_path is not None else None
        try:
            with FirstLines() as index:
                settler = Settler(report, outputs, None if options.keep_duplicates else index, phone_at,
                                  options.max_rejections)
                for rendered, position in worked_pieces(source, plan, workers):
                    for chunk in rendered:
                        settler.settle(chunk)
                    if on_progress:
                        on_progress(position, source.size)
            source.check_unchanged()
            report.finish()
            if outputs is not None:
                outputs.commit(report.to_json() if targets.report is not None else None)
        except BaseException:
            if outputs is not None:
                outputs.discard()
            raise
    return report
