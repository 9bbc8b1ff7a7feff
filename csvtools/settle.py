"""The one step that needs the chunks before it: duplicates, counts, and where each row goes.

It runs in the main process, in file order, after the per-chunk step
(:func:`csvtools.chunk.clean_chunk`) has judged every number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dedupe import FirstLines
from .reading import Chunk
from .report import Report
from .writing import AtomicCsvWriter, neutralize_formulas

__all__ = ["Sink", "as_arrow", "settle"]


def settle(
    chunk: Chunk,
    verdicts: pd.DataFrame,
    phone_label: str,
    other_labels: list[str],
    keep_duplicates: bool,
    max_rejections: int | None,
    first_line_of: FirstLines,
    report: Report,
    sink: Sink,
) -> None:
    """Apply the cross-chunk rule (duplicates), count, and hand rows to the sink."""
    frame = chunk.frame
    lines = frame.index.to_numpy()
    numbers = as_arrow(verdicts["contact_number"])
    kept = numbers.is_valid().to_numpy(zero_copy_only=False)

    repeated_at = np.zeros(0, dtype=np.int64)
    if not keep_duplicates and kept.any():
        at = np.flatnonzero(kept)
        first = first_line_of.first_lines(numbers.take(pa.array(at)), lines[at])
        repeated = first != lines[at]
        repeated_at, first_of_repeated = at[repeated], first[repeated]
        kept[repeated_at] = False

    rejected = np.flatnonzero(~kept)
    take = pa.array(rejected, type=pa.int64())
    reasons = as_arrow(verdicts["reason"]).take(take)
    details = as_arrow(verdicts["detail"]).take(take)
    if repeated_at.size:
        first_line = np.full(len(lines), -1, dtype=np.int64)
        first_line[repeated_at] = first_of_repeated
        # Only duplicates have a number among the rejected rows.
        duplicate_details = pc.binary_join_element_wise(
            numbers.take(take), " is already on line ", pa.array(first_line[rejected]).cast(pa.string()), "")
        reasons = pc.if_else(duplicate_details.is_valid(), "duplicate", reasons)
        details = pc.coalesce(duplicate_details, details)
    columns = {label: as_arrow(frame[label]) for label in frame.columns}  # once per column, not per use
    values = columns[phone_label].take(take)
    fields = [column.take(take) for column in columns.values()]
    rejected_lines = lines[rejected]

    if chunk.malformed:
        width = len(frame.columns)
        malformed_details = []
        for _, cells in chunk.malformed:
            detail = f"expected {width} fields, found {len(cells)}"
            if len(cells) > width:
                # The rejects file stays rectangular, so the surplus is kept here.
                detail += "; extra fields: " + ", ".join(repr(extra) for extra in cells[width:])
            malformed_details.append(detail)
        count = len(chunk.malformed)
        rejected_lines = np.concatenate([rejected_lines, [line for line, _ in chunk.malformed]]).astype(np.int64)
        order = pa.array(np.argsort(rejected_lines, kind="stable"))
        rejected_lines = rejected_lines[order.to_numpy()]
        reasons = pa.concat_arrays([reasons, pa.array(["malformed_row"] * count, type=pa.string())]).take(order)
        details = pa.concat_arrays([details, pa.array(malformed_details, type=pa.string())]).take(order)
        values = pa.concat_arrays([values, pa.nulls(count, type=pa.string())]).take(order)
        fields = [
            pa.concat_arrays([field, pa.array([cells[i] if i < len(cells) else "" for _, cells in chunk.malformed],
                                              type=pa.string())]).take(order)
            for i, field in enumerate(fields)
        ]

    keep = pa.array(kept)
    report.rows += len(frame) + len(chunk.malformed)
    report.clean += int(kept.sum())
    report.rejected += len(rejected_lines)
    for counter, column in ((report.by_country, as_arrow(verdicts["region"]).filter(keep)),
                            (report.by_reading, as_arrow(verdicts["reading"]).filter(keep)),
                            (report.by_reason, reasons)):
        for item in pc.value_counts(column).to_pylist():
            report._count(counter, item["values"], item["counts"])
    report._keep_rejections(rejected_lines, reasons, details, values, max_rejections)

    sink.write_clean(numbers.filter(keep), [columns[label].filter(keep) for label in other_labels])
    if sink.writes_rejects:
        sink.write_rejects([pa.array(rejected_lines).cast(pa.string()), reasons, details,
                            *(neutralize_formulas(field) for field in fields)])


def as_arrow(column: pd.Series) -> pa.Array:
    """A frame column as an Arrow string array (no copy when it is Arrow-backed already)."""
    array = pa.array(column, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string())


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
    def writes_rejects(self) -> bool:
        return self._rejects is not None

    def write_clean(self, numbers: pa.Array, others: list[pa.Array]) -> None:
        if self._clean is not None:
            self._clean.write_columns([numbers, *others])

    def write_rejects(self, columns: list[pa.Array]) -> None:
        """Write rejected records in line order: line, reason, detail, then the raw fields."""
        if self._rejects is not None:
            self._rejects.write_columns(columns)

    def commit(self) -> None:
        for writer in (self._clean, self._rejects):
            if writer is not None:
                writer.commit()

    def discard(self) -> None:
        for writer in (self._clean, self._rejects):
            if writer is not None:
                writer.discard()
