"""Suppression lists (do-not-call lists): their numbers, read like any input, and the scrub record.

A list is a CSV (its phone column found like an input's) or a plain list of
numbers, one a line, in any spelling csvtools reads, under the run's
``region`` and ``level``. A plain list is read line by line, not as quoted CSV,
and its first line is a header only when it names a column; every other line
is a number or is counted ``unreadable``. Its numbers go into a :class:`.dedupe.FirstLines`
(number → the list's line), so that a list of millions stays in flat memory
(the index continues on disk). Settling (:mod:`.settle`) checks each kept
number against every list before the duplicate check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .. import knobs, reasons
from ..columns import find_phone_column
from ..errors import ColumnError, CsvToolsError, InputFileError
from ..io.records import Chunk
from ..io.source import CsvSource
from ..numbers.reference import normalize_number
from ..options import Options
from .dedupe import FirstLines, NumberKeys
from .pool import WorkPlan, auto_workers, work, worked_pieces
from .render import RenderedChunk

__all__ = ["SuppressionList", "SuppressionLists"]


@dataclass
class SuppressionList:
    """One list: what the scrub record says of it, and its numbers (``index``: number → line)."""

    path: str
    sha256: str
    index: FirstLines
    rows: int = 0
    unreadable: int = 0
    removed: int = 0

    @property
    def numbers(self) -> int:
        """How many distinct numbers the list holds."""
        return len(self.index)

    def record(self, checked_at: str) -> dict:
        """The scrub record of this list for a run checked at ``checked_at`` (UTC, ISO 8601)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "numbers": self.numbers,
            "rows": self.rows,
            "unreadable": self.unreadable,
            "removed": self.removed,
            "checked_at": checked_at,
        }


@dataclass
class SuppressionLists:
    """Every suppression list of a run, in the order given; close it to delete the indexes' files."""

    lists: list[SuppressionList] = field(default_factory=list)

    @classmethod
    def load(cls, paths: Sequence[str], options: Options) -> SuppressionLists:
        """Read each list at ``paths`` with the run's region and level; a list that cannot be read raises."""
        loaded = cls()
        try:
            for path in paths:
                loaded.lists.append(_load(path, options))
        except BaseException:
            loaded.close()
            raise
        return loaded

    def __bool__(self) -> bool:
        return bool(self.lists)

    def __enter__(self) -> SuppressionLists:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        for each in self.lists:
            each.index.close()

    def find(self, keys: NumberKeys) -> tuple[np.ndarray, np.ndarray]:
        """(which list, -1 for none; the list's line) for each number: the first list that holds it wins."""
        which = np.full(len(keys.keys), -1, dtype=np.int64)
        lines = np.full(len(keys.keys), -1, dtype=np.int64)
        for at, each in enumerate(self.lists):
            found = each.index.lines_of(keys)
            new = (which < 0) & (found >= 0)
            which[new], lines[new] = at, found[new]
        return which, lines

    def names(self) -> pa.Array:
        """Each list's path, as given, in order."""
        return pa.array([each.path for each in self.lists], type=pa.string())

    def count_removed(self, which: np.ndarray) -> None:
        """Count the rows removed by each list (``which``: list positions of removed rows)."""
        for at, count in zip(*np.unique(which, return_counts=True)):
            self.lists[int(at)].removed += int(count)

    def records(self, checked_at: str) -> list[dict]:
        """The scrub record: one dict per list."""
        return [each.record(checked_at) for each in self.lists]


def _load(path: str, options: Options) -> SuppressionList:
    try:
        digest = _sha256(path)
        with CsvSource(path) as source:
            loaded = SuppressionList(path, digest, FirstLines())
            try:
                _read_numbers(source, options, loaded)
            except BaseException:
                loaded.index.close()
                raise
    except OSError as exc:
        raise InputFileError(f"suppression list {path}: {exc.strerror or exc}") from None
    except CsvToolsError as exc:
        raise type(exc)(f"suppression list {path}: {exc}") from None
    return loaded


def _read_numbers(source: CsvSource, options: Options, loaded: SuppressionList) -> None:
    if len(source.header) == 1:
        _read_plain_list(source, options, loaded)
        return
    try:
        phone_at = find_phone_column(source.header)
    except ColumnError as exc:
        raise ColumnError(f"{exc} (a suppression list has one number a line, or a phone column)") from None
    plan = WorkPlan(phone_at, options.region, options.level, with_text=False)
    for rendered, _ in worked_pieces(source, plan, options.workers or auto_workers(source.path)):
        for chunk in rendered:
            _record(loaded, chunk)


def _read_plain_list(source: CsvSource, options: Options, loaded: SuppressionList) -> None:
    """Read a list of one number a line, line by line: a stray quote spoils its own line only.

    Its first line is a header only when it names a column (:func:`_names_a_column`);
    any other first line is a number, read or counted unreadable like the rest.
    """
    plan = WorkPlan(0, options.region, options.level, with_text=False)
    lines: list[int] = []
    values: list[str] = []
    first = True
    for line, text in source.text_lines():
        value = text.strip().strip('"').strip()
        if not value:
            continue
        if not (first and _names_a_column(value, options)):
            lines.append(line)
            values.append(value)
        first = False
        if len(lines) >= knobs.CHUNK_ROWS:
            _judge_lines(lines, values, plan, loaded)
            lines, values = [], []
    if lines:
        _judge_lines(lines, values, plan, loaded)


def _names_a_column(value: str, options: Options) -> bool:
    """Whether a list's first line is a column's name: words, not a number of any shape (read or not)."""
    verdict = normalize_number(value, options.region, options.level)
    return verdict.reason == reasons.NOT_A_NUMBER and any(char.isalpha() for char in value)


def _judge_lines(lines: list[int], values: list[str], plan: WorkPlan, loaded: SuppressionList) -> None:
    chunk = Chunk(np.array(lines, dtype=np.int64), [pa.array(values, type=pa.string())])
    for rendered in work(chunk, plan):
        _record(loaded, rendered)


def _record(loaded: SuppressionList, chunk: RenderedChunk) -> None:
    loaded.index.first_lines(chunk.kept_keys, chunk.kept_lines)
    loaded.rows += chunk.records
    loaded.unreadable += chunk.rejected.num_rows


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
