"""Which number types a run keeps: kept numbers of another type become ``disallowed_type`` rejections.

A pure step over a chunk's verdicts (:func:`.chunk.judge_column`'s table), so
it runs in the workers right after judging; the type itself comes out of
judging (``phonenumbers.number_type`` on both paths).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from ..options import allowed_types

__all__ = ["restrict_types"]


def restrict_types(verdicts: pa.Table, types: Iterable[str]) -> pa.Table:
    """``verdicts`` with every kept number whose type is not among ``types`` rejected as ``disallowed_type``.

    ``mobile`` in ``types`` also keeps ``fixed_line_or_mobile``
    (:func:`csvtools.options.allowed_types`). The detail names the type.
    """
    allowed = allowed_types(types)
    kinds = verdicts.column("type")
    refused = pc.and_(
        pc.is_valid(kinds), pc.invert(pc.is_in(kinds, value_set=pa.array(sorted(allowed), type=pa.string())))
    )
    refused = pc.fill_null(refused, False)
    if not pc.any(refused).as_py():
        return verdicts
    numbers = verdicts.column("number")
    detail = pc.binary_join_element_wise(numbers, " is of type ", kinds, ", which is not allowed", "")
    changes = {
        "number": pc.if_else(refused, pa.scalar(None, pa.string()), numbers),
        "reason": pc.if_else(refused, pa.scalar(reasons.DISALLOWED_TYPE), verdicts.column("reason")),
        "detail": pc.if_else(refused, detail, verdicts.column("detail")),
    }
    for name, column in changes.items():
        verdicts = verdicts.set_column(verdicts.schema.get_field_index(name), name, column)
    return verdicts
