"""The one step that needs the chunks before it: suppression lists, duplicates, counts, and where each row goes.

It runs in the main process, in file order, on chunks already judged and
rendered in the workers (:mod:`.render`), so that what is left here is
little more than looking numbers up and appending text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from ..io.blocks import reread_fields
from ..io.formulas import neutralize_formulas
from ..io.lines import render_lines
from ..io.outputs import Outputs
from ..report import REJECTION_FIELDS, Rejection, Report
from .dedupe import NumberKeys
from .fallback import first_filled
from .render import REJECTED_FIELDS, RenderedChunk
from .suppress import SuppressionLists

__all__ = ["Settler"]


@dataclass
class _Removed:
    """The kept rows of a chunk that settling rejects after all (suppressed, then duplicates):
    positions among the kept rows, in order."""

    at: np.ndarray
    repeated: np.ndarray  # a mask over the kept rows
    rejected: pa.Table  # REJECTED_FIELDS of each, values filled in by _reread


class DuplicateIndex(Protocol):
    """What settling asks of a duplicate index: :class:`.dedupe.FirstLines`, or a distributed piece's."""

    def first_lines(self, keys: NumberKeys, lines: np.ndarray) -> np.ndarray: ...


class Settler:
    """Settle rendered chunks, in file order, into a report and (for a clean run) the output files.

    ``index`` is the duplicate index (None keeps duplicates); ``phone_at``
    the phone column's position; ``max_rejections`` caps the rejected lines
    the report lists (None: all); ``lists`` are the suppression lists. A
    number on a list is ``suppressed`` on every line it appears on, never a
    ``duplicate``: the lists are checked first, and a suppressed number never
    enters the duplicate index. ``first_places`` turns the first lines the
    index gives for repeated numbers into the place a duplicate's detail names
    (default ``line N``); a run over several files names the file too.
    """

    def __init__(
        self,
        report: Report,
        outputs: Outputs | None,
        index: DuplicateIndex | None,
        phone_at: int,
        max_rejections: int | None,
        lists: SuppressionLists | None = None,
        phone_columns: tuple[int, ...] = (),
        first_places: Callable[[np.ndarray], pa.Array] | None = None,
    ) -> None:
        self._report, self._outputs, self._index = report, outputs, index
        self._phone_at, self._max_rejections = phone_at, max_rejections
        self._lists = lists or None
        self._phone_columns = phone_columns
        self._first_places = first_places or _lines_named

    def settle(self, chunk: RenderedChunk) -> None:
        """Find the chunk's suppressed and repeated numbers, read their rows again, count, list rejections, write."""
        removed = self._removed(chunk)
        room = self._report.room_for_rejections(self._max_rejections)
        # Only the rejects file needs every removed row's fields; the report needs those it lists.
        needed = removed.at if self._outputs or room is None else removed.at[:room]
        fields = self._reread(chunk, needed)
        self._count(chunk, removed)
        shown = removed.rejected.slice(0, len(needed))
        if fields:
            value = fields[self._phone_at]
            if self._phone_columns:
                value = first_filled([fields[at] for at in self._phone_columns])[0]
            shown = shown.set_column(3, "value", value)
        self._report.add_rejections(
            _records(chunk.rejected, shown, room),
            chunk.rejected.num_rows + len(removed.at),
            self._max_rejections,
        )
        if chunk.mismatched is not None:
            self._mismatches(chunk, removed)
        if self._outputs is not None:
            self._write(chunk, removed, fields)

    def _mismatches(self, chunk: RenderedChunk, removed: _Removed) -> None:
        """List the kept rows of another country than their row's, but not the ones removed (suppressed, repeated)."""
        assert chunk.mismatched is not None  # settle asks only then
        stays = ~removed.repeated[chunk.mismatched_at]
        table = chunk.mismatched.filter(pa.array(stays))
        room = self._report.room_for_mismatches(self._max_rejections)
        listed = table if room is None else table.slice(0, room)
        self._report.add_mismatches(
            [Rejection(**row) for row in listed.to_pylist()], table.num_rows, self._max_rejections
        )

    def _removed(self, chunk: RenderedChunk) -> _Removed:
        lines = chunk.kept_lines
        suppressed = self._suppressed(chunk)
        parts = [part for part in (suppressed, self._repeated(chunk, suppressed[0])) if len(part[0])]
        if not parts:
            none = np.zeros(0, dtype=np.int64)
            return _Removed(
                none, np.zeros(len(lines), dtype=bool), _rejected_table(none, reasons.DUPLICATE, [])
            )
        at = np.concatenate([part[0] for part in parts])
        table = pa.concat_tables([part[1] for part in parts])
        if len(parts) > 1:  # positions among the kept rows are in line order
            order = np.argsort(at, kind="stable")
            at, table = at[order], table.take(pa.array(order))
        removed = np.zeros(len(lines), dtype=bool)
        removed[at] = True
        return _Removed(at, removed, table)

    def _suppressed(self, chunk: RenderedChunk) -> tuple[np.ndarray, pa.Table]:
        """(positions among the kept rows, rejected table) of the numbers on a suppression list."""
        none = np.zeros(0, dtype=np.int64)
        if self._lists is None or not len(chunk.kept_lines):
            return none, _rejected_table(none, reasons.SUPPRESSED, [])
        which, list_lines = self._lists.find(chunk.kept_keys)
        at = np.flatnonzero(which >= 0)
        self._lists.count_removed(which[at])
        details = pc.binary_join_element_wise(
            chunk.kept_keys.numbers(at),
            " is on suppression list ",
            self._lists.names().take(pa.array(which[at])),
            ", line ",
            pa.array(list_lines[at]).cast(pa.string()),
            "",
        )
        return at, _rejected_table(chunk.kept_lines[at], reasons.SUPPRESSED, details)

    def _repeated(self, chunk: RenderedChunk, suppressed: np.ndarray) -> tuple[np.ndarray, pa.Table]:
        """(positions among the kept rows, rejected table) of the numbers kept earlier; the
        ``suppressed`` positions are left out, so that they never enter the duplicate index."""
        lines = chunk.kept_lines
        none = np.zeros(0, dtype=np.int64)
        if self._index is None or not len(lines):
            return none, _rejected_table(none, reasons.DUPLICATE, [])
        rest = np.ones(len(lines), dtype=bool)
        rest[suppressed] = False
        keys = chunk.kept_keys.subset(rest) if len(suppressed) else chunk.kept_keys
        rest = np.flatnonzero(rest)
        first = self._index.first_lines(keys, lines[rest])
        repeated = np.flatnonzero(first != lines[rest])
        at = rest[repeated]
        details = pc.binary_join_element_wise(
            chunk.kept_keys.numbers(at), " is already on ", self._first_places(first[repeated]), ""
        )
        return at, _rejected_table(lines[at], reasons.DUPLICATE, details)

    def _reread(self, chunk: RenderedChunk, at: np.ndarray) -> list[pa.Array]:
        """The raw fields of the kept rows at positions ``at``: read from the file again for a block."""
        if not len(at):
            return []
        if chunk.kept_cells is None:
            assert chunk.block is not None  # a chunk without its cells comes from a block
            return reread_fields(chunk.block, chunk.kept_lines[at])
        index = pa.array(at, type=pa.int64())
        return [column.take(index) for column in chunk.kept_cells]

    def _count(self, chunk: RenderedChunk, removed: _Removed) -> None:
        stays = ~removed.repeated
        by_reason = _value_counts(chunk.rejected.column("reason"))
        for reason, count in _value_counts(removed.rejected.column("reason")).items():
            by_reason[reason] = by_reason.get(reason, 0) + count
        self._report.add_counts(
            rows=chunk.records,
            blank=chunk.blank,
            clean=len(chunk.kept_lines) - len(removed.at),
            rejected=chunk.rejected.num_rows + len(removed.at),
            by_reason=by_reason,
            by_country=_counts_where(chunk.kept_regions, stays),
            by_reading=_counts_where(chunk.kept_readings, stays),
            by_type=_counts_where(chunk.kept_types, stays) if chunk.kept_types is not None else None,
            by_column=_counts_where(chunk.kept_sources, stays) if chunk.kept_sources is not None else None,
        )

    def _write(self, chunk: RenderedChunk, removed: _Removed, fields: list[pa.Array]) -> None:
        # settle writes only with outputs, and then every chunk was rendered with its text.
        assert self._outputs is not None and chunk.clean_text is not None
        self._outputs.write_clean(chunk.clean_text.filter(pa.array(~removed.repeated)))
        rejected_text = chunk.rejected_text
        if len(removed.at):
            table = removed.rejected
            text = render_lines(
                [
                    table.column("line").cast(pa.string()),
                    table.column("reason"),
                    table.column("detail"),
                    *(neutralize_formulas(column) for column in fields),
                ]
            )
            # Both are in line order; merge them so the rejects file stays in line order.
            order = np.argsort(
                np.concatenate([chunk.rejected.column("line").to_numpy(), table.column("line").to_numpy()]),
                kind="stable",
            )
            rejected_text = pa.concat_arrays([rejected_text, text]).take(pa.array(order))
        self._outputs.write_rejects(rejected_text)


def _lines_named(first: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise("line ", pa.array(first, type=pa.int64()).cast(pa.string()), "")


def _rejected_table(lines: np.ndarray, reason: str, details: pa.Array | list) -> pa.Table:
    count = len(lines)
    return pa.table(
        [
            pa.array(lines, type=pa.int64()),
            pa.repeat(reason, count).cast(pa.string()),
            pa.array(details, type=pa.string()),
            pa.nulls(count, type=pa.string()),
        ],
        names=list(REJECTED_FIELDS),
    )


def _records(rejected: pa.Table, duplicates: pa.Table, room: int | None) -> list[Rejection]:
    """The rejected lines to list, in line order, at most ``room``: the only place records are built."""
    if room is not None:
        rejected, duplicates = rejected.slice(0, room), duplicates.slice(0, room)
    table = pa.concat_tables([rejected, duplicates]) if duplicates.num_rows else rejected
    if duplicates.num_rows and rejected.num_rows:
        table = table.take(pc.sort_indices(table, [("line", "ascending")]))
    if room is not None:
        table = table.slice(0, room)
    # A column at a time: no dict a row, as to_pylist() would make.
    columns = (table.column(name).to_pylist() for name in REJECTION_FIELDS)
    return list(map(Rejection, *columns))


def _counts_where(column: pa.Array, where: np.ndarray) -> dict[str, int]:
    """How many times each value of ``column`` appears where ``where`` is true (the report orders them).

    A dictionary-encoded column (as rendered chunks send them) is counted by
    its indices, without filtering it first.
    """
    if not isinstance(column, pa.DictionaryArray) or column.null_count:
        return _value_counts(column.filter(pa.array(where)))
    indices = column.indices.to_numpy()
    counts = np.bincount(indices[where], minlength=len(column.dictionary))
    return {
        value: int(count)
        for value, count in zip(column.dictionary.to_pylist(), counts.tolist())
        if count and value is not None
    }


def _value_counts(column: pa.Array) -> dict[str, int]:
    return {
        item["values"]: item["counts"]
        for item in pc.value_counts(column).to_pylist()
        if item["values"] is not None
    }
