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
        first = first_line_of.first_lines(chunk.kept_keys, lines)
        repeated = first != lines
    duplicates = np.flatnonzero(repeated)
    stays = pa.array(~repeated)
    duplicate_details = pc.binary_join_element_wise(
        chunk.kept_keys.numbers(duplicates), " is already on line ", pa.array(first[duplicates]).cast(pa.string()), "")

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

    room = None if max_rejections is None else max(0, max_rejections - len(report.rejections))
    shown = duplicates if room is None else duplicates[:room]
    # The raw fields of the duplicates: all of them for the rejects file, else those the report shows.
    needed = duplicates if sink.writes else shown
    fields = chunk.kept_fields(needed) if len(needed) else []
    _keep_rejections(report, chunk, shown, duplicate_details, fields[chunk.phone_at] if fields else None, room,
                     len(duplicates))

    if sink.writes:
        sink.write_clean(chunk.clean_text.filter(stays))
        rejected_text = chunk.rejected_text
        if len(duplicates):
            text = render_lines([pa.array(lines[duplicates]).cast(pa.string()),
                                 pa.repeat("duplicate", len(duplicates)), duplicate_details,
                                 *(neutralize_formulas(column) for column in fields)])
            # Both are in line order; merge them so the rejects file stays in line order.
            order = np.argsort(np.concatenate([chunk.rejected_lines, lines[duplicates]]), kind="stable")
            rejected_text = pa.concat_arrays([rejected_text, text]).take(pa.array(order))
        sink.write_rejects(rejected_text)


def _keep_rejections(report: Report, chunk: RenderedChunk, shown: np.ndarray, details: pa.Array,
                     values: pa.Array | None, room: int | None, duplicate_count: int) -> None:
    """Add the chunk's rejected lines to the report, in line order, up to ``room`` more in all.

    ``shown`` are the duplicates (positions among the kept rows) that may be
    listed, ``details`` and ``values`` start with theirs.
    """
    records = list(chunk.rejections)
    if len(shown):
        records += [Rejection(int(line), "duplicate", detail, value)
                    for line, detail, value in zip(chunk.kept_lines[shown], details[:len(shown)].to_pylist(),
                                                   values[:len(shown)].to_pylist())]
    records.sort(key=lambda record: record.line)
    kept = records if room is None else records[:room]
    report.rejections.extend(kept)
    report.rejections_omitted += len(chunk.rejected_lines) + duplicate_count - len(kept)


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
