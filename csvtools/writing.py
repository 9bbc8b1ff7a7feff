"""Output files that appear whole or not at all.

Each file is written to a temporary file beside its target and renamed over
it only when the whole run succeeded, so a failure never leaves half a file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence

from .errors import OutputFileError

__all__ = ["AtomicCsvWriter", "atomic_write_text", "neutralize_formula"]

_ALWAYS_FORMULA = ("=", "@", "\t", "\r")
_SIGN = ("+", "-")
_FORMULA_SYMBOLS = set('|!"&$=')


class AtomicCsvWriter:
    """A UTF-8, comma-separated CSV written to a temporary file until :meth:`commit`."""

    def __init__(self, path: str | os.PathLike, header: Sequence[str]) -> None:
        self.path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            if os.path.isdir(self.path):
                raise OutputFileError(f"cannot write {self.path}: it is a directory")
            descriptor, self._temporary = tempfile.mkstemp(
                dir=directory, prefix=f".{os.path.basename(self.path)}.", suffix=".part"
            )
        except FileNotFoundError:
            raise OutputFileError(f"cannot write {self.path}: no such directory {directory}") from None
        except OSError as exc:
            raise OutputFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._file = open(descriptor, "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self.writerows([header])

    def writerows(self, rows: Iterable[Sequence[object]]) -> None:
        try:
            self._writer.writerows(rows)
        except OSError as exc:
            raise OutputFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def commit(self) -> None:
        """Close the temporary file and move it into place."""
        try:
            self._file.close()
            os.chmod(self._temporary, 0o666 & ~_umask())
            os.replace(self._temporary, self.path)
        except OSError as exc:
            self.discard()
            raise OutputFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def discard(self) -> None:
        """Close and delete the temporary file; the target is left as it was."""
        self._file.close()
        try:
            os.unlink(self._temporary)
        except FileNotFoundError:
            pass


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".part")
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def neutralize_formula(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula.

    Only for files meant for people (the rejects CSV); never for the upload.
    A cell starting with ``+`` or ``-`` is touched only when it could call a
    function or a reference (letters or ``| ! " & $ =``), so phone numbers such
    as ``+44 20 7946 0000 ::: +44 ...`` stay as they were.
    """
    if cell.startswith(_ALWAYS_FORMULA):
        return "'" + cell
    if cell.startswith(_SIGN) and any(c.isalpha() or c in _FORMULA_SYMBOLS for c in cell):
        return "'" + cell
    return cell


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
