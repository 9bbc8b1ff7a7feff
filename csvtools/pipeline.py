"""Run a whole file through the cleaning step: read, judge, de-duplicate, count, write."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from .chunk import clean_chunk
from .columns import OUTPUT_COLUMN, find_phone_column
from .errors import ColumnError
from .phone import LEVELS
from .reading import Chunk, CsvSource
from .report import Rejection, Report
from .writing import AtomicCsvWriter, neutralize_formula

__all__ = ["clean_file", "rejects_path_for", "validate_file"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``on_progress(bytes_read, total_bytes)`` after each chunk."""

DEFAULT_CHUNK_ROWS = 50_000


def rejects_path_for(clean_path: str | os.PathLike) -> str:
    """Where the rejects go when none is named: ``out.csv`` → ``out.rejects.csv``."""
    root, extension = os.path.splitext(os.fspath(clean_path))
    return f"{root}.rejects{extension or '.csv'}"


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
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Judge every row of ``path`` as :func:`clean_file` would, writing nothing."""
    settings = _Settings(region, column, level, keep_duplicates, encoding, delimiter, chunk_rows, workers)
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
    on_progress: ProgressCallback | None = None,
) -> Report:
    """Write the kept rows of ``path`` to ``out`` and the rest to ``rejects``.

    ``rejects`` defaults to :func:`rejects_path_for` ``(out)``. Both files
    appear only if the whole run succeeds. Returns the :class:`Report`.
    """
    settings = _Settings(region, column, level, keep_duplicates, encoding, delimiter, chunk_rows, workers)
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

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.chunk_rows < 1 or self.workers < 1:
            raise ValueError("chunk_rows and workers must be at least 1")


def _run(
    path: str,
    settings: _Settings,
    clean_path: str | None,
    rejects_path: str | None,
    on_progress: ProgressCallback | None,
) -> Report:
    with CsvSource(path, settings.encoding, settings.delimiter) as source:
        phone_at = find_phone_column(source.header, settings.column)
        phone_label = source.columns[phone_at]
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
        sink = _Sink(clean_path, rejects_path, [OUTPUT_COLUMN, *other_header], source.header)
        try:
            first_line_of: dict[str, int] = {}
            for chunk, verdicts in _judged(source, phone_label, settings):
                _settle(chunk, verdicts, phone_label, [source.columns[i] for i in other_at],
                        settings, first_line_of, report, sink)
                if on_progress:
                    on_progress(source.bytes_read(), source.size)
        except BaseException:
            sink.discard()
            raise
        sink.commit()
    report._sort_counts()
    return report


def _judged(source: CsvSource, phone_label: str, settings: _Settings) -> Iterator[tuple[Chunk, pd.DataFrame]]:
    """Pair each chunk with its verdicts, in file order, inline or in a process pool."""
    chunks = source.chunks(settings.chunk_rows)
    if settings.workers == 1:
        for chunk in chunks:
            yield chunk, clean_chunk(chunk.frame, phone_label, settings.region, settings.level)
        return
    with ProcessPoolExecutor(max_workers=settings.workers) as pool:
        pending: list = []
        # Keep a bounded number of chunks in flight so memory stays flat.
        for chunk in chunks:
            pending.append((chunk, pool.submit(clean_chunk, chunk.frame, phone_label, settings.region, settings.level)))
            if len(pending) > settings.workers * 2:
                done, future = pending.pop(0)
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()


def _settle(
    chunk: Chunk,
    verdicts: pd.DataFrame,
    phone_label: str,
    other_labels: list[str],
    settings: _Settings,
    first_line_of: dict[str, int],
    report: Report,
    sink: _Sink,
) -> None:
    """Apply the cross-chunk rules (duplicates), count, and hand rows to the sink."""
    frame = chunk.frame
    numbers = verdicts["contact_number"].tolist()
    reasons = verdicts["reason"].tolist()
    details = verdicts["detail"].tolist()
    lines = frame.index.tolist()
    raw_numbers = frame[phone_label].tolist()

    kept_positions = []
    rejections: list[tuple[Rejection, list[str] | int]] = []
    for position, (line, number) in enumerate(zip(lines, numbers)):
        if number is None:
            rejections.append((Rejection(line, reasons[position], details[position], raw_numbers[position]), position))
            continue
        if not settings.keep_duplicates:
            first = first_line_of.setdefault(number, line)
            if first != line:
                rejections.append((Rejection(line, "duplicate", f"{number} is already on line {first}",
                                             raw_numbers[position]), position))
                continue
        kept_positions.append(position)

    width = len(frame.columns)
    for line, fields in chunk.malformed:
        detail = f"expected {width} fields, found {len(fields)}"
        if len(fields) > width:
            # The rejects file stays rectangular, so the surplus is kept here.
            detail += "; extra fields: " + ", ".join(repr(extra) for extra in fields[width:])
        rejections.append((Rejection(line, "malformed_row", detail, None), fields))
    rejections.sort(key=lambda pair: pair[0].line)

    kept = verdicts.iloc[kept_positions]
    for region, count in kept["region"].value_counts(dropna=True).items():
        report._count(report.by_country, region, int(count))
    for reading, count in kept["reading"].value_counts(dropna=True).items():
        report._count(report.by_reading, reading, int(count))
    for rejection, _ in rejections:
        report._count(report.by_reason, rejection.reason)
    report.rejections.extend(rejection for rejection, _ in rejections)
    report.rows += len(frame) + len(chunk.malformed)
    report.clean += len(kept_positions)
    report.rejected += len(rejections)

    sink.write_clean(kept["contact_number"], frame.iloc[kept_positions][other_labels])
    sink.write_rejects(rejections, frame)


class _Sink:
    """Where settled rows go: two atomic CSV writers, or nowhere for validation."""

    def __init__(self, clean_path: str | None, rejects_path: str | None,
                 clean_header: list[str], input_header: list[str]) -> None:
        self._clean = self._rejects = None
        if clean_path is None:
            return
        self._clean = AtomicCsvWriter(clean_path, clean_header)
        try:
            self._rejects = AtomicCsvWriter(rejects_path, ["line", "reason", "detail", *input_header])
        except BaseException:
            self._clean.discard()
            raise

    def write_clean(self, numbers: pd.Series, others: pd.DataFrame) -> None:
        if self._clean is not None:
            self._clean.writerows(zip(numbers, *(others[label] for label in others.columns)))

    def write_rejects(self, rejections: list[tuple[Rejection, list[str] | int]], frame: pd.DataFrame) -> None:
        if self._rejects is None:
            return
        rows = []
        for rejection, source in rejections:
            fields = source if isinstance(source, list) else frame.iloc[source].tolist()
            cells = [neutralize_formula(cell) for cell in fields]
            if rejection.reason == "malformed_row":
                width = len(frame.columns)
                cells = cells[:width] + [""] * (width - len(cells))
            rows.append([rejection.line, rejection.reason, rejection.detail, *cells])
        self._rejects.writerows(rows)

    def commit(self) -> None:
        for writer in (self._clean, self._rejects):
            if writer is not None:
                writer.commit()

    def discard(self) -> None:
        for writer in (self._clean, self._rejects):
            if writer is not None:
                writer.discard()
