"""Standard input and pipes as a file: spooled to a temporary file, so reading can seek and read again."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

__all__ = ["STDIN", "is_stream", "spooled"]

#: The FILE argument that means standard input (a file named ``-`` is ``./-``).
STDIN = "-"


def is_stream(path: str) -> bool:
    """Whether ``path`` is read as a stream: ``-``, or a pipe or socket (``/dev/stdin`` under ``cat f |``)."""
    if path == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@contextmanager
def spooled(stream: BinaryIO) -> Iterator[str]:
    """The path of a temporary file (in ``TMPDIR``) holding all of ``stream``; deleted on exit.

    The block reader seeks, and duplicates are read again from the file, so
    a stream is copied to disk first rather than read once.
    """
    descriptor, path = tempfile.mkstemp(prefix="csvtools-stdin-", suffix=".csv")
    try:
        with open(descriptor, "wb") as spool:
            shutil.copyfileobj(stream, spool, 1 << 20)
        yield path
    finally:
        os.unlink(path)
