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
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", suffix=".part", dir=directory
        )
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


def check_output(path: str | os.PathLike, what: str, inputs: tuple[str | os.PathLike, ...] = ()) -> None:
    """Fail now, before any upload, if ``path`` cannot be written or would replace one of ``inputs``.

    ``what`` names the output in the message (``results``, ``clean file`` …).
    """
    target = os.fspath(path)
    for source in inputs:
        if _same_file(target, os.fspath(source)):
            raise ConfigError(
                f"the {what} {target} would replace the input {os.fspath(source)}; "
                "an output never replaces its input (use --out-dir or another name)"
            )
    if os.path.isdir(target):
        raise ConfigError(f"cannot write the {what} {target}: it is a directory")
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        why = "is not a directory" if os.path.exists(directory) else "does not exist"
        raise ConfigError(f"cannot write the {what} {target}: {directory} {why}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write the {what} {target}: {directory} is not writable")


def _same_file(first: str, second: str) -> bool:
    if os.path.exists(first) and os.path.exists(second):
        return os.path.samefile(first, second)
    return os.path.realpath(first) == os.path.realpath(second)
