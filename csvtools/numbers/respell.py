"""Spreadsheet and CRM spellings judged at once: each is another spelling's verdict, or an extension's.

Before :func:`.vectorized.judge_array` sees them, values the reference would
first tidy (:func:`.reference.normalize_number`) are respelled the way it tidies
them, so the vectorized path takes them too instead of phonenumbers, one by one:

- a leading ``'`` (a spreadsheet's "treat as text" marker) and the spaces around it;
- a float's ``.0`` (``919876543210.0``);
- scientific notation that kept every digit (``9.19876543210E+11``).

The reference reads such a value exactly as it reads its respelling (it tidies
once, then judges the tidied text), so both have one verdict. Only ASCII values
of these exact shapes are respelled; anything else is left as it is.

A number followed by an extension in the common spellings (``+44… x12``,
``+44 … ext. 12``, ``tel:+44…;ext=12``) is ``has_extension`` when the number
before it is one the vectorized path judged after parsing it (kept, or rejected
for its length or range): phonenumbers then parses the whole and finds the
extension. Others (a number it cannot parse) are left to the reference.

Without a region, a number behind a formula's ``=`` (``=+919876543210``) is
``not_a_number``: the reference reads it as ``+=+…``, which phonenumbers cannot parse.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from .._strings import string_buffers, values_at
from .reference import parse_failure

_NOT_A_NUMBER_DETAIL = parse_failure(reasons.NOT_A_NUMBER).detail

__all__ = ["extension_rows", "formulas", "put", "respell_candidates", "respelled", "split_extensions"]

# Every spelling below has one of these characters; one pass over all values' bytes finds the few that may
# (UTF-8 never puts an ASCII byte inside another character).
_CANDIDATE_BYTES = np.zeros(256, dtype=bool)
_CANDIDATE_BYTES[list(b"',.;=eExX")] = True

_APOSTROPHE = r"^[ \t]*'[ \t]*([^' \t][ -~]*?)[ \t]*$"
_FLOAT_ARTEFACT = r"^[ \t]*(\+?[0-9]+)\.0+[ \t]*$"
_SCIENTIFIC = (
    r"^[ \t]*(?P<sign>\+?)(?P<lead>[0-9])(?:[.,](?P<fraction>[0-9]+))?[eE]\+?(?P<exponent>[0-9]{1,2})[ \t]*$"
)
_EXTENSION = (
    r"^[ \t]*(?:(?P<spaced>\+[1-9][0-9]{0,2} [0-9]{4,14}) ext\. |(?P<plain>\+[1-9][0-9]{5,16}) x"
    r"|tel:(?P<tel>\+[1-9][0-9]{5,16});ext=)(?P<extension>[0-9]{1,6})[ \t]*$"
)


def respell_candidates(values: pa.Array) -> np.ndarray:
    """Positions of the values :func:`respelled` or :func:`split_extensions` may take (a cheap first filter)."""
    offsets, data = string_buffers(values)
    found = np.flatnonzero(_CANDIDATE_BYTES[data[int(offsets[0]) : int(offsets[-1])]]) + offsets[0]
    hit = np.zeros(len(values), dtype=bool)
    hit[values_at(offsets, found)] = True
    return np.flatnonzero(hit)


def respelled(values: pa.Array) -> pa.Array:
    """``values`` (Arrow strings, no nulls) with each tidy-able spelling replaced by its tidied one."""
    ascii_only = pc.string_is_ascii(values)
    text = values
    for pattern in (_APOSTROPHE, _FLOAT_ARTEFACT):  # each rewritten where it matches only
        at = np.flatnonzero(
            pc.and_(ascii_only, pc.match_substring_regex(text, pattern)).to_numpy(zero_copy_only=False)
        )
        if at.size:
            text = put(text, at, pc.replace_substring_regex(text.take(pa.array(at)), pattern, r"\1"))
    scientific = pc.and_(ascii_only, pc.match_substring_regex(text, _SCIENTIFIC))
    if pc.any(scientific).as_py():
        at = np.flatnonzero(scientific.to_numpy(zero_copy_only=False))
        parts = pc.extract_regex(text.take(pa.array(at)), _SCIENTIFIC)
        fraction = pc.fill_null(parts.field("fraction"), "")
        exponent = pc.cast(parts.field("exponent"), pa.int32()).to_numpy()
        whole = pc.utf8_length(fraction).to_numpy() == exponent  # otherwise digits were lost
        digits = pc.binary_join_element_wise(parts.field("sign"), parts.field("lead"), fraction, "")
        replacement = np.array(text.take(pa.array(at)).to_pylist(), dtype=object)
        replacement[whole] = np.array(digits.to_pylist(), dtype=object)[whole]
        text = put(text, at, pa.array(replacement, type=pa.string()))
    return text


def split_extensions(text: pa.Array) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """(positions, the number before the extension, the extension) of the values that end in one."""
    found = pc.fill_null(pc.match_substring_regex(text, _EXTENSION), False)
    if not pc.any(found).as_py():
        empty = pa.array([], type=pa.string())
        return np.zeros(0, dtype=np.int64), empty, empty
    at = np.flatnonzero(found.to_numpy(zero_copy_only=False))
    parts = pc.extract_regex(text.take(pa.array(at)), _EXTENSION)
    # One branch matched; RE2 gives the others as empty strings.
    number = pc.binary_join_element_wise(
        *(pc.fill_null(parts.field(name), "") for name in ("spaced", "plain", "tel")), ""
    )
    return at, pc.replace_substring(number, " ", ""), parts.field("extension")


_FORMULA = r"^[ \t]*=\+[0-9]{1,17}[ \t]*$"


def formulas(text: pa.Array) -> tuple[np.ndarray, pa.Table]:
    """(positions, verdict rows) of the values that are ``=`` and a number: not a number, without a region."""
    at = np.flatnonzero(pc.match_substring_regex(text, _FORMULA).to_numpy(zero_copy_only=False))
    nulls = pa.nulls(len(at), type=pa.string())
    rows = pa.table(
        {
            "number": nulls,
            "reason": pa.repeat(pa.scalar(reasons.NOT_A_NUMBER, pa.string()), len(at)),
            "detail": pa.repeat(pa.scalar(_NOT_A_NUMBER_DETAIL, pa.string()), len(at)),
            "region": nulls,
            "reading": nulls,
            "type": nulls,
        }
    )
    return at, rows


def extension_rows(extension: pa.Array) -> pa.Table:
    """The verdict rows of numbers with these extensions: ``has_extension``."""
    count = len(extension)
    nulls = pa.nulls(count, type=pa.string())
    return pa.table(
        {
            "number": nulls,
            "reason": pa.repeat(pa.scalar(reasons.HAS_EXTENSION, pa.string()), count),
            "detail": pc.binary_join_element_wise(
                pa.scalar("extension ", pa.string()),
                extension,
                pa.scalar(" cannot be dialled in a batch", pa.string()),
                pa.scalar("", pa.string()),
            ),
            "region": nulls,
            "reading": nulls,
            "type": nulls,
        }
    )


def put(values: pa.Array, at: np.ndarray, replacement: pa.Array) -> pa.Array:
    """``values`` with the items at positions ``at`` replaced by ``replacement``, in order."""
    mask = np.zeros(len(values), dtype=bool)
    mask[at] = True
    spread = np.zeros(len(values), dtype=np.int64)
    spread[at] = np.arange(len(at))
    return pc.if_else(pa.array(mask), replacement.take(pa.array(spread)), values)
