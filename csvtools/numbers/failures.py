"""The text columns of the vectorized path's verdicts: "+CC" prefixes, and the reason and detail of a
number rejected for its length or range, built for the rejected rows only."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .metadata import country_rules
from .patterns import possibility_of
from .reference import NATIONAL_HINT, length_reason

__all__ = ["code_prefixes", "failure_details", "length_failures"]


def code_prefixes(codes: np.ndarray, present: np.ndarray) -> pa.Array:
    """ "+CC" for each row of ``codes`` (sorted), null where not ``present``."""
    new = np.concatenate(([True], codes[1:] != codes[:-1])) if len(codes) else np.zeros(0, dtype=bool)
    return pa.array([f"+{code}" for code in codes[new]], type=pa.string()).take(
        pa.array(np.cumsum(new) - 1, mask=~present)
    )


def failure_details(
    codes: np.ndarray,
    national: pa.Array,
    failed: np.ndarray,
    valid: np.ndarray,
    tails: pa.Array,
    hinted: np.ndarray | None,
) -> pa.Array:
    """The detail column: "" where ``valid``, "read as +CC…: ``tails``" (and the national hint
    where ``hinted``) where ``failed``, null elsewhere; built for the failed rows only."""
    at = np.flatnonzero(failed)
    suffix = pa.array(["", NATIONAL_HINT], type=pa.string()).take(
        pa.array(hinted[at].astype(np.int64) if hinted is not None else np.zeros(at.size, np.int64))
    )
    taken = pa.array(at)
    details = pc.binary_join_element_wise(
        "read as ",
        code_prefixes(codes[at], np.ones(at.size, dtype=bool)),
        national.take(taken),
        ": ",
        tails,
        suffix,
        "",
    )
    index = np.zeros(len(codes), dtype=np.int64)
    index[at] = 1 + np.arange(at.size)
    return pa.concat_arrays([pa.array([""], type=pa.string()), details]).take(
        pa.array(index, mask=~(valid | failed))
    )


def length_failures(codes: np.ndarray, lengths: np.ndarray, failed: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(reason for every row, detail after "read as +…: " for the ``failed`` rows in order), from
    the length check ``is_valid_number`` falls back on; the reason is null where not ``failed``."""
    pairs = codes[failed] * 100 + lengths[failed]
    distinct, index = np.unique(pairs, return_inverse=True)
    verdicts = []
    for pair in distinct:
        rules = country_rules(int(pair // 100))
        assert rules is not None  # only rows of a known country code get this far
        verdicts.append(length_reason(rules.country_code, possibility_of(rules, int(pair % 100))))
    rows = np.full(len(codes), -1, dtype=np.int64)
    rows[failed] = index.reshape(-1)
    return (
        pa.array([reason for reason, _ in verdicts], type=pa.string()).take(pa.array(rows, mask=~failed)),
        pa.array([detail for _, detail in verdicts], type=pa.string()).take(pa.array(index.reshape(-1))),
    )
