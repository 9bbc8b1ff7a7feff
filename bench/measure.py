"""Timing and memory of whole processes, for the benchmark scripts."""

from __future__ import annotations

import os
import subprocess
import time

#: The environment the measured processes run in: bytecode caching on, as in an installed package
#: (where PYTHONDONTWRITEBYTECODE is set, ``python -m csvtools`` from a checkout recompiles every run).
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _finished(command: list[str], returncode: int, stderr: bytes) -> None:
    if returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr.decode(errors='replace')}")


def timed(command: list[str]) -> float:
    """Wall seconds of ``command``, with nothing else of ours running beside it."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV)
    seconds = time.perf_counter() - started
    _finished(command, done.returncode, done.stderr)
    return seconds


def sampled(command: list[str], every: float = 0.05) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, peak PSS MB) of ``command``'s whole process tree, sampled every ``every`` s.

    RSS counts the pages forked workers share with their parent once per
    process; PSS (where the OS reports it) shares them out, so the two bound
    what the run holds.
    """
    import psutil

    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV)
    peak_rss = peak_pss = 0
    while process.poll() is None:
        rss = pss = 0
        try:
            for member in [process, *process.children(recursive=True)]:
                rss_now, pss_now = _resident(member)
                rss, pss = rss + rss_now, pss + pss_now
        except psutil.Error:
            pass
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(every)
    seconds = time.perf_counter() - started
    _finished(command, process.returncode, process.stderr.read())
    return seconds, peak_rss / 2**20, peak_pss / 2**20


def _resident(process) -> tuple[int, int]:
    import psutil

    try:
        info = process.memory_full_info()
        return info.rss, getattr(info, "pss", info.rss)
    except (AttributeError, OSError, psutil.AccessDenied):
        rss = process.memory_info().rss
        return rss, rss


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
