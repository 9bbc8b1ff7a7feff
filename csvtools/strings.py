"""The raw bytes of Arrow string arrays, for byte-level checks with numpy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["first_bytes", "string_buffers"]


def string_buffers(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets as int64, data as uint8) of a string array: value ``i`` is
    ``data[offsets[i]:offsets[i + 1]]`` (empty for a null)."""
    _, offset_buffer, data_buffer = strings.buffers()
    width = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(offset_buffer, dtype=width)[strings.offset:strings.offset + len(strings) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    return offsets.astype(np.int64), data


def first_bytes(strings: pa.Array) -> np.ndarray:
    """The first byte of every value (0 for an empty value or a null)."""
    offsets, data = string_buffers(strings)
    first = np.zeros(len(strings), dtype=np.uint8)
    nonempty = offsets[1:] > offsets[:-1]
    first[nonempty] = data[offsets[:-1][nonempty]]
    if strings.null_count:
        first[strings.is_null().to_numpy(zero_copy_only=False)] = 0
    return first
