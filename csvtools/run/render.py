"""The worker's last step: a judged chunk as what settling needs, compact columns and finished CSV text.

Like judging (:mod:`csvtools.numbers.chunk`), this is a pure function of one
chunk, so it runs in the worker processes. What is left for the main process
(:mod:`.settle`) is what needs the chunks before it: spotting duplicates,
counting, and appending the text in file order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from ..io.formulas import neutralize_formulas
from ..io.lines import render_lines
from ..io.records import Block, Chunk
from ..numbers.by_country import MISMATCH_FIELD
from .dedupe import NumberKeys, number_keys

__all__ = ["REJECTED_FIELDS", "RenderedChunk", "render_chunk"]

#: The columns of :attr:`RenderedChunk.rejected`.
REJECTED_FIELDS = ("line", "reason", "detail", "value")


@dataclass
class RenderedChunk:
    """One judged chunk, ready to settle.

    ``kept_*`` describe the rows whose number is valid, in line order (each
    may still turn out a duplicate); ``rejected`` the rows rejected already
    (bad numbers and malformed records) as a table of :data:`REJECTED_FIELDS`,
    in line order. The ``*_text`` columns are CSV lines
    (:func:`csvtools.io.lines.render_lines`), None when nothing is written: a
    kept row's clean line, and a rejected row's whole rejects line. A kept
    row's raw fields, for the rejects file should it be a duplicate, travel in
    ``kept_cells`` only when the rows cannot be read again from ``block``.
    With several phone columns, ``kept_sources`` names each kept row's. With
    a country column, ``mismatched`` lists (as :data:`REJECTED_FIELDS`) the
    kept rows whose number is of another country, at ``mismatched_at``
    among the kept rows.
    """

    records: int
    kept_lines: np.ndarray
    kept_keys: NumberKeys
    kept_regions: pa.Array
    kept_readings: pa.Array
    rejected: pa.Table
    kept_cells: list[pa.Array] | None = None
    block: Block | None = None
    clean_text: pa.Array | None = None
    rejected_text: pa.Array | None = None
    kept_types: pa.Array | None = None
    blank: int = 0
    kept_sources: pa.Array | None = None
    mismatched_at: np.ndarray | None = None
    mismatched: pa.Table | None = None


def render_chunk(
    chunk: Chunk,
    verdicts: pa.Table,
    phone_at: int,
    with_text: bool,
    values: pa.Array | None = None,
    sources: pa.Array | None = None,
) -> RenderedChunk:
    """Split a chunk by its verdicts (from :func:`csvtools.numbers.chunk.judge_column`) and render its lines.

    The clean lines hold ``contact_number``, then every column but the phone
    column's, in input order. ``values`` are the phone cells judged (default:
    the phone column's), ``sources`` the name of the column each came from
    when there are several (rejected details then name it).
    """
    lines = chunk.lines
    numbers = verdicts.column("number").combine_chunks()
    keep = numbers.is_valid()
    kept = keep.to_numpy(zero_copy_only=False)
    drop = pc.invert(keep)
    cells = chunk.columns
    kept_numbers = numbers.filter(keep)
    values = cells[phone_at] if values is None else values

    rejected_lines = lines[~kept]
    rejected = [verdicts.column(name).combine_chunks().filter(drop) for name in ("reason", "detail")]
    if sources is not None:
        rejected[1] = pc.binary_join_element_wise(rejected[1], " (column '", sources.filter(drop), "')", "")
    rejected.append(values.filter(drop))
    rejected_cells = [column.filter(drop) for column in cells]
    irregular = _irregular_records(chunk, len(cells))
    if irregular:
        rejected_lines, order = _with_malformed_lines(rejected_lines, irregular)
        extra_columns, extra_cells = _malformed_columns(irregular, len(cells))
        rejected = [
            pa.concat_arrays([column, extra]).take(order) for column, extra in zip(rejected, extra_columns)
        ]
        rejected_cells = [
            pa.concat_arrays([column, extra]).take(order)
            for column, extra in zip(rejected_cells, extra_cells)
        ]

    rendered = RenderedChunk(
        records=chunk.records,
        kept_lines=_narrow_lines(lines[kept]),
        kept_keys=number_keys(kept_numbers),
        kept_regions=_encoded(verdicts.column("region"), keep),
        kept_readings=_encoded(verdicts.column("reading"), keep),
        kept_types=_encoded(verdicts.column("type"), keep),
        rejected=pa.table(
            [pa.array(rejected_lines, type=pa.int64()), *rejected], names=list(REJECTED_FIELDS)
        ),
        # A block's rows can be read again where they are needed: sending every kept row's
        # fields to the main process would more than double what travels there.
        kept_cells=None if chunk.block else [column.filter(keep) for column in cells],
        block=chunk.block,
        blank=chunk.blank,
    )
    if sources is not None:
        rendered.kept_sources = _encoded(sources, keep)
    if MISMATCH_FIELD in verdicts.column_names:
        mismatch = verdicts.column(MISMATCH_FIELD).combine_chunks().filter(keep)
        at = np.flatnonzero(mismatch.is_valid().to_numpy(zero_copy_only=False))
        take = pa.array(at, type=pa.int64())
        rendered.mismatched_at = at
        rendered.mismatched = pa.table(
            [
                pa.array(rendered.kept_lines[at], type=pa.int64()),
                pa.repeat(reasons.REGION_MISMATCH, len(at)).cast(pa.string()),
                mismatch.take(take),
                values.filter(keep).take(take),
            ],
            names=list(REJECTED_FIELDS),
        )
    if with_text:
        others = [column.filter(keep) for at, column in enumerate(cells) if at != phone_at]
        rendered.clean_text = render_lines([kept_numbers, *others])
        rendered.rejected_text = render_lines(
            [
                pa.array(rejected_lines).cast(pa.string()),
                *rejected[:2],
                *(neutralize_formulas(column) for column in rejected_cells),
            ]
        )
    return rendered


def _encoded(column: pa.Array | pa.ChunkedArray, keep: pa.Array) -> pa.DictionaryArray:
    """The values of ``column`` where ``keep`` is true, dictionary-encoded, with indices as narrow as
    the dictionary allows.

    Encoded before filtering: encoding all the strings costs less than copying the kept ones
    first. The narrow indices are for the trip to the main process, a byte a row for these
    columns (regions, readings, types) instead of four.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    filtered = column.dictionary_encode().filter(keep)
    width = next((kind for kind, top in _INDEX_TYPES if len(filtered.dictionary) <= top), None)
    if width is None:
        return filtered
    return pa.DictionaryArray.from_arrays(filtered.indices.cast(width), filtered.dictionary, safe=False)


_INDEX_TYPES = ((pa.int8(), 2**7), (pa.int16(), 2**15))


def _narrow_lines(lines: np.ndarray) -> np.ndarray:
    """Line numbers as int32 when they fit: half the bytes to ship to the main process."""
    if len(lines) and lines[-1] <= _INT32_MAX:  # lines are increasing
        return lines.astype(np.int32)
    return lines


_INT32_MAX = 2**31 - 1


def _irregular_records(chunk: Chunk, width: int) -> list[tuple[int, list[str], str, str]]:
    """``(line, fields, reason, detail)`` of the records rejected before judging: malformed and undecodable."""
    records = []
    for line, cells in chunk.malformed:
        detail = f"expected {width} fields, found {len(cells)}"
        if len(cells) > width:
            # The rejects file stays rectangular, so the surplus is kept here.
            detail += "; extra fields: " + ", ".join(repr(extra) for extra in cells[width:])
        records.append((line, cells, reasons.MALFORMED_ROW, detail))
    records += [(line, cells, reasons.ENCODING_ERROR, detail) for line, cells, detail in chunk.undecodable]
    return records


def _with_malformed_lines(
    lines: np.ndarray, malformed: list[tuple[int, list[str], str, str]]
) -> tuple[np.ndarray, pa.Array]:
    """The rejected lines with the irregular records' lines merged in, and the order that sorts them."""
    merged = np.concatenate([lines, np.array([record[0] for record in malformed], dtype=np.int64)])
    order = np.argsort(merged, kind="stable")
    return merged[order], pa.array(order)


def _malformed_columns(
    malformed: list[tuple[int, list[str], str, str]], width: int
) -> tuple[list[pa.Array], list[pa.Array]]:
    """([reasons, details, values], cells by column) of irregular records, as Arrow arrays."""
    cells = [
        pa.array([row[i] if i < len(row) else "" for _, row, _, _ in malformed], type=pa.string())
        for i in range(width)
    ]
    return (
        [
            pa.array([record[2] for record in malformed], type=pa.string()),
            pa.array([record[3] for record in malformed], type=pa.string()),
            pa.nulls(len(malformed), type=pa.string()),
        ],
        cells,
    )
