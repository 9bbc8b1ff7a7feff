"""The one naming rule for output files, shared by ``csvtools clean`` and ``uploader run``."""

from __future__ import annotations

import os

__all__ = ["output_paths", "rejects_path_for"]

_CLEAN = ".clean"


def rejects_path_for(clean_path: str | os.PathLike) -> str:
    """Where the rejects go when none is named: ``out.csv`` → ``out.rejects.csv``.

    A ``.clean`` before the extension gives way: ``x.clean.csv`` → ``x.rejects.csv``.
    """
    root, extension = os.path.splitext(os.fspath(clean_path))
    return f"{_without_clean(root)}.rejects{extension or '.csv'}"


def output_paths(source: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> tuple[str, str]:
    """The clean and rejects files for ``source`` (beside it, or in ``out_dir``): ``x.clean.csv``, ``x.rejects.csv``.

    A source that is itself a clean file (``x.clean.csv``) gives ``x.clean.csv``
    again, never ``x.clean.clean.csv``; callers must then choose another
    ``out_dir`` or name, since an output never replaces its input.
    """
    source = os.fspath(source)
    directory = os.fspath(out_dir) if out_dir is not None else os.path.dirname(source)
    stem = _without_clean(os.path.splitext(os.path.basename(source))[0])
    return os.path.join(directory, f"{stem}{_CLEAN}.csv"), os.path.join(directory, f"{stem}.rejects.csv")


def _without_clean(root: str) -> str:
    return root[: -len(_CLEAN)] if root.endswith(_CLEAN) else root
