"""The options of a run, as one keyword-only record shared by the library and the command line."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_TYPES", "LEVELS", "NUMBER_TYPES", "Options", "allowed_types"]

#: ``valid``: ``phonenumbers.is_valid_number``; ``possible``: ``is_possible_number``.
LEVELS = ("valid", "possible")

#: libphonenumber's number types (``phonenumbers.PhoneNumberType``, lower case), as ``--types`` names
#: them; ``unknown`` is the type of a number kept by ``level="possible"`` that is in no known range.
NUMBER_TYPES = (
    "mobile",
    "fixed_line",
    "fixed_line_or_mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "unknown",
)

#: Every type but ``premium_rate``: a premium-rate line costs the caller money.
DEFAULT_TYPES = tuple(name for name in NUMBER_TYPES if name != "premium_rate")


@dataclass(frozen=True, kw_only=True)
class Options:
    """How to read a file and which numbers to keep.

    ``region`` is the default region for national numbers: an ISO 3166 code,
    an English country name or a calling code, kept as the alpha-2 code
    (``"Germany"`` → ``"DE"``); anything else is a ValueError. Without it
    every number is read as international. ``column`` names the phone column
    when it cannot be found by its name; several names (a tuple) take each
    row's first non-empty cell among them, in order. ``region_column`` names
    a column holding each row's country (without it, one is found by its
    header unless ``detect_region_column`` is false); ``strict_region``
    rejects international numbers of another country than the row's. ``workers`` is the
    number of processes that judge numbers (0: one per core for large files,
    else inline). ``max_rejections`` caps the rejected lines kept in
    ``Report.rejections`` (None keeps them all; the counts always cover every row).
    ``types`` are the number types kept (:data:`NUMBER_TYPES`; a comma-separated
    string works too; None: :data:`DEFAULT_TYPES`); ``mobile`` also keeps
    ``fixed_line_or_mobile``. ``suppress`` are paths of suppression lists
    (CSV files or plain lists of numbers): a kept number on one is rejected.
    ``sheet`` picks a workbook's sheet by name or by position from 1 (None:
    the first visible sheet); CSV files have none and ignore it.
    """

    region: str | None = None
    column: str | tuple[str, ...] | None = None
    level: str = "valid"
    keep_duplicates: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    workers: int = 1
    max_rejections: int | None = None
    types: tuple[str, ...] = DEFAULT_TYPES
    suppress: tuple[str, ...] = ()
    sheet: str | int | None = None
    region_column: str | None = None
    detect_region_column: bool = True
    strict_region: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", _type_names(self.types))
        if isinstance(self.suppress, (str, bytes)) or hasattr(self.suppress, "__fspath__"):
            object.__setattr__(self, "suppress", (self.suppress,))
        object.__setattr__(self, "suppress", tuple(os.fspath(path) for path in self.suppress))
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.workers < 0:
            raise ValueError("workers must be at least 0 (0: automatic)")
        if self.max_rejections is not None and self.max_rejections < 0:
            raise ValueError("max_rejections must be at least 0, or None")
        if isinstance(self.sheet, int) and self.sheet < 1:
            raise ValueError("sheet positions count from 1")
        if self.region is not None:
            object.__setattr__(self, "region", _region_code(self.region))
        if self.column is not None and not isinstance(self.column, str):
            columns = tuple(self.column)
            object.__setattr__(self, "column", columns[0] if len(columns) == 1 else (columns or None))

    @property
    def phone_columns(self) -> tuple[str, ...]:
        """The phone column names asked for, in order (empty: find it by its header)."""
        if self.column is None:
            return ()
        return (self.column,) if isinstance(self.column, str) else self.column

    @classmethod
    def of(cls, options: Options | None = None, **changes: Any) -> Options:
        """``options`` (or the defaults) with ``changes`` applied; an unknown name is a TypeError."""
        unknown = sorted(set(changes) - {field.name for field in dataclasses.fields(cls)})
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(unknown)}")
        return dataclasses.replace(options or cls(), **changes)


def allowed_types(types: Iterable[str]) -> frozenset[str]:
    """The number types ``types`` keep: ``mobile`` brings ``fixed_line_or_mobile`` along, because
    libphonenumber cannot tell US and Canadian mobiles from landlines."""
    allowed = frozenset(types)
    return allowed | {"fixed_line_or_mobile"} if "mobile" in allowed else allowed


def _type_names(types: str | Iterable[str] | None) -> tuple[str, ...]:
    if types is None:
        return DEFAULT_TYPES
    names = [name.strip().lower() for name in types.split(",")] if isinstance(types, str) else list(types)
    names = [name for name in names if name]
    unknown = [name for name in names if name not in NUMBER_TYPES]
    choices = f"choose among {', '.join(NUMBER_TYPES)}"
    if not names:
        raise ValueError(f"the list of number types is empty; {choices}")
    if unknown:
        raise ValueError(f"unknown number type(s): {', '.join(unknown)}; {choices}")
    return tuple(dict.fromkeys(names))


def _region_code(region: str) -> str:
    """The alpha-2 code ``region`` names; a ValueError naming the closest countries otherwise."""
    from .numbers.countries import closest_countries, resolve_country  # phonenumbers only when needed

    code = resolve_country(region)
    if code is not None:
        return code
    closest = closest_countries(str(region))
    hint = f"; closest: {', '.join(closest)}" if closest else ""
    raise ValueError(
        f"region {region!r} names no country (use a code like DE, a name like Germany, "
        f"or a calling code like +49){hint}"
    )
