"""The one step that needs the chunks before it: duplicates, counts, and where each row goes.

It runs in the main process, in file order, on chunks already judged and
rendered in the workers (:mod:`csvtools.chunk`, :mod:`csvtools.render`), so
that what is left here is little more than appending text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .dedupe import FirstLines
from .render import RenderedChunk
from .report import Rejection, Report
from .writing import AtomicCsvWriter, neutralize_formulas, render_lines

__all__ = ["Sink", "settle"]


def settle(
    chunk: RenderedChunk,
    keep_duplicates: bool,
    max_rejections: int | None,
    first_line_of: FirstLines,
    report: Report,
    sink: Sink,
) -> None:
    """Apply the cross-chunk rule (duplicates), count, and hand the rows to the sink."""
    lines = chunk.kept_lines
    repeated = np.zeros(len(lines), dtype=bool)
    first = lines
    if not keep_duplicates and len(lines):
        first = first_line_of.first_lines(chunk.kept_numbers, lines, chunk.kept_keys)
        repeated = first != lines
    duplicates = np.flatnonzero(repeated)
    stays = pa.array(~repeated)
    duplicate_details = pc.binary_join_element_wise(
        chunk.kept_numbers.take(pa.array(duplicates)), " is already on line ",
        pa.array(first[duplicates]).cast(pa.string()), "")

    report.rows += chunk.records
    report.clean += len(lines) - len(duplicates)
    report.rejected += len(chunk.rejected_lines) + len(duplicates)
    for reason, count in chunk.rejected_reasons.items():
        report._count(report.by_reason, reason, count)
    if len(duplicates):
        report._count(report.by_reason, "duplicate", len(duplicates))
    for counter, column in ((report.by_country, chunk.kept_regions), (report.by_reading, chunk.kept_readings)):
        for item in pc.value_counts(column.filter(stays)).to_pylist():
            report._count(counter, item["values"], item["counts"])
    _keep_rejections(report, chunk, duplicates, duplicate_details, max_rejections)

    if sink.writes:
        sink.write_clean(chunk.clean_text.filter(stays))
        rejected_text = chunk.rejected_text
        if len(duplicates):
            at = pa.array(duplicates)
            text = render_lines([pa.array(lines[duplicates]).cast(pa.string()),
                                 pa.repeat("duplicate", len(duplicates)), duplicate_details,
                                 *(neutralize_formulas(column.take(at)) for column in chunk.kept_cells)])
            # Both are in line order; merge them so the rejects file stays in line order.
            order = np.argsort(np.concatenate([chunk.rejected_lines, lines[duplicates]]), kind="stable")
            rejected_text = pa.concat_arrays([rejected_text, text]).take(pa.array(order))
        sink.write_rejects(rejected_text)


def _keep_rejections(report: Report, chunk: RenderedChunk, duplicates: np.ndarray, details: pa.Array,
                     limit: int | None) -> None:
    """Add the chunk's rejected lines to the report, in line order, up to ``limit`` in all."""
    room = None if limit is None else max(0, limit - len(report.rejections))
    shown = duplicates if room is None else duplicates[:room]
    records = chunk.rejections + [
        Rejection(int(line), "duplicate", detail, value)
        for line, detail, value in zip(chunk.kept_lines[shown], details.to_pylist()[:len(shown)],
                                       chunk.kept_values.take(pa.array(shown)).to_pylist())
    ]
    records.sort(key=lambda record: record.line)
    kept = records if room is None else records[:room]
    report.rejections.extend(kept)
    report.rejections_omitted += len(chunk.rejected_lines) + len(duplicates) - len(kept)


class Sink:
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

    @property
    def writes(self) -> bool:
        return self._clean is not None

    def write_clean(self, lines: pa.Array) -> None:
        """Append rendered clean lines (see :func:`csvtools.writing.render_lines`)."""
        if self._clean is not None:
            self._clean.write_lines(lines)

    def write_rejects(self, lines: pa.Array) -> None:
        """Append rendered rejects lines, in line order: line, reason, detail, then the raw fields."""
        if self._rejects is not None:
            self._rejects.write_lines(lines)

    def commit(self) -> None:
        for writer in (self._clean, self._rejects):
            if writer is not None:
                writer.commit()

    def discard(self) -> None:
        for writer in (self._clean, self._rejects):
            if writer is not None:
                writer.discard()
