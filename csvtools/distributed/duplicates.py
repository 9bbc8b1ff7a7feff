"""Duplicates across every input, decided by the cluster: a shuffle on the number, then back by piece.

Every kept row is one ``(number, long, order)`` row (:func:`.pieces.duplicate_keys`),
the number as its int64 key, where sorting by ``order`` sorts by (input, line).
Each piece's rows are split into buckets by a hash of the number, so that
every row of a number meets in one bucket task, where its least order is its
first occurrence; the later rows are the duplicates, each with the order of
its first. Each bucket splits its duplicates by the pieces' first orders and
each piece gathers its share from every bucket: two rounds of plain tasks on
numpy arrays. No key passes through the client.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from .inputs import order_of

__all__ = ["REPEATS_META", "PieceRepeats", "repeats_by_piece"]

#: The duplicates of one piece: indexed by the row's order, ``first`` the order of the number's first row.
REPEATS_META = pd.DataFrame(
    {"first": pd.Series([], dtype=np.int64)}, index=pd.Index([], dtype=np.int64, name="order")
)
#: At most this many buckets: each piece sends a share to every bucket, so the shuffle's tasks grow as
#: pieces x buckets; 64 keeps a run of a billion rows at about 15M a bucket.
MAX_BUCKETS = 64
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a number's digits spread evenly over the buckets


def repeats_by_piece(client, keys: list, bounds: list[int]) -> list:
    """One future of a :data:`REPEATS_META` frame per piece, from the pieces' key frames (futures).

    ``bounds`` are the pieces' first orders, then one past the last order of all.
    """
    buckets = min(len(keys), MAX_BUCKETS)
    split = [client.submit(_bucketed, frame, buckets, pure=False) for frame in keys]
    decided = [
        client.submit(
            _decided,
            [client.submit(operator.getitem, parts, bucket, pure=False) for parts in split],
            bounds,
            pure=False,
        )
        for bucket in range(buckets)
    ]
    return [
        client.submit(
            _gathered,
            [client.submit(operator.getitem, parts, piece, pure=False) for parts in decided],
            pure=False,
        )
        for piece in range(len(bounds) - 1)
    ]


def _bucketed(frame: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """``frame``'s rows in ``buckets`` frames by their number (a long number's in the first), in their order."""
    numbers = frame["number"].to_numpy(dtype=np.int64)
    bucket = ((numbers.astype(np.uint64) * _MIX) >> np.uint64(32)) % np.uint64(buckets)
    bucket[numbers < 0] = 0
    order = np.argsort(bucket, kind="stable")
    cuts = np.searchsorted(bucket[order], np.arange(1, buckets, dtype=np.uint64))
    return [frame.iloc[at] for at in np.split(order, cuts)]


def _decided(parts: list[pd.DataFrame], bounds: list[int]) -> list[pd.DataFrame]:
    """One bucket's duplicates, split by the piece that holds each (``bounds`` as :func:`repeats_by_piece`)."""
    repeats = _repeats(pd.concat(parts, ignore_index=True))
    order = np.argsort(repeats["order"].to_numpy(), kind="stable")
    orders, firsts = repeats["order"].to_numpy()[order], repeats["first"].to_numpy()[order]
    cuts = np.searchsorted(orders, np.asarray(bounds[1:-1], dtype=np.int64))
    return [
        pd.DataFrame({"first": first}, index=pd.Index(at, name="order"))
        for at, first in zip(np.split(orders, cuts), np.split(firsts, cuts))
    ]


def _gathered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One piece's duplicates from every bucket."""
    return pd.concat(parts) if parts else REPEATS_META.copy()


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
