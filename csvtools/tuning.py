"""Allocator settings for batch runs in processes of our own: the CLI and its worker pool.

Judging a chunk allocates and frees arrays of tens of megabytes. By default
glibc and Arrow's allocator give that memory back to the system after each
chunk and fault it in again for the next; on the virtual machines we measured
on, that cost about a second of system time per million rows, more than a
third of the whole run. Keeping freed memory for reuse changes no result and
does not raise the peak: the next chunk reuses the same memory.
"""

from __future__ import annotations

import ctypes

import pyarrow as pa

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit systems


def keep_freed_memory() -> None:
    """Serve Arrow and numpy from one allocator (the system's) and let glibc keep freed memory.

    Process-wide; meant for the command line and the worker processes, not
    for a library caller's process. Where there is no glibc, only the
    Arrow part applies.
    """
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        # The running process's own symbols, libc's among them: find_library("c") would run ldconfig.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
