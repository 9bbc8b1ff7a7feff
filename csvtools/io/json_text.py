"""JSON text as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, quickly for long lists of records.

With an indent, the json module encodes in pure Python: a report listing
200,000 rejected lines took about 3 s to write, longer than the run that
found them. A list of records (dicts with the same keys and scalar values,
as a report's ``rejections``) is encoded here a column at a time with the
module's C string encoder; anything else goes the json module's own way.
The text is the same character for character.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C version where there is one, as json.dumps uses

__all__ = ["json_text"]

_INDENT = "  "
_RECORDS_AT_LEAST = 64  # shorter lists are not worth the columns


class _NotPlain(Exception):
    """A value this module leaves to the json module (a float, a non-string key, an unknown type)."""


def json_text(value: object) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, the same text (a value that contains
    itself raises RecursionError here, where json.dumps raises ValueError)."""
    try:
        return _encoded(value, "\n")
    except _NotPlain:
        return json.dumps(value, indent=2, ensure_ascii=False)


def _encoded(value: object, newline: str) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + _INDENT
        items = [f"{_key(key)}: {_encoded(item, inner)}" for key, item in value.items()]
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = newline + _INDENT
        if len(value) >= _RECORDS_AT_LEAST:
            records = _records(value, inner)
            if records is not None:
                return "[" + inner + ("," + inner).join(records) + newline + "]"
        return "[" + inner + ("," + inner).join(_encoded(item, inner) for item in value) + newline + "]"
    return _scalar(value)


def _records(items: list | tuple, newline: str) -> list[str] | None:
    """Each record of ``items`` encoded, or None when they are not flat dicts of one shape."""
    first = items[0]
    if not isinstance(first, dict) or not first:
        return None
    keys = tuple(first)
    if any(not isinstance(item, dict) or tuple(item) != keys for item in items):
        return None
    encoded = [_column([item[key] for item in items]) for key in keys]
    if any(column is None for column in encoded):
        return None
    inner = newline + _INDENT
    # One %s a field; a key's own % signs are doubled so that they stay text.
    template = "{" + ",".join(f"{inner}{_key(key).replace('%', '%%')}: %s" for key in keys) + newline + "}"
    return [template % fields for fields in zip(*encoded)]


def _column(values: list) -> list[str] | None:
    """A column's values encoded, or None when one of them is a container (its record is not flat)."""
    try:
        return [encode_basestring(value) if type(value) is str else _scalar(value) for value in values]
    except _NotContainer:
        return None


class _NotContainer(_NotPlain):
    """A dict or a list where a record's scalar was expected."""


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if type(value) is int:
        return int.__repr__(value)
    if isinstance(value, (dict, list, tuple)):
        raise _NotContainer
    raise _NotPlain


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise _NotPlain
    return encode_basestring(key)
