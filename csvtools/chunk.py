"""The per-chunk cleaning step: a pure function over a pandas DataFrame.

It depends on nothing but its arguments, so the same call runs inline, in a
process pool, or as ``dask.dataframe.map_partitions``. Cross-chunk work
(duplicates, counting, writing) belongs to the caller.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from .fastpath import judge_array
from .phone import NumberResult, normalize_number

__all__ = ["VERDICT_COLUMNS", "clean_chunk"]

#: Columns of the frame :func:`clean_chunk` returns.
VERDICT_COLUMNS = ("contact_number", "reason", "detail", "region", "reading")


def clean_chunk(frame: pd.DataFrame, column: str, region: str | None = None, level: str = "valid") -> pd.DataFrame:
    """Judge the ``column`` of every record in ``frame``.

    Returns a frame with the same index and the :data:`VERDICT_COLUMNS` as
    Arrow-backed strings: ``contact_number`` is the E.164 number (missing when
    rejected), ``reason`` the reason code (missing when kept). Each distinct raw value is judged once:
    the common shapes by :mod:`csvtools.fastpath` for the whole array, the rest
    by :func:`csvtools.phone.normalize_number`, the reference.
    """
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
    fast = judge_array(uniques, region, level)
    per_unique = [fast.number, fast.reason, fast.detail, fast.region, fast.reading]
    for position in np.flatnonzero(~fast.decided):
        result = _normalize_cached(uniques[position], region, level)
        for array, value in zip(per_unique, (result.number, result.reason, result.detail, result.region,
                                             result.reading)):
            array[position] = value
    # Arrow-backed columns: cheap to send between processes, and writers take them as they are.
    rows = pa.array(codes)
    columns = {
        name: pd.arrays.ArrowExtensionArray(pa.array(array, type=pa.string()).take(rows))
        for name, array in zip(VERDICT_COLUMNS, per_unique)
    }
    return pd.DataFrame(columns, index=frame.index)


@lru_cache(maxsize=1 << 16)
def _normalize_cached(value: object, region: str | None, level: str) -> NumberResult:
    # normalize_number is pure, so a cache only saves repeat work across chunks.
    return normalize_number(value, region, level)
