"""Every calling code's :class:`.ranges.CodeRanges`, built once per machine and kept in a cache file.

Building the tables of every code takes most of a CPU second (each pattern
read into ranges in Python); a run's worker processes would each pay it. So
the first judging call big enough to be worth it builds them all and writes
them to one file (a few hundred KB, written under a temporary name and moved
into place, so concurrent runs never see half of it), and every later process
loads that file in about a millisecond. The file's name carries the
``phonenumbers`` version and a digest of the code that builds the tables, so a
new metadata release or a changed builder makes a new file; a file that does
not load is built again.

Where: ``$CSVTOOLS_CACHE_DIR`` if set (set to an empty value, no file is
written and each process builds its own tables), else
``$XDG_CACHE_HOME/csvtools`` (``~/.cache/csvtools``). A directory that cannot
be written only costs the building again in the next process.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import phonenumbers

from .. import knobs
from .metadata import country_codes
from .ranges import CodeRanges, build_code_ranges

__all__ = ["RangeBook", "book_path", "range_book"]

_BUILT_BY = ("digit_language.py", "ranges.py", "metadata.py", "range_book.py")


@dataclass(frozen=True, eq=False)
class RangeBook:
    """The tables of many codes, each ``starts[bounds[i]:bounds[i + 1]]`` (and its labels) for ``codes[i]``."""

    codes: np.ndarray
    bounds: np.ndarray
    starts: np.ndarray
    labels: np.ndarray

    def table(self, country_code: int) -> CodeRanges | None:
        """The code's table, or None when it has none (:func:`.ranges.build_code_ranges`)."""
        at = int(np.searchsorted(self.codes, country_code))
        if at == len(self.codes) or self.codes[at] != country_code:
            return None
        low, high = int(self.bounds[at]), int(self.bounds[at + 1])
        return CodeRanges(self.starts[low:high], self.labels[low:high])

    @classmethod
    def build(cls) -> RangeBook:
        """Every geographic code's table, from the installed ``phonenumbers``' metadata."""
        tables = {code: build_code_ranges(code) for code in sorted(country_codes())}
        kept = [(code, table) for code, table in tables.items() if table is not None]
        sizes = [len(table.starts) for _, table in kept]
        return cls(
            np.array([code for code, _ in kept], dtype=np.int64),
            np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
            np.concatenate([table.starts for _, table in kept]).astype(np.int64),
            np.concatenate([table.labels for _, table in kept]).astype(np.int16),
        )


_held: list[RangeBook] = []  # this process's book, once loaded or built


def range_book(numbers: int) -> RangeBook | None:
    """The book, loaded from its file or (for a call of at least ``knobs.RANGES_WORTH_BUILDING``
    ``numbers``) built and saved; None when a small call would have to build it (the patterns decide
    then, sooner)."""
    if _held:
        return _held[0]
    path = book_path()
    book = _load(path) if path is not None else None
    if book is None:
        if numbers < knobs.RANGES_WORTH_BUILDING:
            return None
        book = RangeBook.build()
        if path is not None:
            _save(book, path)
    _held.append(book)
    return book


def book_path() -> Path | None:
    """Where this ``phonenumbers`` and this builder keep their book (None: no file, see above)."""
    directory = os.environ.get("CSVTOOLS_CACHE_DIR")
    if directory is None:
        cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        directory = os.path.join(cache_home, "csvtools")
    if not directory:
        return None
    return Path(directory) / f"number-ranges-{phonenumbers.__version__}-{_builder_digest()}.npz"


def _builder_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _BUILT_BY:
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # installed without its sources: the version alone names the file
            digest.update(name.encode())
    return digest.hexdigest()[:16]


def _load(path: Path) -> RangeBook | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            book = RangeBook(stored["codes"], stored["bounds"], stored["starts"], stored["labels"])
    except Exception:  # missing, unreadable, truncated or not ours: built again
        return None
    if (
        len(book.bounds) != len(book.codes) + 1
        or book.bounds[-1] != len(book.starts)
        or len(book.starts) != len(book.labels)
    ):
        return None
    return book


def _save(book: RangeBook, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".partial")
    except OSError:
        return
    try:
        with open(descriptor, "wb") as handle:
            np.savez(handle, codes=book.codes, bounds=book.bounds, starts=book.starts, labels=book.labels)
        os.replace(partial, path)
    except OSError:
        try:
            os.unlink(partial)
        except OSError:
            pass
