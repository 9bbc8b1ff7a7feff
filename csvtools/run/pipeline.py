"""A whole file through the stages: read → judge → settle → write.

The main process opens the file (:class:`csvtools.io.source.CsvSource`) and
cuts it into pieces; each piece is parsed, judged and rendered inline or in a
worker process (:mod:`.pool`); the main process then settles the pieces in
file order (:mod:`.settle`): duplicates (:mod:`.dedupe`), counts, and
appending to the output files (:mod:`csvtools.io.outputs`), which appear
together only when the whole run succeeded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO, cast

from ..columns import OUTPUT_COLUMN, check_header, find_phone_column, find_region_column
from ..errors import ColumnError, InputFileError
from ..io.frame import FrameSource
from ..io.guard import check_output_paths
from ..io.naming import rejects_path_for
from ..io.outputs import Outputs
from ..io.source import CsvSource
from ..io.workbook import WorkbookSource, is_workbook
from ..options import Options
from ..report import Report
from .dedupe import FirstLines
from .pool import WorkPlan, auto_workers, worked_pieces
from .settle import Settler
from .suppress import SuppressionLists

__all__ = ["auto_workers", "clean_file", "validate_file"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``on_progress(bytes_read, total_bytes)`` after each piece."""

Input = str | os.PathLike | BinaryIO
"""A path, or a binary file object (``open(..., "rb")``, ``io.BytesIO``, an upload's stream)."""

_STREAM_NAME = "<stream>"


def validate_file(
    path: Input,
    *,
    options: Options | None = None,
    on_progress: ProgressCallback | None = None,
    name: str | None = None,
    **settings: object,
) -> Report:
    """Judge every row of ``path`` as :func:`clean_file` would, writing nothing.

    ``path`` is a path or a binary file object, read from where it stands
    (copied to a temporary file first). ``options`` is an
    :class:`~csvtools.Options`; keyword ``settings`` (``region="IN"``,
    ``workers=0`` …) change single fields of it. ``name`` is what the report
    calls the file (default: the path, or the file object's name), e.g. ``-``
    for standard input spooled to a temporary file.
    """
    options = Options.of(options, **settings)
    with _local_file(path) as (local, given_name):
        return _run(_open_source(local, options), name or given_name, options, _Targets(), on_progress)


def clean_file(
    path: Input,
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    *,
    options: Options | None = None,
    on_progress: ProgressCallback | None = None,
    report_path: str | os.PathLike | None = None,
    name: str | None = None,
    **settings: object,
) -> Report:
    """Write the kept rows of ``path`` to ``out`` and the rest to ``rejects``.

    ``rejects`` defaults to :func:`~csvtools.io.naming.rejects_path_for` ``(out)``;
    ``report_path``, if given, gets the report as JSON (:meth:`Report.to_json`).
    All of them appear only if the whole run succeeds. Before anything is
    read, :class:`~csvtools.errors.OutputFileError` refuses outputs that are
    the input or one another, or that exist and are not regular files.
    Returns the :class:`Report`; ``path``, ``options``, ``settings`` and
    ``name`` are as for :func:`validate_file`.
    """
    rejects = rejects if rejects is not None else rejects_path_for(out)
    targets = _Targets(
        os.fspath(out), os.fspath(rejects), None if report_path is None else os.fspath(report_path)
    )
    options = Options.of(options, **settings)
    with _local_file(path) as (local, given_name):
        if not hasattr(path, "read"):
            check_output_paths(
                local, [("clean", targets.clean), ("rejects", targets.rejects), ("report", targets.report)]
            )
        return _run(_open_source(local, options), name or given_name, options, targets, on_progress)


@dataclass(frozen=True)
class _Targets:
    """Where a run writes: nothing for a validation."""

    clean: str | None = None
    rejects: str | None = None
    report: str | None = None


def run_source(
    source: CsvSource | WorkbookSource | FrameSource,
    options: Options,
    clean_path: str | None,
    rejects_path: str | None,
) -> Report:
    """Run an opened source through the stages (as :func:`clean_file` does when ``clean_path`` is given)."""
    if clean_path is not None and rejects_path is None:
        rejects_path = rejects_path_for(clean_path)
    return _run(source, source.path, options, _Targets(clean_path, rejects_path), None)


def _run(
    source: CsvSource | WorkbookSource | FrameSource,
    name: str,
    options: Options,
    targets: _Targets,
    on_progress: ProgressCallback | None,
) -> Report:
    clean_path, rejects_path = targets.clean, targets.rejects
    workers = options.workers or (1 if isinstance(source, FrameSource) else auto_workers(source.path))
    with source:
        layout = column_layout(source.header, options)
        phone_at = layout.phone_at
        other_header = [name for at, name in enumerate(source.header) if at != phone_at]
        report = Report(
            file=name,
            column=source.header[phone_at],
            encoding=source.encoding,
            delimiter=source.delimiter,
            region=options.region,
            level=options.level,
            clean_path=clean_path,
            rejects_path=rejects_path,
            types=list(options.types),
            sheet=source.sheet,
            region_column=layout.region_column,
            region_column_detected=layout.region_column is not None and options.region_column is None,
            strict_region=options.strict_region,
        )
        plan = layout.plan(options, with_text=clean_path is not None)
        outputs = (
            Outputs(
                clean_path,
                cast(str, rejects_path),  # set whenever clean_path is: by clean_file and run_source
                [OUTPUT_COLUMN, *other_header],
                source.header,
                targets.report,
            )
            if clean_path is not None
            else None
        )
        try:
            checked_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            with FirstLines() as index, SuppressionLists.load(options.suppress, options) as lists:
                settler = Settler(
                    report,
                    outputs,
                    None if options.keep_duplicates else index,
                    phone_at,
                    options.max_rejections,
                    lists=lists,
                    phone_columns=tuple(at for at, _ in layout.fallbacks),
                )
                for rendered, position in worked_pieces(source, plan, workers):
                    for chunk in rendered:
                        settler.settle(chunk)
                    if on_progress:
                        on_progress(position, source.size)
                report.suppression = lists.records(checked_at)
            source.check_unchanged()
            report.finish()
            if outputs is not None:
                outputs.commit(report.to_json() if targets.report is not None else None)
        except BaseException:
            if outputs is not None:
                outputs.discard()
            raise
    return report


@dataclass(frozen=True)
class ColumnLayout:
    """Which columns of a header hold what: the phone column (and its fallbacks), the country column."""

    phone_at: int
    fallbacks: tuple[tuple[int, str], ...]  # (position, name) of every listed phone column, when several
    region_at: int | None
    region_column: str | None

    def plan(self, options: Options, with_text: bool) -> WorkPlan:
        """What a worker needs to judge and render a piece under ``options``."""
        return WorkPlan(
            self.phone_at,
            options.region,
            options.level,
            with_text=with_text,
            types=options.types,
            phone_columns=self.fallbacks,
            region_at=self.region_at,
            strict_region=options.strict_region,
        )


def column_layout(header: list[str], options: Options) -> ColumnLayout:
    """Check ``header`` and find its columns as ``options`` ask; :class:`ColumnError` when it cannot be done."""
    check_header(header)
    phone_ats = [find_phone_column(header, name) for name in options.phone_columns] or [
        find_phone_column(header)
    ]
    phone_at = phone_ats[0]
    region_at = find_region_column(header, options.region_column, options.detect_region_column, phone_ats)
    if OUTPUT_COLUMN in [name for at, name in enumerate(header) if at != phone_at]:
        raise ColumnError(
            f"the file has a {OUTPUT_COLUMN!r} column besides {header[phone_at]!r}; rename or drop one"
        )
    fallbacks = tuple((at, header[at]) for at in phone_ats) if len(phone_ats) > 1 else ()
    return ColumnLayout(phone_at, fallbacks, region_at, None if region_at is None else header[region_at])


def _open_source(path: str, options: Options) -> CsvSource | WorkbookSource:
    """A workbook's sheet (by name or first bytes) or a CSV file, each giving the same records."""
    if is_workbook(path):
        return WorkbookSource(path, options.sheet)
    return CsvSource(path, options.encoding, options.delimiter)


@contextlib.contextmanager
def _local_file(given: Input) -> Iterator[tuple[str, str]]:
    """``(a path to read, the name to report)``: a file object is copied to a temporary file first."""
    if not hasattr(given, "read"):
        yield os.fspath(given), os.fspath(given)
        return
    stream = cast(BinaryIO, given)  # it has a read method
    name = getattr(stream, "name", None)
    name = name if isinstance(name, str) else _STREAM_NAME
    # The suffix keeps a workbook's extension; its first bytes would tell as well.
    handle = tempfile.NamedTemporaryFile(prefix="csvtools-", suffix=os.path.splitext(name)[1], delete=False)
    try:
        with handle:
            try:
                first = stream.read(0)
                if not isinstance(first, bytes):
                    raise TypeError("pass a binary file object (opened with 'rb'), not a text one")
                shutil.copyfileobj(stream, handle, 1 << 20)
            except OSError as exc:
                raise InputFileError(
                    f"cannot copy the stream to a temporary file: {exc.strerror or exc}"
                ) from None
        yield handle.name, name
    finally:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
