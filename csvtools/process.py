"""Settings for processes of our own (the command line and the worker pool's workers), never a caller's.

The library changes nothing process-wide in a caller's process; the
``csvtools`` command and its workers are set up for one batch run:

- numpy's OpenBLAS starts a busy-waiting thread per core as it loads. csvtools
  does no linear algebra, and on two cores that thread cost about 0.1 s of a
  2.3 s run; one thread is set before numpy loads.
- Loading pandas and pyarrow makes hundreds of thousands of objects, none of
  them garbage. Collecting while they load, and going through them all again
  at exit, cost about 0.15 s: they load with the collector off, then are frozen
  (and forked workers inherit that).
- Judging a chunk allocates and frees arrays of tens of megabytes. By default
  glibc and Arrow's allocator give that memory back after each chunk and fault
  it in again for the next: about a second of system time per million rows on
  the virtual machines we measured on. Freed memory is kept for reuse.
- Lists touching many countries overflow the ``re`` module's 512-pattern cache
  and phonenumbers recompiles its metadata patterns on every call
  (python-phonenumbers issue #108): its own pattern cache is switched on.
- phonenumbers handles some of its own exceptions inside ``parse`` and keeps
  one in a local variable (``sys.exc_info()``): a reference cycle through the
  frame that holds every calling frame, and so each piece's arrays, until the
  next full collection. Processes of ours collect after each piece, with the
  older objects frozen (about a millisecond), so a long run's memory stays flat.
- SIGTERM ends the command the way Ctrl-C does: it raises ``SystemExit`` in
  the main thread, so every temporary file is removed on the way out. Workers
  take the default action again and ask the kernel to kill them when their
  parent dies (``PR_SET_PDEATHSIG``): orphans would keep the parent's stdout
  and stderr open, and a caller waiting for their end would wait forever.
- pyarrow imports pandas (0.2-0.3 s) the first time it converts a Python
  list, only to ask whether it holds a pandas object: a command that did
  not load pandas itself answers that probe "no" (:func:`load_for_command`).
- ``csvtools --version`` and ``--help`` load none of that: the command marks
  its process with :func:`start_command`, and a command that runs loads its
  modules through :func:`load_for_command`, which does the set-up then.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = [
    "after_piece",
    "load_for_command",
    "loading_for_batch_run",
    "set_up_batch_process",
    "set_up_worker",
    "start_command",
]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_PR_SET_PDEATHSIG = 1
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit systems
_ours = False  # whether this process was set up here, and so may be tuned further
_command_set_up_pending = False  # the command line's process, not yet set up for its run


def start_command() -> None:
    """Mark this process as the command line's: the first :func:`load_for_command` sets it up."""
    global _command_set_up_pending
    _command_set_up_pending = True


def load_for_command(module: str, *, without_pandas: bool = False) -> ModuleType:
    """Import ``module``; in the command line's process the first one loads for a batch run.

    ``without_pandas`` says the command never hands pyarrow a pandas object,
    so pyarrow need not import pandas to ask (see :func:`_skip_pyarrows_pandas_probe`).
    Outside the command line (a library caller, a test's CliRunner) this is a
    plain import: the caller's process stays as it was.
    """
    global _command_set_up_pending
    if not _command_set_up_pending:
        return importlib.import_module(module)
    _command_set_up_pending = False
    with loading_for_batch_run():
        if without_pandas and "pandas" not in sys.modules:
            _skip_pyarrows_pandas_probe()
        loaded = importlib.import_module(module)
    set_up_batch_process()
    return loaded


def _skip_pyarrows_pandas_probe() -> None:
    """Spare a run without pandas its import (0.2-0.3 s): pyarrow imports it on its first
    ``pa.array`` to ask whether the input is a pandas object.

    The probe is answered "no pandas" once; pyarrow imports pandas again the
    moment a conversion really needs it (``to_pandas``, ``from_pandas``), but
    ``pa.array`` would then read a pandas Series as a plain sequence: only for
    a command that gives pyarrow no pandas objects (the default engine, and the Dask engine's
    client and forked workers).
    """
    import pyarrow as pa

    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([], type=pa.string())
        pa.scalar("")  # pyarrow's C++ side asks again when it infers a type
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    """An import finder that makes ``import pandas`` fail while it is installed."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas":
            raise ImportError("pandas is not imported for this run")


@contextmanager
def loading_for_batch_run() -> Iterator[None]:
    """Import the command's modules inside this: one BLAS thread, no collections, then frozen."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def set_up_batch_process() -> None:
    """Tune the command line's own process (after :func:`loading_for_batch_run`)."""
    global _ours
    _ours = True
    _keep_freed_memory()
    _cache_phonenumbers_patterns()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def set_up_worker() -> None:
    """The worker pool's initializer: a worker is always a process of ours."""
    global _ours
    _ours = True
    _die_with_parent()
    gc.freeze()
    _keep_freed_memory()
    _cache_phonenumbers_patterns()


def after_piece() -> None:
    """Free a worked piece's garbage at once, in a process of ours; nothing in a caller's process."""
    if _ours:
        gc.collect()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # Once: a second SIGTERM must not cut the clean-up of the first short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """A forked worker: SIGTERM's default action back, and killed by the kernel when its parent dies."""
    import ctypes
    import multiprocessing  # here, not at the top: `csvtools --help` does without it

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if sys.platform.startswith("linux"):
        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes, prctl.restype = [ctypes.c_int, ctypes.c_ulong], ctypes.c_int
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent.pid:  # the parent died before the request was made
        os._exit(1)


def _keep_freed_memory() -> None:
    """Serve Arrow and numpy from one allocator (the system's) and let glibc keep freed memory."""
    import ctypes

    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    try:
        # The running process's own symbols, libc's among them: find_library("c") would run ldconfig.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)


def _cache_phonenumbers_patterns() -> None:
    from phonenumbers import re_util

    if hasattr(re_util, "enable_pattern_cache"):
        re_util.enable_pattern_cache()
