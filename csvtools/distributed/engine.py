"""Drive a distributed run from the client: outline the files, work the pieces, decide duplicates, write parts.

Only small things reach the client: each file's outline (header, block
offsets) and each part's counts. Rendered pieces stay on the workers until
their part is written; duplicates are decided on the cluster (:mod:`.duplicates`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from ..errors import CsvToolsError, InputFileError, OutputFileError
from ..options import Options
from ..report import Report
from ..run.pipeline import column_layout
from ..run.pool import WorkPlan
from .inputs import InputFile, check_out_dir, expand_inputs, order_of
from .parts import CLEAN, REJECTS, write_part
from .pieces import FileOutline, outline_file, work_piece

__all__ = ["REPORT_NAME", "ClusterError", "DaskMissingError", "clean_files"]

#: The report's name in the output folder.
REPORT_NAME = "report.json"
_INSTALL = "pip install 'contact-batch-tools[dask]'"


class DaskMissingError(CsvToolsError):
    """Dask or distributed is not installed."""


class ClusterError(CsvToolsError):
    """The cluster cannot be reached, or lost the run (a worker died, the scheduler went away)."""


def clean_files(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    client: object = None,
    *,
    options: Options | None = None,
    **settings: object,
) -> Report:
    """Clean CSV and Parquet files (paths or globs, in order) as one run on a Dask cluster.

    Writes ``out_dir/clean/part-*.csv``, ``out_dir/rejects/part-*.csv`` (the
    input file and its physical line before each rejected row) and
    ``out_dir/report.json``; they replace earlier ones only when the whole
    run succeeded. Every input needs the same header. A number is kept on its
    first occurrence in (input order, file, line) order, as one run over the
    files end to end would keep it.

    ``client`` is a ``distributed.Client``, a scheduler address, or None to
    start a ``LocalCluster`` of ``options.workers`` processes (0: one per core)
    for the run. ``options`` and ``settings`` are as for :func:`csvtools.clean_file`.
    The report's ``rejections`` list is empty (``rejections_omitted`` counts
    them): every rejected row is in the rejects parts. Suppression lists
    (``suppress``) must be readable at the same paths from every worker.
    """
    options = Options.of(options, **settings)
    patterns = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    inputs = expand_inputs(patterns)
    if not inputs:
        raise InputFileError("no input files")
    out_dir = os.fspath(out_dir)
    check_out_dir(out_dir, inputs, (CLEAN, REJECTS))
    _require_dask()
    from distributed import Client

    if client is not None and not isinstance(client, (str, Client)):
        raise TypeError(f"client must be a distributed.Client, a scheduler address or None, not {client!r}")
    try:
        with _connected(client, options.workers) as connected:
            return _run(connected, inputs, out_dir, options)
    except CsvToolsError:
        raise
    except _cluster_failures() as exc:
        where = f" at {client}" if isinstance(client, str) else ""
        raise ClusterError(f"the Dask cluster{where} failed the run: {type(exc).__name__}: {exc}") from None


def _cluster_failures() -> tuple[type[BaseException], ...]:
    """What the cluster raises when it, not the data, fails: no scheduler, a lost worker, a lost connection."""
    from distributed import KilledWorker
    from distributed.client import CancelledError
    from distributed.comm.core import CommClosedError

    return (OSError, TimeoutError, KilledWorker, CommClosedError, CancelledError)


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise DaskMissingError(f"the Dask engine needs dask and distributed: {_INSTALL}") from None


#: A cluster of our own has no dashboard, so nothing reads what these gather: each worker's profiler
#: walked the busy thread's stack every 10 ms, and every process woke 50 times a second to time its
#: event loop and twice a second to read its system's counters (about 0.5 CPU-s of a 4M-row run).
_OWN_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


@contextlib.contextmanager
def _connected(client: object, workers: int) -> Iterator[object]:
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        yield client
        return
    if isinstance(client, str):
        with Client(client) as connected:
            yield connected
        return
    # A cluster of our own, for this run only: its workers are processes of ours, set up as the pool's are.
    import dask

    with (
        dask.config.set(_OWN_CLUSTER_CONFIG),
        _forked_workers(),
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler serves its health and metrics routes even without a dashboard, by
            # default on port 8787 (taken by any other Dask on the machine): a free one instead.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        Client(cluster) as connected,
    ):
        from .. import process

        connected.run(process.set_up_worker)
        yield connected


@contextlib.contextmanager
def _forked_workers() -> Iterator[None]:
    """Our own cluster's workers forked from this process, with the run's modules already loaded.

    Dask spawns them by default: each fresh interpreter imported distributed,
    then csvtools, pyarrow and phonenumbers on its first task, 2-3 s of a
    one-machine run. Where fork is missing (Windows, macOS's default), spawn stays.
    """
    import multiprocessing

    import dask

    if "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    from . import duplicates, parts, pieces  # noqa: F401  (what a worker runs, inherited)

    with dask.config.set({"distributed.worker.multiprocessing-method": "fork"}):
        yield


def _run(client, inputs: list[InputFile], out_dir: str, options: Options) -> Report:
    # A few files' last blocks shrink so that the workers finish together; many files keep them busy anyway.
    states = [
        _file_state(item) for item in inputs
    ]  # a file that changes during the run is refused at the end
    threads = sum(client.nthreads().values())
    tail_blocks = max(threads, 1) if len(inputs) < threads else 1
    outlined = client.map(
        functools.partial(outline_file, options=options, tail_blocks=tail_blocks), inputs, pure=False
    )
    outlines: list[FileOutline] = client.gather(client.map(operator.itemgetter(0), outlined, pure=False))
    first = outlines[0]
    for outline in outlines[1:]:
        if outline.header != first.header:
            raise InputFileError(
                f"{outline.item.path}: its header ({_shown(outline.header)}) is not "
                f"{first.item.path}'s ({_shown(first.header)}); one run needs one header"
            )
    pieces, bounds = _worked_pieces(
        client, outlines, outlined, column_layout(first.header, options).plan(options, with_text=True)
    )
    del outlined

    repeats: list = [None] * len(pieces)
    if not options.keep_duplicates:
        from .duplicates import repeats_by_piece

        repeats = repeats_by_piece(client, pieces, bounds, threads)

    staging = _staging(out_dir)
    try:
        paths = [item.path for item in inputs]
        named = client.scatter([paths], broadcast=True)[0]  # once to each worker, not once a part
        checked_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        written = [
            client.submit(
                write_part,
                number,
                item,
                rendered,
                repeat,
                staging,
                first.header,
                first.phone_at,
                named,
                options,
                pure=False,
            )
            for number, ((item, rendered), repeat) in enumerate(zip(pieces, repeats))
        ]
        report = _summed(client.gather(written), outlines, inputs, out_dir, options, checked_at)
        for item, state in zip(inputs, states):
            if _file_state(item) != state:
                raise InputFileError(
                    f"{item.path}: the file changed while it was being read; run again once it is complete"
                )
        _commit(
            staging, out_dir, json.dumps({**report.to_dict(), "files": paths}, indent=2, ensure_ascii=False)
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _worked_pieces(
    client, outlines: list[FileOutline], outlined: list, plan: WorkPlan
) -> tuple[list, list[int]]:
    """Every piece worked (futures of rendered chunks, with their input) in (input, line) order, and the
    pieces' first orders, then one past the last: the divisions the duplicates go back to the parts by."""
    pieces, bounds = [], []
    for outline, future in zip(outlines, outlined):
        for spec in outline.pieces:
            rendered = (
                client.submit(operator.itemgetter(1), future, pure=False)
                if spec.tail
                else client.submit(work_piece, spec, outline.item, plan, pure=False)
            )
            pieces.append((outline.item, rendered))
            bounds.append(order_of(outline.item.index, spec.first_line))
    first = outlines[0].item
    if not pieces:  # header-only files: one empty part
        pieces.append((first, client.submit(list, pure=False)))
        bounds.append(order_of(first.index, 0))
    bounds.append(order_of(outlines[-1].item.index + 1, 0))
    return pieces, bounds


def _summed(
    parts: list[Report],
    outlines: list[FileOutline],
    inputs: list[InputFile],
    out_dir: str,
    options: Options,
    checked_at: str,
) -> Report:
    first = outlines[0]
    report = Report(
        file=inputs[0].path if len(inputs) == 1 else f"{len(inputs)} files",
        column=first.header[first.phone_at],
        encoding=_joined(o.encoding for o in outlines),
        delimiter=_joined(o.delimiter for o in outlines),
        region=options.region,
        level=options.level,
        clean_path=os.path.join(out_dir, CLEAN),
        rejects_path=os.path.join(out_dir, REJECTS),
    )
    layout = column_layout(first.header, options)
    report.region_column = layout.region_column
    report.region_column_detected = layout.region_column is not None and options.region_column is None
    report.strict_region = options.strict_region
    for part in parts:
        report.add_counts(
            rows=part.rows,
            clean=part.clean,
            rejected=part.rejected,
            blank=part.blank,
            by_reason=part.by_reason,
            by_country=part.by_country,
            by_reading=part.by_reading,
            by_type=part.by_type,
            by_column=part.by_column,
        )
        report.region_mismatches += part.region_mismatches
        report.mismatches_omitted += part.mismatches_omitted
        report.rejections_omitted += part.rejections_omitted
    report.types = list(options.types)
    report.suppression = _scrub_record(parts, checked_at)
    report.finish()
    return report


def _file_state(item: InputFile) -> tuple[int, int]:
    """(size, modification time) of an input as the client sees it, as one machine's run compares them."""
    try:
        found = os.stat(item.location)
    except OSError as exc:
        raise InputFileError(f"{item.path}: {exc.strerror or exc}") from None
    return found.st_size, found.st_mtime_ns


def _scrub_record(parts: list[Report], checked_at: str) -> list[dict]:
    """The suppression lists' record for the whole run: each list as every part read it, its removals summed."""
    if not parts or not parts[0].suppression:
        return []
    lists = [dict(each, checked_at=checked_at) for each in parts[0].suppression]
    for record in lists:
        record["removed"] = 0
    for part in parts:
        for record, counted in zip(lists, part.suppression):
            record["removed"] += counted["removed"]
    return lists


def _staging(out_dir: str) -> str:
    try:
        os.makedirs(out_dir, exist_ok=True)
        staging = tempfile.mkdtemp(dir=out_dir, prefix=".csvtools-")
        for folder in (CLEAN, REJECTS):
            os.mkdir(os.path.join(staging, folder))
    except OSError as exc:
        raise OutputFileError(f"{out_dir}: cannot write there: {exc.strerror or exc}") from None
    return staging


def _commit(staging: str, out_dir: str, report: str) -> None:
    """Write the report, then move the new parts and report over the old ones (which go into the
    staging folder, to be deleted)."""
    try:
        with open(os.path.join(staging, REPORT_NAME), "w", encoding="utf-8") as handle:
            handle.write(report + "\n")
        for name in (CLEAN, REJECTS, REPORT_NAME):
            target = os.path.join(out_dir, name)
            if os.path.lexists(target):
                os.replace(target, os.path.join(staging, f"old-{name}"))
            os.replace(os.path.join(staging, name), target)
    except OSError as exc:
        raise OutputFileError(f"{out_dir}: cannot put the outputs in place: {exc.strerror or exc}") from None


def _joined(values: Iterable[str | None]) -> str | None:
    distinct = sorted({value for value in values if value is not None})
    return "+".join(distinct) if distinct else None


def _shown(header: list[str]) -> str:
    return ", ".join(repr(name) for name in header)
