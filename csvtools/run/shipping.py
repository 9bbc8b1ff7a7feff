"""A worked piece's results from a worker to the main process through a temporary file, not a pipe.

A pool returns results pickled through a pipe: the main process reads them 64 KB
at a time and copies them twice more before unpickling, about 0.12 CPU-s per
100 MB (a million rows), in the one process that settles the pieces in turn.
Pickled with protocol 5 instead, the Arrow and numpy buffers are written apart
from the small pickle, to a file the main process reads with one call into one
aligned buffer, and the arrays are rebuilt on that buffer without a copy.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..errors import OutputFileError

__all__ = ["Shipped", "receive", "ship"]

_ALIGN = 64  # Arrow's alignment: each buffer starts at a multiple of it in the file


@dataclass(frozen=True)
class Shipped:
    """Where a result waits: the file, the pickle's length, then each buffer's offset and length."""

    path: str
    pickled: int
    buffers: tuple[tuple[int, int], ...]
    size: int


def ship(result: object, directory: str | None) -> object:
    """Write ``result`` to a new file in ``directory`` and return its :class:`Shipped`;
    ``result`` itself when there is no directory or the file cannot be written."""
    if directory is None:
        return result
    buffers: list[pickle.PickleBuffer] = []
    pickled = pickle.dumps(result, protocol=5, buffer_callback=buffers.append)
    places, at, end = [], _aligned(len(pickled)), len(pickled)
    views = [buffer.raw() for buffer in buffers]
    for view in views:
        places.append((at, view.nbytes))
        end = at + view.nbytes
        at = _aligned(end)
    try:
        descriptor, path = tempfile.mkstemp(dir=directory, suffix=".piece")
    except OSError:
        return result
    try:
        with open(descriptor, "wb", buffering=0) as handle:
            _write_at(handle, 0, memoryview(pickled))
            for (offset, _), view in zip(places, views):
                _write_at(handle, offset, view)
            handle.truncate(end)  # as long as the last buffer's end, also when that buffer is empty
    except OSError:  # no room: the pipe still works
        _remove(path)
        return result
    return Shipped(path, len(pickled), tuple(places), end)


def receive(shipped: object) -> object:
    """The result a worker shipped (read and deleted), or ``shipped`` itself when it came by the pipe."""
    if not isinstance(shipped, Shipped):
        return shipped
    memory = np.empty(shipped.size + _ALIGN, dtype=np.uint8)
    start = -memory.ctypes.data % _ALIGN
    data = memory[start : start + shipped.size]
    try:
        with open(shipped.path, "rb", buffering=0) as handle:
            view = data.data.cast("B")
            while view:
                read = handle.readinto(view)
                if not read:
                    raise OSError("the file ended early")
                view = view[read:]
    except OSError as exc:
        raise OutputFileError(
            f"cannot read a worked piece back from {shipped.path}: {exc.strerror or exc}"
        ) from None
    finally:
        _remove(shipped.path)
    whole = data.data.cast("B")
    return pickle.loads(
        whole[: shipped.pickled], buffers=[whole[offset : offset + size] for offset, size in shipped.buffers]
    )


def _write_at(handle: BinaryIO, offset: int, view: memoryview) -> None:
    handle.seek(offset)
    view = view.cast("B")
    while view:
        view = view[handle.write(view) :]


def _aligned(at: int) -> int:
    return -(-at // _ALIGN) * _ALIGN


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
