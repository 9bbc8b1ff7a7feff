"""The run stage on a Dask cluster: many CSV and Parquet files cleaned as one run.

This is :mod:`csvtools.run` spread over a cluster, not a second cleaner: each
file is read by :class:`csvtools.io.source.CsvSource` (so physical lines,
quoted line breaks and malformed rows are found exactly as on one machine),
each piece is judged and rendered by :func:`csvtools.run.pool.work`, and each
part is settled by :class:`csvtools.run.settle.Settler`. What changes is the
step that needs every file: duplicates are decided by a Dask shuffle on the
number (:mod:`.duplicates`), first occurrence in (input order, file, line).

    >>> from csvtools.distributed import clean_files
    >>> report = clean_files(["crm/*.csv", "lake/contacts.parquet"], "out", region="IN")

Dask and distributed are an extra: ``pip install 'contact-batch-tools[dask]'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import ClusterError, DaskMissingError, clean_files

__all__ = ["ClusterError", "DaskMissingError", "clean_files"]


def __getattr__(name: str) -> object:
    # Importing this package needs no Dask; calling clean_files does (and says so when it is missing).
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
