"""The one step that needs the chunks before it: duplicates, counts, and where each row goes.

It runs in the main process, in file order, on chunks already judged and
rendered in the workers (:mod:`.render`), so that what is left here is
little more than looking numbers up and appending text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from ..io.blocks import reread_fields
from ..io.formulas import neutralize_formulas
from ..io.lines import render_lines
from ..io.outputs import Outputs
from ..report import Rejection, Report
from .dedupe import FirstLines
from .render import REJECTED_FIELDS, RenderedChunk

__all__ = ["Settler"]


@dataclass
class _Duplicates:
    """The kept rows of a chunk that repeat an earlier number: positions among the kept rows."""

    at: np.ndarray
    repeated: np.ndarray  # a mask over the kept rows
    rejected: pa.Table  # REJECTED_FIELDS of each, values filled in by _reread


class Settler:
    """Settle rendered chunks, in file order, into a report and (for a clean run) the output files.

    ``index`` is the duplicate index (None keeps duplicates); ``phone_at``
    the phone column's position; ``max_rejections`` caps the rejected lines
    the report lists (None: all). ``first_places`` turns the first lines the
    index gives for repeated numbers into the place a duplicate's detail names
    (default ``line N``); a run over several files names the file too.
    """

    def __init__(self, report: Report, outputs: Outputs | None, index: FirstLines | None, phone_at: int,
                 max_rejections: int | None, first_places: Callable[[np.ndarray], pa.Array] | None = None) -> None:
        self._report, self._outputs, self._index = report, outputs, index
        self._phone_at, self._max_rejections = phone_at, max_rejections
        self._first_places = first_places or _lines_named

    def settle(self, chunk: RenderedChunk) -> None:
        """Find the chunk's duplicates, read their rows again, count, list rejections, write."""
        duplicates = self._duplicates(chunk)
        room = self._report.room_for_rejections(self._max_rejections)
        # Only the rejects file needs every duplicate's fields; the report needs those it lists.
        needed = duplicates.at if self._outputs or room is None else duplicates.at[:room]
        fields = self._reread(chunk, needed)
        self._count(chunk, duplicates)
        shown = duplicates.rejected.slice(0, len(needed))
        if fields:
            shown = shown.set_column(3, "value", fields[self._phone_at])
        self._report.add_rejections(_records(chunk.rejected, shown, room),
                                    chunk.rejected.num_rows + len(duplicates.at), self._max_rejections)
        if self._outputs is not None:
            self._write(chunk, duplicates, fields)

    def _duplicates(self, chunk: RenderedChunk) -> _Duplicates:
        lines = chunk.kept_lines
        if self._index is None or not len(lines):
            none = np.zeros(0, dtype=np.int64)
            return _Duplicates(none, np.zeros(len(lines), dtype=bool), _rejected_table(none, [], none))
        first = self._index.first_lines(chunk.kept_keys, lines)
        repeated = first != lines
        at = np.flatnonzero(repeated)
        details = pc.binary_join_element_wise(chunk.kept_keys.numbers(at), " is already on ",
                                              self._first_places(first[at]), "")
        return _Duplicates(at, repeated, _rejected_table(lines[at], details, at))

    def _reread(self, chunk: RenderedChunk, at: np.ndarray) -> list[pa.Array]:
        """The raw fields of the kept rows at positions ``at``: read from the file again for a block."""
        if not len(at):
            return []
        if chunk.kept_cells is None:
            return reread_fields(chunk.block, chunk.kept_lines[at])
        index = pa.array(at, type=pa.int64())
        return [column.take(index) for column in chunk.kept_cells]

    def _count(self, chunk: RenderedChunk, duplicates: _Duplicates) -> None:
        stays = pa.array(~duplicates.repeated)
        by_reason = _value_counts(chunk.rejected.column("reason"))
        if len(duplicates.at):
            by_reason[reasons.DUPLICATE] = len(duplicates.at)
        self._report.add_counts(
            rows=chunk.records,
            clean=len(chunk.kept_lines) - len(duplicates.at),
            rejected=chunk.rejected.num_rows + len(duplicates.at),
            by_reason=by_reason,
            by_country=_value_counts(chunk.kept_regions.filter(stays)),
            by_reading=_value_counts(chunk.kept_readings.filter(stays)),
        )

    def _write(self, chunk: RenderedChunk, duplicates: _Duplicates, fields: list[pa.Array]) -> None:
        self._outputs.write_clean(chunk.clean_text.filter(pa.array(~duplicates.repeated)))
        rejected_text = chunk.rejected_text
        if len(duplicates.at):
            table = duplicates.rejected
            text = render_lines([table.column("line").cast(pa.string()), table.column("reason"),
                                 table.column("detail"), *(neutralize_formulas(column) for column in fields)])
            # Both are in line order; merge them so the rejects file stays in line order.
            order = np.argsort(np.concatenate([chunk.rejected.column("line").to_numpy(),
                                               table.column("line").to_numpy()]), kind="stable")
            rejected_text = pa.concat_arrays([rejected_text, text]).take(pa.array(order))
        self._outputs.write_rejects(rejected_text)


def _lines_named(first: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise("line ", pa.array(first, type=pa.int64()).cast(pa.string()), "")


def _rejected_table(lines: np.ndarray, details: pa.Array | list, at: np.ndarray) -> pa.Table:
    count = len(lines)
    return pa.table([pa.array(lines, type=pa.int64()), pa.repeat(reasons.DUPLICATE, count).cast(pa.string()),
                     pa.array(details, type=pa.string()), pa.nulls(count, type=pa.string())],
                    names=list(REJECTED_FIELDS))


def _records(rejected: pa.Table, duplicates: pa.Table, room: int | None) -> list[Rejection]:
    """The rejected lines to list, in line order, at most ``room``: the only place records are built."""
    if room is not None:
        rejected, duplicates = rejected.slice(0, room), duplicates.slice(0, room)
    table = pa.concat_tables([rejected, duplicates]) if duplicates.num_rows else rejected
    if duplicates.num_rows and rejected.num_rows:
        table = table.take(pc.sort_indices(table, [("line", "ascending")]))
    if room is not None:
        table = table.slice(0, room)
    return [Rejection(**row) for row in table.to_pylist()]


def _value_counts(column: pa.Array) -> dict[str, int]:
    return {item["values"]: item["counts"] for item in pc.value_counts(column).to_pylist()
            if item["values"] is not None}
