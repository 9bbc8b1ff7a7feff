"""Sorted runs of numbers and their first lines, kept in temporary files.

Finding duplicates across a whole file means remembering every number kept so
far. In memory that grows with the file, so the duplicate index
(:class:`.dedupe.FirstLines`) moves each run that reaches a fixed size
here. Runs on disk are merged like a binary counter, so that a lookup searches
only a few of them however long the file. Lookups and merges read a segment at
a time into small buffers: plain reads rather than ``mmap``, because mapped
pages would count as the process's own memory.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field

import numpy as np

from .. import knobs
from ..errors import OutputFileError

__all__ = ["SpilledRuns", "merge_runs", "merges_next"]

_KEY = np.dtype(np.int64)


@dataclass
class _Run:
    """One sorted run in a file of its own: ``size`` keys from offset 0, then their lines."""

    file: io.FileIO
    size: int
    line_type: np.dtype
    # Each segment's first and last key, to skip segments no wanted key is in: gathered piece by
    # piece while the run is written, one array each once it is complete.
    firsts: list[np.ndarray] = field(default_factory=list)
    lasts: list[np.ndarray] = field(default_factory=list)


class SpilledRuns:
    """Sorted runs of int64 keys with their lines, no key in two runs, in temporary files."""

    def __init__(self, segment: int | None = None) -> None:
        self._segment = segment or knobs.SPILL_SEGMENT
        self._runs: list[_Run] = []

    def __len__(self) -> int:
        return sum(run.size for run in self._runs)

    def __bool__(self) -> bool:
        return bool(self._runs)

    @property
    def runs(self) -> int:
        """How many runs a lookup searches (a few: they merge as they grow)."""
        return len(self._runs)

    def add(self, keys: np.ndarray, lines: np.ndarray) -> None:
        """Store a run: ``keys`` sorted and in no earlier run, ``lines`` beside them."""
        run = self._new_run(len(keys), lines.dtype)
        self._write(run, 0, keys, lines)
        self._runs.append(run)
        while len(self._runs) > 1 and merges_next(self._runs[-2].size, self._runs[-1].size):
            older, newer = self._runs[-2:]
            self._runs[-2:] = [self._merged(older, newer)]
            older.file.close()  # a temporary file: closing deletes it
            newer.file.close()

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The line of each key (sorted, distinct) found in a run, -1 for the others."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if not len(keys):
            return found
        for run in self._runs:
            starts = np.searchsorted(keys, run.firsts[0])
            stops = np.searchsorted(keys, run.lasts[0], side="right")
            for index in np.flatnonzero(stops > starts):
                start, stop = int(starts[index]), int(stops[index])
                run_keys = self._read_keys(run, int(index) * self._segment)
                wanted = keys[start:stop]
                at = np.searchsorted(run_keys, wanted)  # every wanted key lies within the segment's keys
                hit = run_keys[at] == wanted
                if hit.any():
                    found[start:stop][hit] = self._read_lines(run, int(index) * self._segment)[at[hit]]
        return found

    def close(self) -> None:
        """Delete the temporary files."""
        for run in self._runs:
            run.file.close()
        self._runs.clear()

    def _merged(self, left: _Run, right: _Run) -> _Run:
        """One run from two, a segment of each at a time."""
        line_type = np.promote_types(left.line_type, right.line_type)
        merged = self._new_run(left.size + right.size, line_type)
        pending = [_Pending(self, left), _Pending(self, right)]
        written = 0
        while any(part.keys.size or part.more for part in pending):
            for part in pending:
                part.refill()
            live = [part for part in pending if part.keys.size]
            # Everything up to the smaller of the two last keys read is complete.
            bound = min(part.keys[-1] for part in live)
            taken = [part.take_through(bound) for part in live]
            keys, lines = merge_runs(*taken[0], *taken[1]) if len(taken) > 1 else taken[0]
            self._write(merged, written, keys, lines)
            written += len(keys)
        return merged

    def _new_run(self, size: int, line_type: np.dtype) -> _Run:
        try:
            return _Run(
                tempfile.TemporaryFile(prefix="csvtools-numbers-", buffering=0), size, np.dtype(line_type)
            )
        except OSError as exc:
            raise _spill_error(exc) from None

    def _write(self, run: _Run, at: int, keys: np.ndarray, lines: np.ndarray) -> None:
        """Write keys and lines at positions ``at`` onward, and note the segment bounds among them."""
        step = self._segment
        run.firsts.append(keys[-at % step :: step].copy())  # positions at + i that start a segment
        ends = np.arange((-at - 1) % step, len(keys), step)
        complete = at + len(keys) == run.size
        if complete and (not len(ends) or ends[-1] != len(keys) - 1):
            ends = np.append(ends, len(keys) - 1)  # the run's last segment may be short
        run.lasts.append(keys[ends])
        if complete:
            run.firsts, run.lasts = [np.concatenate(run.firsts)], [np.concatenate(run.lasts)]
        try:
            for offset, array in (
                (at * _KEY.itemsize, keys),
                (
                    run.size * _KEY.itemsize + at * run.line_type.itemsize,
                    lines.astype(run.line_type, copy=False),
                ),
            ):
                run.file.seek(offset)
                view = np.ascontiguousarray(array).data.cast("B")
                while view:
                    view = view[run.file.write(view) :]
        except OSError as exc:
            raise _spill_error(exc) from None

    def _read_keys(self, run: _Run, at: int) -> np.ndarray:
        return self._read(run, at * _KEY.itemsize, _KEY, min(self._segment, run.size - at))

    def _read_lines(self, run: _Run, at: int) -> np.ndarray:
        offset = run.size * _KEY.itemsize + at * run.line_type.itemsize
        return self._read(run, offset, run.line_type, min(self._segment, run.size - at))

    def _read(self, run: _Run, offset: int, dtype: np.dtype, count: int) -> np.ndarray:
        array = np.empty(count, dtype=dtype)
        view = array.data.cast("B")
        try:
            run.file.seek(offset)
            while view:
                read = run.file.readinto(view)
                if not read:
                    raise OSError("a temporary file ended early")
                view = view[read:]
        except OSError as exc:
            raise _spill_error(exc) from None
        return array


def merges_next(older: int, newer: int) -> bool:
    """The binary-counter rule of both indexes: the newest run merges into the one before it
    while that one is at most twice its size, so runs stay few and of growing sizes."""
    return older <= 2 * newer


def merge_runs(
    left_keys: np.ndarray, left_lines: np.ndarray, right_keys: np.ndarray, right_lines: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs with no key in common as one sorted run (lines promoted to the wider type).

    numpy's stable sort is a timsort: on two sorted runs laid end to end it does a
    single merge pass, faster than merging by hand with index arithmetic."""
    keys = np.concatenate([left_keys, right_keys])
    order = np.argsort(keys, kind="stable")
    return keys[order], np.concatenate([left_lines, right_lines])[order]


class _Pending:
    """The part of a run a merge has read but not yet written."""

    def __init__(self, owner: SpilledRuns, run: _Run) -> None:
        self._owner, self._run = owner, run
        self._next = 0
        self.keys = np.empty(0, dtype=_KEY)
        self.lines = np.empty(0, dtype=run.line_type)

    @property
    def more(self) -> bool:
        return self._next < self._run.size

    def refill(self) -> None:
        if not self.keys.size and self.more:
            self.keys = self._owner._read_keys(self._run, self._next)
            self.lines = self._owner._read_lines(self._run, self._next)
            self._next += len(self.keys)

    def take_through(self, bound: np.int64) -> tuple[np.ndarray, np.ndarray]:
        cut = int(np.searchsorted(self.keys, bound, side="right"))
        taken = self.keys[:cut], self.lines[:cut]
        self.keys, self.lines = self.keys[cut:], self.lines[cut:]
        return taken


def _spill_error(exc: OSError) -> OutputFileError:
    return OutputFileError(
        f"cannot keep the index of numbers already seen in {tempfile.gettempdir()}: "
        f"{exc.strerror or exc} (set TMPDIR to a directory with room)"
    )
