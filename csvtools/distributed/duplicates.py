"""Duplicates across every input, decided by the cluster: a shuffle on the number, then back by piece.

Every kept row is its number's int64 key and its order key (:class:`Keys`),
where sorting by order sorts by (input, line). Each piece's rows are split
into buckets by a hash of the number, so that every row of a number meets in
one bucket task, where its least order is its first occurrence; the later
rows are the duplicates, each with the order of its first. Each bucket splits
its duplicates by the pieces' first orders and each part's task gathers its
piece's share from every bucket: one round of plain tasks on numpy arrays
between the pieces and the parts. No key passes through the client.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..run.dedupe import fibonacci_hash
from ..run.render import RenderedChunk
from .inputs import InputFile, order_of

__all__ = [
    "Keys",
    "PieceRepeats",
    "Repeats",
    "bucket_count",
    "bucketed_keys",
    "piece_keys",
    "piece_repeats",
    "repeats_by_piece",
    "shuffled",
]

#: Duplicates, in order: each row's order key, and the order key of its number's first row.
Repeats = tuple[np.ndarray, np.ndarray]
#: At most this many buckets: each piece sends a share to every bucket, so the shuffle's tasks grow as
#: pieces x buckets; 64 keeps a run of a billion rows at about 15M a bucket.
MAX_BUCKETS = 64
#: Up to this many pieces (at :data:`csvtools.knobs.BLOCK_BYTES` each, about 8M rows), the shuffle
#: passes whole lists rather than a task per share (:func:`shuffled`).
WHOLE_SHARES_MAX_PIECES = 64


@dataclass(frozen=True, eq=False)  # arrays have no equality or hash to give
class Keys:
    """Kept rows for the shuffle, in order: ``numbers`` their int64 keys (the digits,
    :func:`csvtools.run.dedupe.number_keys`: integers hash and sort at a fraction of the
    cost of strings) at ``orders`` (:func:`.inputs.order_of`); numbers too long for a key
    (only with level "possible") apart, spelt in ``long_numbers`` at ``long_orders``.

    Plain arrays travel between workers as they are, with no frame around them.
    """

    numbers: np.ndarray
    orders: np.ndarray
    long_numbers: pa.Array
    long_orders: np.ndarray

    @classmethod
    def joined(cls, parts: Sequence[Keys]) -> Keys:
        """The rows of ``parts``, one after the other."""
        return cls(
            np.concatenate([np.zeros(0, dtype=np.int64), *(part.numbers for part in parts)]),
            np.concatenate([np.zeros(0, dtype=np.int64), *(part.orders for part in parts)]),
            pa.concat_arrays([pa.array([], type=pa.string()), *(part.long_numbers for part in parts)]),
            np.concatenate([np.zeros(0, dtype=np.int64), *(part.long_orders for part in parts)]),
        )


def _size_of_keys(keys: Keys) -> int:
    """What a :class:`Keys` holds, for the scheduler's placement and the workers' memory accounting
    (Dask would count an unknown object as a few dozen bytes)."""
    return keys.numbers.nbytes + keys.orders.nbytes + keys.long_numbers.nbytes + keys.long_orders.nbytes


try:  # registered wherever this module loads: the client, and every worker that runs its tasks
    from dask.sizeof import sizeof

    sizeof.register(Keys)(_size_of_keys)
except ImportError:  # the engine itself says that dask is missing
    pass


def piece_keys(rendered: list[RenderedChunk], item: InputFile) -> Keys:
    """A worked piece's kept rows as :class:`Keys`."""
    parts = []
    for chunk in rendered:
        keys = chunk.kept_keys.keys.astype(np.int64, copy=False)
        orders = order_of(item.index, chunk.kept_lines.astype(np.int64))
        long = np.flatnonzero(keys < 0)
        if not long.size:
            parts.append(Keys(keys, orders, pa.array([], type=pa.string()), orders[:0]))
            continue
        short = keys >= 0
        parts.append(Keys(keys[short], orders[short], chunk.kept_keys.numbers(long), orders[long]))
    return Keys.joined(parts)


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
    fetches every bucket's split of its pieces' keys and every bucket's decision
    (the run's duplicates, once a worker), but the run sends no task per
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


def piece_repeats(shares: list, piece: int) -> Repeats:
    """One piece's duplicates from every bucket: each share is a bucket's whole decision (a list by
    piece) or this piece's part of it."""
    pairs = [share[piece] if isinstance(share, list) else share for share in shares]
    return (
        np.concatenate([np.zeros(0, dtype=np.int64), *(orders for orders, _ in pairs)]),
        np.concatenate([np.zeros(0, dtype=np.int64), *(firsts for _, firsts in pairs)]),
    )


def _share(client, parts, at: int):
    return client.submit(operator.getitem, parts, at, pure=False)


def bucket_count(pieces: int, threads: int | None) -> int:
    """Buckets for ``pieces`` pieces: two per worker thread, or one per eight pieces when there are more,
    at most :data:`MAX_BUCKETS`. A few suffice to keep every thread busy, and beyond
    :data:`WHOLE_SHARES_MAX_PIECES` pieces each bucket costs two small tasks per piece (:func:`shuffled`)."""
    wanted = pieces if threads is None else max(2 * threads, pieces // 8)
    return max(1, min(pieces, wanted, MAX_BUCKETS))


def bucketed_keys(rendered: list[RenderedChunk], item: InputFile, buckets: int) -> list[Keys]:
    """A piece's kept rows (:func:`piece_keys`) in ``buckets`` parts by their number."""
    return _bucketed(piece_keys(rendered, item), buckets)


def _bucketed(keys: Keys, buckets: int) -> list[Keys]:
    """``keys`` in ``buckets`` parts by their number (the long numbers in the first), in their order."""
    bucket = (fibonacci_hash(keys.numbers, 32) % np.uint64(buckets)).astype(np.uint8)
    order = np.argsort(bucket, kind="stable")  # a radix sort on bytes
    cuts = np.searchsorted(bucket[order], np.arange(1, buckets, dtype=np.uint8))
    no_long = keys.long_numbers[:0], keys.long_orders[:0]
    return [
        Keys(
            keys.numbers[at], keys.orders[at], *((keys.long_numbers, keys.long_orders) if not b else no_long)
        )
        for b, at in enumerate(np.split(order, cuts))
    ]


def _decided(parts: list, bounds: list[int], bucket: int | None = None) -> list[Repeats]:
    """One bucket's duplicates, split by the piece that holds each (``bounds`` as :func:`repeats_by_piece`).

    ``parts`` are the bucket's :class:`Keys` from each piece, or (with ``bucket``) each piece's whole split.
    """
    if bucket is not None:
        parts = [split[bucket] for split in parts]
    orders, firsts = _repeats(Keys.joined(parts))
    order = np.argsort(orders, kind="stable")
    orders, firsts = orders[order], firsts[order]
    cuts = np.searchsorted(orders, np.asarray(bounds[1:-1], dtype=np.int64))
    return list(zip(np.split(orders, cuts), np.split(firsts, cuts)))


def _repeats(keys: Keys) -> Repeats:
    """The rows of ``keys`` whose number has a row of a lesser order, each with that least order."""
    later, first = _later_of_keys(keys.numbers, keys.orders)
    if not len(keys.long_orders):
        return later, first
    # Numbers too long for an int64 key (rare: level "possible" only), by their spelling.
    long_later, long_first = _later_of_keys(keys.long_numbers, keys.long_orders)
    return np.concatenate([later, long_later]), np.concatenate([first, long_first])


def _later_of_keys(keys: np.ndarray | pa.Array, orders: np.ndarray) -> Repeats:
    """The orders of the rows whose key (an integer, or a spelling) has a row of a lesser order, and
    that least order: one sort by key (numpy's vectorized quicksort for integers), then each run of
    equal keys' least order."""
    if not len(orders):
        return orders, orders
    if isinstance(keys, np.ndarray):
        by_key = np.argsort(keys)
        sorted_keys = keys[by_key]
        starts = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
    else:
        by_key = pc.sort_indices(keys).to_numpy()
        spelt = keys.take(pa.array(by_key))
        starts = np.concatenate(([True], pc.not_equal(spelt[1:], spelt[:-1]).to_numpy(zero_copy_only=False)))
    orders = orders[by_key]
    least = np.minimum.reduceat(orders, np.flatnonzero(starts))[np.cumsum(starts) - 1]
    later = orders != least
    return orders[later], least[later]


class PieceRepeats:
    """The duplicate index of one piece, for :class:`csvtools.run.settle.Settler`.

    ``first_lines`` gives each kept row its own line, or, for a duplicate, the
    order of the number's first row (which is never the row's own line).
    """

    def __init__(self, repeats: Repeats, input_index: int) -> None:
        orders, firsts = repeats
        order = np.argsort(orders, kind="stable")
        self._orders, self._firsts = orders[order], firsts[order]
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
