"""Duplicates across every input, decided by the cluster: a shuffle on the number, then back by piece.

Every kept row is one ``(number, order)`` row (:func:`.pieces.duplicate_keys`),
where sorting by ``order`` sorts by (input, line). A Dask shuffle on
``number`` brings every row of a number into one partition, where its least
order is its first occurrence; the later rows are the duplicates, each with
the order of its first. ``set_index`` on the duplicate's own order, with the
pieces' first orders as divisions, sends each back to the part that writes it.
No key passes through the client.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import order_of

__all__ = ["REPEATS_META", "PieceRepeats", "repeats_by_piece"]

#: Up to this many pieces, the duplicates' shuffle runs as plain tasks (beyond it, P2P, Dask's default).
TASK_SHUFFLE_PARTITIONS = 64

#: The duplicates of one piece: indexed by the row's order, ``first`` the order of the number's first row.
REPEATS_META = pd.DataFrame(
    {"first": pd.Series([], dtype=np.int64)}, index=pd.Index([], dtype=np.int64, name="order")
)


def repeats_by_piece(keys: list, bounds: list[int]) -> list:
    """One delayed frame of :data:`REPEATS_META` per piece, from the pieces' key frames (futures).

    ``bounds`` are the pieces' first orders, then one past the last order of all.
    """
    import dask.dataframe as dd

    from .pieces import KEYS_META

    frame = dd.from_delayed(keys, meta=KEYS_META, verify_meta=False)
    # A shuffle of a few partitions costs less as plain tasks than through the P2P extension's machinery.
    method = "tasks" if frame.npartitions <= TASK_SHUFFLE_PARTITIONS else None
    repeats = frame.shuffle("number", npartitions=frame.npartitions, shuffle_method=method).map_partitions(
        _repeats, meta=REPEATS_META.reset_index()
    )
    placed = repeats.set_index("order", divisions=list(bounds), shuffle_method=method).to_delayed()
    if len(placed) != len(bounds) - 1:
        raise RuntimeError(f"{len(placed)} partitions of duplicates for {len(bounds) - 1} pieces")
    return placed


def _repeats(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` whose number has a row of a lesser order, each with that least order."""
    first = frame.groupby("number", sort=False, observed=True)["order"].transform("min")
    later = (frame["order"] != first).to_numpy()
    return pd.DataFrame({"order": frame["order"].to_numpy()[later], "first": first.to_numpy()[later]})


class PieceRepeats:
    """The duplicate index of one piece, for :class:`csvtools.run.settle.Settler`.

    ``first_lines`` gives each kept row its own line, or, for a duplicate, the
    order of the number's first row (which is never the row's own line).
    """

    def __init__(self, repeats: pd.DataFrame, input_index: int) -> None:
        orders = repeats.index.to_numpy(dtype=np.int64)
        order = np.argsort(orders, kind="stable")
        self._orders, self._firsts = orders[order], repeats["first"].to_numpy(dtype=np.int64)[order]
        self._input_index = input_index

    def first_lines(self, keys: object, lines: np.ndarray) -> np.ndarray:
        """As :meth:`csvtools.run.dedupe.FirstLines.first_lines`, from the shuffle's decision."""
        first = lines.astype(np.int64, copy=True)
        if len(self._orders) and len(lines):
            orders = order_of(self._input_index, first)
            at = np.searchsorted(self._orders, orders).clip(max=len(self._orders) - 1)
            hit = self._orders[at] == orders
            first[hit] = self._firsts[at[hit]]
        return first
