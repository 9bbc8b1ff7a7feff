"""The per-chunk cleaning step: a pure function over a pandas DataFrame.

It depends on nothing but its arguments, so the same call runs inline, in a
process pool, or as ``dask.dataframe.map_partitions``. Cross-chunk work
(duplicates, counting, writing) belongs to the caller.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .phone import NumberResult, normalize_number

__all__ = ["VERDICT_COLUMNS", "clean_chunk"]

#: Columns of the frame :func:`clean_chunk` returns.
VERDICT_COLUMNS = ("contact_number", "reason", "detail", "region", "reading")


def clean_chunk(frame: pd.DataFrame, column: str, region: str | None = None, level: str = "valid") -> pd.DataFrame:
    """Judge the ``column`` of every record in ``frame``.

    Returns a frame with the same index and the :data:`VERDICT_COLUMNS`:
    ``contact_number`` is the E.164 number (None when rejected), ``reason``
    the reason code (None when kept). Each distinct raw value is parsed once.
    """
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
    results = [_normalize_cached(value, region, level) for value in uniques]
    columns = {
        name: np.array([getattr(result, attribute) for result in results], dtype=object)[codes]
        for name, attribute in zip(VERDICT_COLUMNS, ("number", "reason", "detail", "region", "reading"))
    }
    # dtype=object keeps None as None; an inferred string dtype would turn it into NaN.
    return pd.DataFrame(columns, index=frame.index, dtype=object)


@lru_cache(maxsize=1 << 16)
def _normalize_cached(value: object, region: str | None, level: str) -> NumberResult:
    # normalize_number is pure, so a cache only saves repeat work across chunks.
    return normalize_number(value, region, level)
