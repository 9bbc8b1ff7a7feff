"""Output files that appear whole or not at all.

Each file is written to a temporary file beside its target and renamed over
it only when the whole run succeeded, so a failure never leaves half a file.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import OutputFileError

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["AtomicCsvWriter", "AtomicFile", "atomic_write_text"]


class AtomicFile:
    """A binary file written to a temporary file beside ``path`` until :meth:`commit`.

    The temporary file is made at once, so an output that cannot be written
    fails before any work is done. :meth:`finish` then :meth:`move` is
    :meth:`commit` in two steps, for a set of files committed together.
    """

    def __init__(self, path: str | os.PathLike) -> None:
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

    def write(self, data: bytes | memoryview) -> None:
        """Append bytes."""
        try:
            self._file.write(data)
        except OSError as exc:
            raise OutputFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def finish(self) -> None:
        """Close the temporary file and give it the usual permissions; it is not in place yet."""
        try:
            self._file.close()
            os.chmod(self._temporary, 0o666 & ~_umask())
        except OSError as exc:
            self.discard()
            raise OutputFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def move(self) -> None:
        """Move the finished temporary file into place."""
        try:
            os.replace(self._temporary, self.path)
        except OSError as exc:
            self.discard()
            raise OutputFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def commit(self) -> None:
        """Close the temporary file and move it into place."""
        self.finish()
        self.move()

    def discard(self) -> None:
        """Close and delete the temporary file; the target is left as it was."""
        self._file.close()
        try:
            os.unlink(self._temporary)
        except FileNotFoundError:
            pass


class AtomicCsvWriter(AtomicFile):
    """A UTF-8, comma-separated CSV written to a temporary file until :meth:`commit`.

    Rows are quoted as :func:`.lines.render_lines` quotes them. ``bom`` puts a
    UTF-8 byte order mark first (for files people open in spreadsheets).
    """

    def __init__(self, path: str | os.PathLike, header: Sequence[str], *, bom: bool = False) -> None:
        super().__init__(path)
        try:
            if bom:
                self.write(codecs.BOM_UTF8)
            self.write_columns([[name] for name in header])
        except BaseException:
            self.discard()
            raise

    def write_columns(self, columns: Sequence[Sequence[str] | pa.Array | np.ndarray]) -> None:
        """Write rows given as equal-length columns of strings."""
        from .lines import render_lines  # pyarrow: not loaded for a plain AtomicFile

        self.write_lines(render_lines(columns))

    def write_lines(self, lines: pa.Array) -> None:
        """Write rows already rendered by :func:`render_lines`."""
        from .._strings import string_buffers

        offsets, data = string_buffers(lines)
        # The lines lie end to end in the array's data buffer: write it as it is.
        self.write(data[offsets[0] : offsets[-1]].data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    target = AtomicFile(path)
    try:
        target.write(text.encode("utf-8"))
    except BaseException:
        target.discard()
        raise
    target.commit()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
