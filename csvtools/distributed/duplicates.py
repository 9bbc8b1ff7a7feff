"""Duplicates across every input, decided by the cluster: a shuffle on the number, then back by piece.

Every kept row is one ``(number, long, order)`` row (:func:`.pieces.duplicate_keys`),
the number as its int64 key, where sorting by ``order`` sorts by (input, line).
Each piece's rows are split into buckets by a hash of the number, so that
every row of a number meets in one bucket task, where its least order is its
first occurrence; the later rows are the duplicates, each with the order of
its first. Each bucket splits its duplicates by the pieces' first orders and
each part's task gathers its piece's share from every bucket: one round of
plain tasks on numpy arrays between the pieces and the parts. No key passes
through the client.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from ..run.render import RenderedChunk
from .inputs import InputFile, order_of
from .pieces import duplicate_keys

__all__ = [
    "REPEATS_META",
    "PieceRepeats",
    "bucket_count",
    "bucketed_keys",
    "piece_repeats",
    "repeats_by_piece",
    "shuffled",
]

#: The duplicates of one piece: indexed by the row's order, ``first`` the order of the number's first row.
REPEATS_META = pd.DataFrame(
    {"first": pd.Series([], dtype=np.int64)}, index=pd.Index([], dtype=np.int64, name="order")
)
#: At most this many buckets: each piece sends a share to every bucket, so the shuffle's tasks grow as
#: pieces x buckets; 64 keeps a run of a billion rows at about 15M a bucket.
MAX_BUCKETS = 64
#: Up to this many pieces (at :data:`csvtools.knobs.BLOCK_BYTES` each, about 8M rows), the shuffle
#: passes whole lists rather than a task per share (:func:`shuffled`).
WHOLE_SHARES_MAX_PIECES = 64
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a number's digits spread evenly over the buckets


def repeats_by_piece(client, pieces: list, bounds: list[int], threads: int | None = None) -> list[list]:
    """For each piece, the futures its part's task joins into its duplicates (:func:`piece_repeats`).

    ``pieces`` are (input, future of rendered chunks) in order; ``bounds`` their
    first orders, then one past the last order of all; ``threads`` the cluster's
    worker threads (None: as many buckets as pieces).
    """
    buckets = bucket_count(len(pieces), threads)
    split = [client.submit(bucketed_keys, rendered, item, buckets, pure=False) for item, rendered in pieces]
    return shuffled(client, split, buckets, bounds)


def shuffled(client, split: list, buckets: int, bounds: list[int]) -> list[list]:
    """The duplicates decided by bucket from the pieces' keys split into ``buckets`` (futures of lists), as
    :func:`repeats_by_piece` returns them.

    Up to :data:`WHOLE_SHARES_MAX_PIECES` pieces, each bucket's task takes every
    piece's whole split and each part every bucket's whole decision: a worker
    fetches a little more than its share, but the run sends no task per
    (piece, bucket), which cost more than the copies. Beyond, a small task picks
    each share, so that what a worker fetches does not grow with the run.
    """
    pieces = len(bounds) - 1
    if pieces <= WHOLE_SHARES_MAX_PIECES:
        decided = [client.submit(_decided, split, bounds, bucket, pure=False) for bucket in range(buckets)]
        return [decided] * pieces
    decided = [
        client.submit(_decided, [_share(client, parts, bucket) for parts in split], bounds, pure=False)
        for bucket in range(buckets)
    ]
    return [[_share(client, parts, piece) for parts in decided] for piece in range(pieces)]


def piece_repeats(shares: list, piece: int) -> pd.DataFrame:
    """One piece's duplicates (a :data:`REPEATS_META` frame) from every bucket: each share is a bucket's
    whole decision (a list by piece) or this piece's part of it."""
    frames = [share[piece] if isinstance(share, list) else share for share in shares]
    return pd.concat(frames) if frames else REPEATS_META.copy()


def _share(client, parts, at: int):
    return client.submit(operator.getitem, parts, at, pure=False)


def bucket_count(pieces: int, threads: int | None) -> int:
    """Buckets for ``pieces`` pieces: two per worker thread, or one per eight pieces when there are more,
    at most :data:`MAX_BUCKETS`. Each bucket costs two small tasks per piece, and a few suffice to keep
    every thread busy (a 4M-row run on 2 threads: 30 pieces, 240 tasks with 4 buckets, 1,800 with 30)."""
    wanted = pieces if threads is None else max(2 * threads, pieces // 8)
    return max(1, min(pieces, wanted, MAX_BUCKETS))


def bucketed_keys(rendered: list[RenderedChunk], item: InputFile, buckets: int) -> list[pd.DataFrame]:
    """A piece's kept rows (:func:`.pieces.duplicate_keys`) in ``buckets`` frames by their number."""
    return _bucketed(duplicate_keys(rendered, item), buckets)


def _bucketed(frame: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """``frame``'s rows in ``buckets`` frames by their number (a long number's in the first), in their order."""
    numbers = frame["number"].to_numpy(dtype=np.int64)
    bucket = ((numbers.astype(np.uint64) * _MIX) >> np.uint64(32)) % np.uint64(buckets)
    bucket[numbers < 0] = 0
    order = np.argsort(bucket, kind="stable")
    cuts = np.searchsorted(bucket[order], np.arange(1, buckets, dtype=np.uint64))
    return [frame.iloc[at] for at in np.split(order, cuts)]


def _decided(parts: list, bounds: list[int], bucket: int | None = None) -> list[pd.DataFrame]:
    """One bucket's duplicates, split by the piece that holds each (``bounds`` as :func:`repeats_by_piece`).

    ``parts`` are the bucket's frame from each piece, or (with ``bucket``) each piece's whole split.
    """
    if bucket is not None:
        parts = [split[bucket] for split in parts]
    repeats = _repeats(pd.concat(parts, ignore_index=True))
    order = np.argsort(repeats["order"].to_numpy(), kind="stable")
    orders, firsts = repeats["order"].to_numpy()[order], repeats["first"].to_numpy()[order]
    cuts = np.searchsorted(orders, np.asarray(bounds[1:-1], dtype=np.int64))
    return [
        pd.DataFrame({"first": first}, index=pd.Index(at, name="order"))
        for at, first in zip(np.split(orders, cuts), np.split(firsts, cuts))
    ]


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
    """The orders of the rows whose key has a row of a lesser order, and that least order.

    One pass of a hash table (``pd.factorize``, half the time of sorting by key
    and order) over the rows in order: a bucket's rows come in order already.
    """
    if len(orders) > 1 and (orders[1:] < orders[:-1]).any():
        by_order = np.argsort(orders, kind="stable")
        keys, orders = keys[by_order], orders[by_order]
    codes, _ = pd.factorize(keys)  # numbered in order of first appearance
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    later = ~first
    return orders[later], orders[first][codes[later]]


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
