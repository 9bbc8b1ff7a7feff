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

from .. import knobs
from ..columns import OUTPUT_COLUMN, find_phone_column, find_region_column
from ..errors import ColumnError
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
                  on_progress: ProgressCallback | None = None, **settings: object) -> Report:
    """Judge every row of ``path`` as :func:`clean_file` would, writing nothing.

    ``options`` is an :class:`~csvtools.Options`; keyword ``settings``
    (``region="IN"``, ``workers=0`` …) change single fields of it.
    """
    return _run(os.fspath(path), Options.of(options, **settings), None, None, on_progress)


def clean_file(path: str | os.PathLike, out: str | os.PathLike, rejects: str | os.PathLike | None = None, *,
               options: Options | None = None, on_progress: ProgressCallback | None = None,
               **settings: object) -> Report:
    """Write the kept rows of ``path`` to ``out`` and the rest to ``rejects``.

    ``rejects`` defaults to :func:`~csvtools.io.naming.rejects_path_for` ``(out)``.
    Both files appear only if the whole run succeeds. Returns the
    :class:`Report`; ``options`` and ``settings`` are as for :func:`validate_file`.
    """
    rejects = rejects if rejects is not None else rejects_path_for(out)
    return _run(os.fspath(path), Options.of(options, **settings), os.fspath(out), os.fspath(rejects), on_progress)


def auto_workers(path: str | os.PathLike) -> int:
    """One worker process per core for large files; inline for small ones (a pool costs ~0.5 s to start)."""
    try:
        large = os.path.getsize(path) >= knobs.PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return max(1, min(os.cpu_count() or 1, knobs.MAX_AUTO_WORKERS)) if large else 1


def _run(path: str, options: Options, clean_path: str | None, rejects_path: str | None,
         on_progress: ProgressCallback | None) -> Report:
    workers = options.workers or auto_workers(path)
    with CsvSource(path, options.encoding, options.delimiter) as source:
        phone_ats = [find_phone_column(source.header, name) for name in options.phone_columns] \
            or [find_phone_column(source.header)]
        phone_at = phone_ats[0]
        region_at = find_region_column(source.header, options.region_column, options.detect_region_column,
                                       phone_ats)
        other_header = [name for at, name in enumerate(source.header) if at != phone_at]
        if OUTPUT_COLUMN in other_header:
            raise ColumnError(
                f"the file has a {OUTPUT_COLUMN!r} column besides {source.header[phone_at]!r}; rename or drop one"
            )
        report = Report(file=path, column=source.header[phone_at], encoding=source.encoding,
                        delimiter=source.delimiter, region=options.region, level=options.level,
                        clean_path=clean_path, rejects_path=rejects_path,
                        region_column=None if region_at is None else source.header[region_at],
                        region_column_detected=region_at is not None and options.region_column is None,
                        strict_region=options.strict_region)
        fallbacks = tuple((at, source.header[at]) for at in phone_ats) if len(phone_ats) > 1 else ()
        plan = WorkPlan(phone_at, options.region, options.level, with_text=clean_path is not None,
                        phone_columns=fallbacks, region_at=region_at, strict_region=options.strict_region)
        outputs = Outputs(clean_path, rejects_path, [OUTPUT_COLUMN, *other_header], source.header) \
            if clean_path is not None else None
        try:
            with FirstLines() as index:
                settler = Settler(report, outputs, None if options.keep_duplicates else index, phone_at,
                                  options.max_rejections, tuple(at for at, _ in fallbacks))
                for rendered, position in worked_pieces(source, plan, workers):
                    for chunk in rendered:
                        settler.settle(chunk)
                    if on_progress:
                        on_progress(position, source.size)
        except BaseException:
            if outputs is not None:
                outputs.discard()
            raise
        if outputs is not None:
            outputs.commit()
    report.finish()
    return report
