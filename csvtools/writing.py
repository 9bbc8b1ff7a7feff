"""Output files that appear whole or not at all.

Each file is written to a temporary file beside its target and renamed over
it only when the whole run succeeded, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import OutputFileError
from .strings import first_bytes, replaced, string_buffers

__all__ = ["AtomicCsvWriter", "atomic_write_text", "neutralize_formula", "neutralize_formulas", "render_lines"]

_ALWAYS_FORMULA = ("=", "@", "\t", "\r")
_SIGN = ("+", "-")
_NEEDS_QUOTES = r'[",\r\n]'
_QUOTE_BYTES = (b'"', b",", b"\r", b"\n")
_FORMULA_START_BYTES = np.zeros(256, dtype=bool)
_FORMULA_START_BYTES[list(b"=@\t\r+-")] = True
# Cells that may be formulas: neutralize_formula decides on these few exactly.
_FORMULA_CANDIDATE = r"^[=@\t\r]|^[+\-].*[^0-9 ().,/:;#*+\-]"
_FORMULA_HINT = re.compile(r'[^\W\d_]|[|!"&$=]')  # a letter, or a symbol formulas use


class AtomicCsvWriter:
    """A UTF-8, comma-separated CSV written to a temporary file until :meth:`commit`.

    A cell is quoted when it holds a comma, a quote or a line break, and its
    quotes are doubled (RFC 4180); nothing else is quoted.
    """

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
        self._file = open(descriptor, "wb")
        self.write_columns([[name] for name in header])

    def write_columns(self, columns: Sequence[Sequence[str] | pa.Array | np.ndarray]) -> None:
        """Write rows given as equal-length columns of strings."""
        self.write_lines(render_lines(columns))

    def write_lines(self, lines: pa.Array) -> None:
        """Write rows already rendered by :func:`render_lines`."""
        offsets, data = string_buffers(lines)
        try:
            # The lines lie end to end in the array's data buffer: write it as it is.
            self._file.write(memoryview(data[offsets[0]:offsets[-1]]))
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


def render_lines(columns: Sequence[Sequence[str] | pa.Array | np.ndarray]) -> pa.Array:
    """Equal-length columns of strings as CSV lines ending in a line feed, quoted as the writer quotes."""
    arrays = [_quoted(_as_strings(column)) for column in columns]
    if not len(arrays[0]):
        return pa.array([], type=pa.string())
    # The line feed goes onto the last cell: one column copied once more instead of the whole line.
    arrays[-1] = pc.binary_join_element_wise(arrays[-1], "\n", "")
    return pc.binary_join_element_wise(*arrays, ",")


def _as_strings(column: Sequence[str] | pa.Array | np.ndarray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if isinstance(column, pa.Array):
        return column.cast(pa.string())
    return pa.array(column, type=pa.string(), from_pandas=True)


def _quoted(column: pa.Array) -> pa.Array:
    offsets, data = string_buffers(column)
    raw = data[offsets[0]:offsets[-1]].tobytes()  # bytes.find is memchr: far quicker than any numpy pass
    if not any(raw.find(byte) >= 0 for byte in _QUOTE_BYTES):
        return column  # no quote, comma or line break anywhere in the column's bytes
    needs = pc.match_substring_regex(column, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return column
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, column)


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


def neutralize_formulas(column: pa.Array) -> pa.Array:
    """:func:`neutralize_formula` over a column; only cells with a formula start are looked at."""
    column = _as_strings(column)
    candidates = np.flatnonzero(_FORMULA_START_BYTES[first_bytes(column)])
    if candidates.size:
        candidates = candidates[pc.fill_null(pc.match_substring_regex(column.take(pa.array(candidates)),
                                                                      _FORMULA_CANDIDATE), False)
                                .to_numpy(zero_copy_only=False)]
    if not candidates.size:
        return column
    changed = [neutralize_formula(cell) for cell in column.take(pa.array(candidates)).to_pylist()]
    return replaced(column, candidates, pa.array(changed, type=pa.string()))


def neutralize_formula(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula.

    Only for files meant for people (the rejects CSV); never for the upload.
    A cell starting with ``+`` or ``-`` is touched only when it could call a
    function or a reference (letters or ``| ! " & $ =``), so phone numbers such
    as ``+44 20 7946 0000 ::: +44 ...`` stay as they were.
    """
    if cell.startswith(_ALWAYS_FORMULA):
        return "'" + cell
    if cell.startswith(_SIGN) and _FORMULA_HINT.search(cell):
        return "'" + cell
    return cell


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
