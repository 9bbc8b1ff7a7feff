"""Judging a whole column at once: each distinct value once, the common shapes vectorized.

:func:`judge_column` is what a run's workers call, on Arrow arrays.
:func:`clean_chunk` is the same step as a pure function over a pandas
DataFrame, for callers who hold one (a script, ``dask.dataframe.map_partitions``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .by_country import MISMATCH_FIELD, judge_with_countries
from .reference import NumberResult, normalize_number
from .respell import extension_rows, formulas, put, respell_candidates, respelled, split_extensions
from .types import restrict_types
from .vectorized import VERDICT_FIELDS, FastVerdicts, Regions, judge_array

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["VERDICT_COLUMNS", "VERDICT_FIELDS", "clean_chunk", "judge_column"]

#: Columns of the frame :func:`clean_chunk` returns.
VERDICT_COLUMNS = ("contact_number", "reason", "detail", "region", "reading", "type")


def judge_column(
    values: pa.Array,
    region: str | None = None,
    level: str = "valid",
    countries: pa.Array | None = None,
    strict_region: bool = False,
) -> pa.Table:
    """The verdict on every value of an Arrow string array, one row each.

    The table's columns are :data:`VERDICT_FIELDS` (Arrow strings):
    ``number`` is the E.164 number (null when rejected), ``reason`` the
    reason code (null when kept). A null value is an empty cell.

    ``countries``, when given, holds each row's country cell (a country
    column): the row's national numbers are read in that country, ``region``
    serving rows whose cell is empty; the table then has one more column,
    :data:`~.by_country.MISMATCH_FIELD` (see :mod:`.by_country`), and
    ``strict_region`` rejects the mismatches.
    """
    values = _strings(values)
    if countries is None:
        return _judge_values(values, region, level)
    return judge_with_countries(values, _strings(countries), region, level, strict_region, _judge_values)


def _strings(values: pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.string())
    return values.fill_null("") if values.null_count else values


def _judge_values(values: pa.Array, region: str | None | Regions, level: str) -> pa.Table:
    encoded = values.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if isinstance(region, Regions):  # each distinct (value, region) once; hashed, cheaper than sorted
        keys = pa.array(codes * len(region.names) + region.index).dictionary_encode()
        pairs = keys.dictionary.to_numpy()
        codes = keys.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        uniques = encoded.dictionary.take(pa.array(pairs // len(region.names)))
        table, rows = _distinct_verdicts(uniques, Regions(region.names, pairs % len(region.names)), level)
    else:
        table, rows = _distinct_verdicts(encoded.dictionary, region, level)
    return table.take(pa.array(rows[codes.reshape(-1)]))  # one take of the table, not one per step


def clean_chunk(
    frame: pd.DataFrame,
    column: str,
    region: str | None = None,
    level: str = "valid",
    types: Iterable[str] | None = None,
    country_column: str | None = None,
    strict_region: bool = False,
) -> pd.DataFrame:
    """Judge the ``column`` of every record in ``frame``.

    Returns a frame with the same index and the :data:`VERDICT_COLUMNS` as
    Arrow-backed strings: ``contact_number`` is the E.164 number (missing when
    rejected), ``reason`` the reason code (missing when kept). Each distinct
    raw value is judged once: the common shapes by :mod:`.vectorized` for the
    whole array, the rest by :func:`.reference.normalize_number`, the reference.
    ``types`` (names of :data:`csvtools.options.NUMBER_TYPES`) rejects kept numbers
    of other types as ``disallowed_type``; None (the default) keeps every type.
    With ``country_column``, each row is read in the country it names (as
    :func:`judge_column`'s ``countries``) and the frame has a ``mismatch``
    column too.
    """
    import pandas as pd  # here: a run's workers judge Arrow arrays, and pandas costs 0.2 s to import

    values = frame[column]
    if country_column is not None:
        countries = pa.array(
            frame[country_column].astype(object).where(frame[country_column].notna(), None), type=pa.string()
        )
        verdicts = judge_column(_arrow(values), region, level, countries, strict_region)
    elif isinstance(values.array, (pd.arrays.ArrowStringArray, pd.arrays.ArrowExtensionArray)):
        verdicts = judge_column(pa.array(values.array), region, level)
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        verdicts = _judge_distinct(uniques, region, level).take(pa.array(codes))
    if types is not None:
        verdicts = restrict_types(verdicts, types)
    names = list(zip(VERDICT_COLUMNS, VERDICT_FIELDS))
    if MISMATCH_FIELD in verdicts.column_names:
        names.append((MISMATCH_FIELD, MISMATCH_FIELD))
    return pd.DataFrame(
        {
            name: pd.arrays.ArrowExtensionArray(verdicts.column(field).combine_chunks())
            for name, field in names
        },
        index=frame.index,
    )


def _arrow(values: pd.Series) -> pa.Array:
    import pandas as pd

    if isinstance(values.array, (pd.arrays.ArrowStringArray, pd.arrays.ArrowExtensionArray)):
        return pa.array(values.array)
    return pa.array(values.astype(object).where(values.notna(), None).map(_text), type=pa.string())


def _text(value: object) -> object:
    # The reference's reading of a non-string cell (a float from a reader that guessed types).
    return (
        value
        if value is None or isinstance(value, str)
        else (repr(value) if isinstance(value, float) else str(value))
    )


def _judge_distinct(uniques: pa.Array | np.ndarray, region: str | None, level: str) -> pa.Table:
    """One verdict row per distinct value: vectorized where it can be decided, else the reference."""
    table, rows = _distinct_verdicts(uniques, region, level)
    return table.take(pa.array(rows))


def _distinct_verdicts(
    uniques: pa.Array | np.ndarray, region: str | None | Regions, level: str
) -> tuple[pa.Table, np.ndarray]:
    """(verdict table, the row of it that is each distinct value's verdict)."""
    rows, table = _fast_verdicts(uniques, region, level)
    undecided = np.flatnonzero(rows < 0)
    if undecided.size:
        values = (
            uniques.take(pa.array(undecided)).to_pylist()
            if isinstance(uniques, pa.Array)
            else uniques[undecided]
        )
        regions = region.of(undecided) if isinstance(region, Regions) else [region] * len(values)
        results = [_normalize_cached(value, each, level) for value, each in zip(values, regions)]
        slow = pa.table(
            {
                name: pa.array([getattr(result, name) for result in results], type=pa.string())
                for name in VERDICT_FIELDS
            }
        )
        rows = rows.copy()
        rows[undecided] = len(table) + np.arange(undecided.size)
        table = pa.concat_tables([table, slow])
    return table, rows


def _fast_verdicts(
    uniques: pa.Array | np.ndarray, region: str | None | Regions, level: str
) -> tuple[np.ndarray, pa.Table]:
    """The vectorized path's (rows, table) for the distinct values, their spreadsheet spellings respelled."""
    text = _as_strings(uniques) if level == "valid" else None
    if text is None:
        fast = judge_array(uniques, region, level)
        return fast.rows, fast.table
    maybe = respell_candidates(text)
    if not maybe.size:
        fast = judge_array(text, region, level)
        return fast.rows, fast.table
    spelt = text.take(pa.array(maybe))
    candidates = respelled(spelt)
    changed = np.flatnonzero(pc.not_equal(spelt, candidates).to_numpy(zero_copy_only=False))
    if changed.size:  # most candidates (``tel:``, a dot in a name) keep their spelling
        text = put(text, maybe[changed], candidates.take(pa.array(changed)))
    # A number before an extension is judged without a region: with the values when they have none too.
    at, before, extension = split_extensions(candidates)
    joint = region is None and len(at) > 0
    fast = judge_array(pa.concat_arrays([text, before]) if joint else text, region, level)
    rows, table = fast.rows[: len(text)], fast.table
    if len(at):
        tail = FastVerdicts(fast.rows[len(text) :], table) if joint else judge_array(before, None, "valid")
        parsed = _parsed_by_fast_path(tail)
        at, extension = at[parsed], extension.filter(pa.array(parsed))
    found = [(at, extension_rows(extension)), *_formulas_without_region(candidates, maybe, region)]
    for at, verdicts in found:
        at = maybe[at]
        still_open = rows[at] < 0  # the vectorized path leaves these undecided; a verdict it gave stands
        if still_open.any():
            rows = rows.copy()
            rows[at[still_open]] = len(table) + np.arange(int(still_open.sum()))
            table = pa.concat_tables([table, verdicts.filter(pa.array(still_open))])
    return rows, table


def _formulas_without_region(
    candidates: pa.Array, maybe: np.ndarray, region: str | None | Regions
) -> list[tuple[np.ndarray, pa.Table]]:
    """:func:`.respell.formulas` among the candidates (at ``maybe``) that no region reads: a formula
    is not a number only there."""
    if isinstance(region, Regions):
        at, verdicts = formulas(candidates)
        without = np.array([each is None for each in region.of(maybe[at])], dtype=bool)
        return [(at[without], verdicts.filter(pa.array(without)))]
    return [formulas(candidates)] if region is None else []


def _as_strings(uniques: pa.Array | np.ndarray) -> pa.Array | None:
    """The values as an Arrow string array without nulls, or None when they are not all strings."""
    if isinstance(uniques, pa.Array):
        return uniques if pa.types.is_string(uniques.type) and not uniques.null_count else None
    if not all(isinstance(value, str) for value in uniques):
        return None
    return pa.array(uniques, type=pa.string())


def _parsed_by_fast_path(fast: FastVerdicts) -> np.ndarray:
    """Which numbers the vectorized path judged as phonenumbers would after parsing them: kept, or
    rejected by their length or range ("read as +…"), not refused before parsing."""
    kept = fast.column("number").is_valid()
    read = pc.starts_with(pc.fill_null(fast.column("detail"), ""), "read as +")
    return np.asarray(pc.or_(kept, read).to_numpy(zero_copy_only=False) & fast.decided)


@lru_cache(maxsize=1 << 16)
def _normalize_cached(value: object, region: str | None, level: str) -> NumberResult:
    # normalize_number is pure, so a cache only saves repeat work across chunks.
    return normalize_number(value, region, level)
