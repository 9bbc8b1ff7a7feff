"""The raw bytes of Arrow string arrays, for byte-level checks with numpy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["first_bytes", "is_utf8", "replaced", "string_buffers", "values_at"]


def string_buffers(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets as int64, data as uint8) of a string or binary array: value ``i`` is
    ``data[offsets[i]:offsets[i + 1]]`` (empty for a null)."""
    _, offset_buffer, data_buffer = strings.buffers()
    large = pa.types.is_large_string(strings.type) or pa.types.is_large_binary(strings.type)
    width = np.int64 if large else np.int32
    offsets = np.frombuffer(offset_buffer, dtype=width)[strings.offset : strings.offset + len(strings) + 1]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    )
    return offsets.astype(np.int64), data


def values_at(offsets: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The value each of the sorted byte ``positions`` is in (``offsets`` as :func:`string_buffers` gives)."""
    low, high = int(offsets[0]), int(offsets[-1])
    if len(positions) * 20 < high - low:  # a binary search each is cheaper for a few
        return np.searchsorted(offsets, positions, side="right") - 1
    # Many: each byte's value written out is cheaper than a cache-missing binary search each.
    each_byte = np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))
    return each_byte[positions - low]


def first_bytes(strings: pa.Array) -> np.ndarray:
    """The first byte of every value (0 for an empty value or a null)."""
    offsets, data = string_buffers(strings)
    first = np.zeros(len(strings), dtype=np.uint8)
    nonempty = offsets[1:] > offsets[:-1]
    first[nonempty] = data[offsets[:-1][nonempty]]
    if strings.null_count:
        first[strings.is_null().to_numpy(zero_copy_only=False)] = 0
    return first


def is_utf8(data: bytes | memoryview) -> bool:
    """Whether ``data`` is valid UTF-8, by Arrow's vectorized validator (several times quicker
    than decoding it in Python, and no string is built)."""
    offsets = np.array([0, len(data)], dtype=np.int64)
    wrapped = pa.Array.from_buffers(pa.large_binary(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    try:
        wrapped.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def replaced(strings: pa.Array, at: np.ndarray, values: pa.Array) -> pa.Array:
    """``strings`` with the values at positions ``at`` swapped for ``values``."""
    if not len(at):
        return strings
    # Append the new values and take each row from its new place: one copy, no Python loop.
    index = np.arange(len(strings))
    index[at] = len(strings) + np.arange(len(at))
    return pa.concat_arrays([strings, values]).take(pa.array(index))
