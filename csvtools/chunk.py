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

from .fastpath import VERDICT_FIELDS, judge_array
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
    codes, uniques = _factorize(frame[column])
    fast = judge_array(uniques, region, level)
    rows, table = fast.rows, fast.table
    undecided = np.flatnonzero(rows < 0)
    if undecided.size:
        values = uniques.take(pa.array(undecided)).to_pylist() if isinstance(uniques, pa.Array) else uniques[undecided]
        results = [_normalize_cached(value, region, level) for value in values]
        slow = pa.table({name: pa.array([getattr(result, name) for result in results], type=pa.string())
                         for name in VERDICT_FIELDS})
        rows = rows.copy()
        rows[undecided] = len(table) + np.arange(undecided.size)
        table = pa.concat_tables([table, slow])
    # Arrow-backed columns: cheap to send between processes, and writers take them as they are.
    verdicts = table.take(pa.array(rows[codes]))
    return pd.DataFrame(
        {name: pd.arrays.ArrowExtensionArray(verdicts.column(field).combine_chunks())
         for name, field in zip(VERDICT_COLUMNS, VERDICT_FIELDS)},
        index=frame.index,
    )


def _factorize(values: pd.Series) -> tuple[np.ndarray, pa.Array | np.ndarray]:
    """(code of each row, distinct values): Arrow-native for Arrow string columns, else pandas."""
    array = values.array
    if isinstance(array, (pd.arrays.ArrowStringArray, pd.arrays.ArrowExtensionArray)):
        arrow = pa.array(array)
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        if pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type):
            encoded = arrow.dictionary_encode()
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            if encoded.null_count == 0:
                return codes.astype(np.int64, copy=False), encoded.dictionary
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, uniques


@lru_cache(maxsize=1 << 16)
def _normalize_cached(value: object, region: str | None, level: str) -> NumberResult:
    # normalize_number is pure, so a cache only saves repeat work across chunks.
    return normalize_number(value, region, level)
