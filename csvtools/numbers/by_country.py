"""Judging a column whose rows each carry their own country (a country column).

Each row's national numbers are read in the row's country: the rows are
grouped by the region their country cell names (each distinct cell resolved
once), and the column is judged with each row's region. A cell that names no
country leaves an international number alone and rejects one that needs a
country (``unknown_country``). A kept number whose calling code is not the
row's country's is a *mismatch*: kept and listed, or rejected when strict.
Pure functions of their arguments, like the rest of this stage.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from .._strings import string_buffers
from .countries import calling_code, calling_code_of_number, country_name, resolve_country
from .reference import needs_country
from .vectorized import VERDICT_FIELDS, Regions

__all__ = ["MISMATCH_FIELD", "judge_with_countries"]

#: The extra column of the verdicts: why a kept number does not fit its row's country (null: it fits).
MISMATCH_FIELD = "mismatch"

_UNKNOWN = "?"  # the group of rows whose country cell names no country

JudgeValues = Callable[[pa.Array, "str | None | Regions", str], pa.Table]


def judge_with_countries(
    values: pa.Array,
    countries: pa.Array,
    region: str | None,
    level: str,
    strict_region: bool,
    judge: JudgeValues,
) -> pa.Table:
    """The verdicts on ``values`` (strings, no nulls), each read in its row's country.

    ``countries`` holds each row's country cell; an empty one falls back to
    ``region``. ``judge(values, regions, level)`` judges the values, each in
    its own region (a :class:`~.vectorized.Regions`). Returns
    :data:`VERDICT_FIELDS` plus :data:`MISMATCH_FIELD`.
    """
    cells = pc.utf8_trim_whitespace(countries.cast(pa.string()).fill_null(""))
    encoded = cells.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    labels = [(resolve_country(cell) or _UNKNOWN) if cell else (region or "") for cell in distinct]
    # Only a country the row's own cell names is checked against its numbers: --region is a default.
    named = [bool(cell) and label != _UNKNOWN for cell, label in zip(distinct, labels)]
    group_names = sorted(set(labels))
    group_of_cell = np.array([group_names.index(label) for label in labels], dtype=np.int64)
    cell_of_row = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    group_of_row = group_of_cell[cell_of_row] if len(cell_of_row) else np.zeros(0, dtype=np.int64)

    if not group_names:  # no rows
        return _check_regions(
            judge(values, region, level), [], cell_of_row, np.zeros(0, dtype=bool), strict_region
        )
    names = tuple(None if label in ("", _UNKNOWN) else label for label in group_names)
    table = judge(values, Regions(names, group_of_row), level)
    if _UNKNOWN in group_names:
        table = _reject_needing_country(table, values, cells, group_of_row == group_names.index(_UNKNOWN))
    row_named = np.array(named, dtype=bool)[cell_of_row] if len(cell_of_row) else np.zeros(0, dtype=bool)
    return _check_regions(table, labels, cell_of_row, row_named, strict_region)


def _reject_needing_country(
    verdicts: pa.Table, values: pa.Array, cells: pa.Array, unknown: np.ndarray
) -> pa.Table:
    """Rows whose country cell names no country (``unknown``): a number that needs a country is rejected."""
    at = np.flatnonzero(unknown)
    encoded = values.take(pa.array(at)).dictionary_encode()
    needs = np.array([needs_country(value) for value in encoded.dictionary.to_pylist()], dtype=bool)
    rejected = np.zeros(len(values), dtype=bool)
    rejected[at] = needs[encoded.indices.to_numpy(zero_copy_only=False)]
    if not rejected.any():
        return verdicts
    details = pc.binary_join_element_wise(
        "the country cell ", _quoted(cells), " names no country, and the number needs one", ""
    )
    return _rejected_where(verdicts, pa.array(rejected), reasons.UNKNOWN_COUNTRY, details)


def _rejected_where(verdicts: pa.Table, mask: pa.Array, reason: str, details: pa.Array) -> pa.Table:
    """``verdicts`` with the rows under ``mask`` rejected as ``reason``: every field but the reason and
    its detail (number, region, reading, type …) is null there."""
    rejection = {"reason": pa.scalar(reason), "detail": details}
    return pa.table(
        {
            name: pc.if_else(mask, rejection.get(name, pa.scalar(None, pa.string())), verdicts.column(name))
            for name in VERDICT_FIELDS
        }
    )


def _check_regions(
    table: pa.Table, labels: list[str], cell_of_row: np.ndarray, named: np.ndarray, strict: bool
) -> pa.Table:
    """Add :data:`MISMATCH_FIELD`: kept numbers whose calling code is not that of their row's named
    country (``labels[cell_of_row[i]]``, the region of row ``i``'s country cell)."""
    numbers = table.column("number").combine_chunks()
    candidates = np.flatnonzero(named & numbers.is_valid().to_numpy(zero_copy_only=False))
    mismatch = pa.nulls(len(numbers), pa.string())
    if candidates.size:
        mismatch = _mismatches(numbers, candidates, labels, cell_of_row)
    if strict and mismatch.null_count < len(mismatch):
        table = _rejected_where(table, mismatch.is_valid(), reasons.REGION_MISMATCH, mismatch)
        mismatch = pa.nulls(len(numbers), pa.string())
    return table.append_column(MISMATCH_FIELD, mismatch)


def _mismatches(
    numbers: pa.Array, candidates: np.ndarray, labels: list[str], cell_of_row: np.ndarray
) -> pa.Array:
    """Each row's mismatch detail (null: none) for the kept numbers at ``candidates``: each distinct
    pair of a number's first four characters ("+CCC") and its row's country read once, the pairs
    found as integers off the numbers' bytes."""
    offsets, data = string_buffers(numbers)
    start = offsets[candidates]
    # Every kept number is "+" and more than three digits.
    prefix = sum((data[start + place].astype(np.int64) - ord("0")) * 10 ** (3 - place) for place in (1, 2, 3))
    keys = prefix * len(labels) + cell_of_row[candidates]
    seen = np.zeros(1000 * len(labels), dtype=bool)
    seen[keys] = True
    distinct = np.flatnonzero(seen)
    which = np.zeros(len(seen), dtype=np.int64)
    which[distinct] = np.arange(distinct.size)
    details = [_mismatch_detail(f"+{key // len(labels):03d} {labels[key % len(labels)]}") for key in distinct]
    rows = np.full(len(numbers), -1, dtype=np.int64)
    rows[candidates] = which[keys]
    return pa.array(details, type=pa.string()).take(pa.array(rows, mask=rows < 0))


def _mismatch_detail(pair: str) -> str | None:
    """ "+CCC REGION" → the start of a mismatch's detail, or None when the codes agree."""
    start, region = pair.split(" ")
    number_code, row_code = calling_code_of_number(start), calling_code(region)
    if number_code == row_code:
        return None
    return (
        f"a number of +{number_code}, not of the row's country {region} ({country_name(region)}, +{row_code})"
    )


def _quoted(cells: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise("'", cells, "'", "")
