"""Find the column that holds the phone numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import ColumnError

__all__ = [
    "OUTPUT_COLUMN",
    "PHONE_HEADERS",
    "REGION_HEADERS",
    "check_header",
    "find_phone_column",
    "find_region_column",
]

#: The column the Batch API reads numbers from.
OUTPUT_COLUMN = "contact_number"

#: Header names taken as the phone column, compared without case, spaces or punctuation.
PHONE_HEADERS = (
    "contact number",
    "phone",
    "phone number",
    "mobile",
    "mobile number",
    "cell",
    "telephone",
    "tel",
    "msisdn",
    "number",
    "Phone 1 - Value",  # Google Contacts export
)


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lstrip("\ufeff")).casefold()


_KNOWN = {_key(name) for name in PHONE_HEADERS}


def find_phone_column(header: Sequence[str], requested: str | None = None) -> int:
    """Return the position of the phone column in ``header``.

    ``requested`` names it explicitly (exact match first, then ignoring case
    and punctuation). Otherwise ``contact_number`` wins, else the one header
    that matches :data:`PHONE_HEADERS`. None or several raise :class:`ColumnError`.
    """
    shown = ", ".join(repr(name) for name in header)
    if requested is not None:
        if requested in header:
            return list(header).index(requested)
        matches = [i for i, name in enumerate(header) if _key(name) == _key(requested)]
        if len(matches) == 1:
            return matches[0]
        raise ColumnError(f"no column {requested!r}; the header has {shown}")

    if OUTPUT_COLUMN in header:
        return list(header).index(OUTPUT_COLUMN)
    matches = [i for i, name in enumerate(header) if _key(name) in _KNOWN]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ColumnError(f"no phone column found among {shown}; name it with --column")
    candidates = ", ".join(repr(header[i]) for i in matches)
    raise ColumnError(
        f"several phone columns ({candidates}); choose one with --column, or list them in order"
        f" (--column {_option_value(header[matches[0]])} --column {_option_value(header[matches[1]])})"
        " to take each row's first non-empty one"
    )


#: Header names taken as the country column, compared like :data:`PHONE_HEADERS`.
REGION_HEADERS = ("country", "country code", "country/region", "country region", "nation", "iso country")

_REGION_KNOWN = {_key(name) for name in REGION_HEADERS}


def find_region_column(
    header: Sequence[str], requested: str | None, detect: bool, phone_columns: Sequence[int]
) -> int | None:
    """The position of the column holding each row's country, or None.

    ``requested`` names it (as for :func:`find_phone_column`); otherwise,
    when ``detect``, the one header that matches :data:`REGION_HEADERS` is
    used. It cannot be a phone column; several matches raise :class:`ColumnError`.
    """
    if requested is not None:
        at = find_phone_column(header, requested)
        if at in phone_columns:
            raise ColumnError(f"{header[at]!r} cannot be both the phone column and the country column")
        return at
    if not detect:
        return None
    matches = [i for i, name in enumerate(header) if _key(name) in _REGION_KNOWN and i not in phone_columns]
    if len(matches) > 1:
        candidates = ", ".join(repr(header[i]) for i in matches)
        raise ColumnError(
            f"several country columns ({candidates}); choose one with --region-column,"
            " or use none with --no-region-column"
        )
    return matches[0] if matches else None


def _option_value(name: str) -> str:
    return name if re.fullmatch(r"[\w.-]+", name) else repr(name)


def check_header(header: Sequence[str]) -> None:
    """Refuse a header with an empty or a repeated name: each becomes a per-contact variable of the upload.

    Raises :class:`ColumnError` naming the first such column (counted from 1).
    """
    seen: dict[str, int] = {}
    for at, name in enumerate(header, start=1):
        if not name.strip():
            raise ColumnError(
                f"column {at} of the header has no name; name every column (or delete the empty one)"
            )
        if name in seen:
            raise ColumnError(
                f"the header repeats {name!r} (columns {seen[name]} and {at}); rename one of them"
            )
        seen[name] = at
