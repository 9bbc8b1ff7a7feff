"""Checks made before a run reads anything: an output never replaces its input, another output or a device."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence

from ..errors import OutputFileError

__all__ = ["check_output_paths"]


def check_output_paths(source: str | None, outputs: Sequence[tuple[str, str | None]]) -> None:
    """Refuse, with :class:`OutputFileError`, outputs that would destroy data.

    ``outputs`` are ``(what, path)`` pairs such as ``("clean", "c.csv")``
    (a None path is skipped). Two of the input and the outputs must not be
    the same file (by resolved path, and by :func:`os.path.samefile` where
    both exist: hard links, bind mounts), and an output that exists must be a
    regular file: ``os.replace`` over a device node or a FIFO would replace
    the node itself.
    """
    named = [("input", source)] if source is not None else []
    named += [(what, os.fspath(path)) for what, path in outputs if path is not None]
    for at, (what, path) in enumerate(named):
        if what != "input":
            _refuse_special(what, path)
        for other, other_path in named[:at]:
            if _same_file(path, other_path):
                raise OutputFileError(
                    f"the {what} file {path} is the same file as the {other} file {other_path}"
                )


def _refuse_special(what: str, path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # absent (or unreachable): writing it will say what is wrong
    if stat.S_ISDIR(mode):
        raise OutputFileError(f"cannot write {path}: it is a directory")
    if not stat.S_ISREG(mode):
        raise OutputFileError(f"cannot write the {what} file {path}: it exists and is not a regular file")


def _same_file(one: str, other: str) -> bool:
    if os.path.realpath(one) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False
