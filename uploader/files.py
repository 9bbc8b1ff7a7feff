"""The files the uploader writes itself (the results file): whole, or not at all."""

from __future__ import annotations

import os
import tempfile

from .errors import ConfigError


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it, then rename it into place.

    A reader never sees half a file, and a failure leaves what was there.
    Raises :class:`ConfigError` naming the path when it cannot be written.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give what a plain open would
        os.replace(temporary, target)
    except OSError as exc:
        os.unlink(temporary)
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
