"""The first line of every kept number, in little memory, for duplicate detection.

Numbers are kept as fixed-width bytes in sorted runs (about 32 bytes a
number, against roughly ten times that for a Python dict of strings), merged
like a binary counter so that there are never more than a few dozen runs.
This is the only state of a run that grows with the file.
"""

from __future__ import annotations

import numpy as np

_WIDTH = "S24"  # "+" and up to 20 digits, with room to spare


class FirstLines:
    """Map E.164 numbers to the line where each was first kept."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs)

    def lookup(self, numbers: np.ndarray) -> np.ndarray:
        """The first line of each number, or -1 where it was not seen before."""
        keys = np.asarray(numbers, dtype=_WIDTH)
        found = np.full(len(keys), -1, dtype=np.int64)
        for run_keys, run_lines in self._runs:
            at = np.searchsorted(run_keys, keys).clip(max=len(run_keys) - 1)
            hit = run_keys[at] == keys
            found[hit] = run_lines[at[hit]]
        return found

    def add(self, numbers: np.ndarray, lines: np.ndarray) -> None:
        """Record numbers not seen before (each once) with their lines."""
        if not len(numbers):
            return
        keys = np.asarray(numbers, dtype=_WIDTH)
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], np.asarray(lines, dtype=np.int64)[order]))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (left_keys, left_lines), (right_keys, right_lines) = self._runs[-2], self._runs[-1]
            keys = np.concatenate([left_keys, right_keys])
            lines = np.concatenate([left_lines, right_lines])
            order = np.argsort(keys, kind="stable")
            self._runs[-2:] = [(keys[order], lines[order])]
