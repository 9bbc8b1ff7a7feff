"""Duplicates across every input, decided by the cluster: a shuffle on the number, then back by piece.

Every kept row is one ``(number, long, order)`` row (:func:`.pieces.duplicate_keys`),
the number as its int64 key, where sorting by ``order`` sorts by (input, line). A Dask shuffle on
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
    numbers = frame["number"].to_numpy(dtype=np.int64)
    orders = frame["order"].to_numpy(dtype=np.int64)
    short = numbers >= 0
    later, first = _later_of_keys(numbers[short], orders[short])
    if short.all():
        return pd.DataFrame({"order": later, "first": first})
    # Numbers too long for an int64 key (rare: level "possible" only), grouped by their spelling.
    long = frame[~short]
    firsts = long.groupby("long", sort=False, observed=True)["order"].transform("min").to_numpy()
    repeated = long["order"].to_numpy() != firsts
    return pd.DataFrame(
        {
            "order": np.concatenate([later, long["order"].to_numpy()[repeated]]),
            "first": np.concatenate([first, firsts[repeated]]),
        }
    )


def _later_of_keys(keys: np.ndarray, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The orders of the rows whose key has a row of a lesser order, and that least order: one sort."""
    by_key = np.lexsort((orders, keys))
    keys, orders = keys[by_key], orders[by_key]
    starts = np.concatenate(([True], keys[1:] != keys[:-1])) if len(keys) else np.zeros(0, dtype=bool)
    least = orders[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    return orders[~starts], least[~starts]


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
