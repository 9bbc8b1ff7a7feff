"""Turn a judged chunk into what the settle step needs: compact columns and finished CSV text.

Like :func:`csvtools.chunk.clean_chunk`, this is a pure function of one
chunk, so it runs in the worker processes. What is left for the main process
(:mod:`csvtools.settle`) is what needs the chunks before it: spotting
duplicates, counting, and appending the text in file order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dedupe import NumberKeys, number_keys
from .reading import Block, Chunk, reread_fields
from .report import Rejection
from .writing import neutralize_formulas, render_lines

__all__ = ["RenderedChunk", "as_arrow", "render_chunk"]


@dataclass
class RenderedChunk:
    """One judged chunk, ready to settle.

    ``kept_*`` describe the rows whose number is valid, in line order (each
    may still turn out a duplicate); ``rejected_*`` the rows rejected already
    (bad numbers and malformed records), in line order. The ``*_text``
    columns are CSV lines (see :func:`csvtools.writing.render_lines`), None
    when nothing is written: a kept row's clean line, and a rejected row's
    whole rejects line. A kept row's raw fields, for the rejects file should
    it be a duplicate, travel in ``kept_cells`` only when the rows cannot be
    read again from ``block`` (see :meth:`kept_fields`).
    """

    records: int
    kept_lines: np.ndarray
    kept_keys: NumberKeys
    phone_at: int
    kept_regions: pa.Array
    kept_readings: pa.Array
    rejected_lines: np.ndarray
    rejected_reasons: dict[str, int]
    rejections: list[Rejection]
    kept_cells: list[pa.Array] | None = None
    block: Block | None = None
    clean_text: pa.Array | None = None
    rejected_text: pa.Array | None = None

    def kept_fields(self, at: np.ndarray) -> list[pa.Array]:
        """The raw fields of the kept rows at positions ``at`` (increasing), one column per header field."""
        if self.kept_cells is None:
            return reread_fields(self.block, self.kept_lines[at])
        index = pa.array(at, type=pa.int64())
        return [column.take(index) for column in self.kept_cells]


def render_chunk(
    chunk: Chunk,
    verdicts: pd.DataFrame,
    phone_label: str,
    other_labels: list[str],
    max_rejections: int | None,
    with_text: bool,
) -> RenderedChunk:
    """Split a chunk by its verdicts (from ``clean_chunk``) and render its output lines.

    ``rejections`` keeps the first ``max_rejections`` rejected rows as
    records (all of them when None): no more can make it into the report.
    """
    frame = chunk.frame
    lines = frame.index.to_numpy().astype(np.int64, copy=False)
    numbers = as_arrow(verdicts["contact_number"])
    kept = numbers.is_valid().to_numpy(zero_copy_only=False)
    keep, drop = pa.array(kept), pa.array(~kept)
    columns = {label: as_arrow(frame[label]) for label in frame.columns}
    kept_numbers = numbers.filter(keep)

    rejected_lines = lines[~kept]
    reasons = as_arrow(verdicts["reason"]).filter(drop)
    details = as_arrow(verdicts["detail"]).filter(drop)
    values = columns[phone_label].filter(drop)
    cells = list(columns.values())
    if chunk.malformed:
        rejected_lines, order = _with_malformed_lines(rejected_lines, chunk.malformed)
        malformed_columns = _malformed_columns(chunk.malformed, len(frame.columns))
        reasons, details, values = (pa.concat_arrays([column, extra]).take(order) for column, extra in
                                    zip((reasons, details, values), malformed_columns[:3]))
        rejected_cells = [pa.concat_arrays([column.filter(drop), extra]).take(order)
                          for column, extra in zip(cells, malformed_columns[3])]
    else:
        rejected_cells = [column.filter(drop) for column in cells]

    room = len(rejected_lines) if max_rejections is None else min(len(rejected_lines), max_rejections)
    rendered = RenderedChunk(
        records=len(frame) + len(chunk.malformed),
        kept_lines=lines[kept],
        kept_keys=number_keys(kept_numbers),
        # A block's rows can be read again where they are needed: sending every kept row's
        # fields to the main process would more than double what travels there.
        kept_cells=None if chunk.block else [column.filter(keep) for column in cells],
        block=chunk.block,
        phone_at=list(columns).index(phone_label),
        kept_regions=as_arrow(verdicts["region"]).filter(keep).dictionary_encode(),
        kept_readings=as_arrow(verdicts["reading"]).filter(keep).dictionary_encode(),
        rejected_lines=rejected_lines,
        rejected_reasons={item["values"]: item["counts"] for item in pc.value_counts(reasons).to_pylist()},
        rejections=[Rejection(int(line), reason, detail, value) for line, reason, detail, value in
                    zip(rejected_lines[:room], reasons[:room].to_pylist(), details[:room].to_pylist(),
                        values[:room].to_pylist())],
    )
    if with_text:
        rendered.clean_text = render_lines([kept_numbers, *(columns[label].filter(keep) for label in other_labels)])
        rendered.rejected_text = render_lines([pa.array(rejected_lines).cast(pa.string()), reasons, details,
                                               *(neutralize_formulas(column) for column in rejected_cells)])
    return rendered


def _with_malformed_lines(lines: np.ndarray, malformed: list[tuple[int, list[str]]]) -> tuple[np.ndarray, pa.Array]:
    """The rejected lines with the malformed records' lines merged in, and the order that sorts them."""
    merged = np.concatenate([lines, np.array([line for line, _ in malformed], dtype=np.int64)])
    order = np.argsort(merged, kind="stable")
    return merged[order], pa.array(order)


def _malformed_columns(malformed: list[tuple[int, list[str]]], width: int) -> tuple:
    """(reasons, details, values, cells by column) of malformed records, as Arrow arrays."""
    details = []
    for _, cells in malformed:
        detail = f"expected {width} fields, found {len(cells)}"
        if len(cells) > width:
            # The rejects file stays rectangular, so the surplus is kept here.
            detail += "; extra fields: " + ", ".join(repr(extra) for extra in cells[width:])
        details.append(detail)
    count = len(malformed)
    cells = [pa.array([row[i] if i < len(row) else "" for _, row in malformed], type=pa.string())
             for i in range(width)]
    return (pa.array(["malformed_row"] * count, type=pa.string()), pa.array(details, type=pa.string()),
            pa.nulls(count, type=pa.string()), cells)


def as_arrow(column: pd.Series) -> pa.Array:
    """A frame column as an Arrow string array (no copy when it is Arrow-backed already)."""
    array = pa.array(column, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string())
