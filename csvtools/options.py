"""The options of a run, as one keyword-only record shared by the library and the command line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["LEVELS", "Options"]

#: ``valid``: ``phonenumbers.is_valid_number``; ``possible``: ``is_possible_number``.
LEVELS = ("valid", "possible")


@dataclass(frozen=True, kw_only=True)
class Options:
    """How to read a file and which numbers to keep.

    ``region`` is the default region for national numbers (ISO 3166 alpha-2);
    without it every number is read as international. ``column`` names the
    phone column when it cannot be found by its name. ``workers`` is the
    number of processes that judge numbers (0: one per core for large files,
    else inline). ``max_rejections`` caps the rejected lines kept in
    ``Report.rejections`` (None keeps them all; the counts always cover every row).
    ``sheet`` picks a workbook's sheet by name or by position from 1 (None:
    the first visible sheet); CSV files have none and ignore it.
    """

    region: str | None = None
    column: str | None = None
    level: str = "valid"
    keep_duplicates: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    workers: int = 1
    max_rejections: int | None = None
    sheet: str | int | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.workers < 0:
            raise ValueError("workers must be at least 0 (0: automatic)")
        if self.max_rejections is not None and self.max_rejections < 0:
            raise ValueError("max_rejections must be at least 0, or None")
        if isinstance(self.sheet, int) and self.sheet < 1:
            raise ValueError("sheet positions count from 1")
        if self.region is not None:
            object.__setattr__(self, "region", self.region.upper())

    @classmethod
    def of(cls, options: Options | None = None, **changes: object) -> Options:
        """``options`` (or the defaults) with ``changes`` applied; an unknown name is a TypeError."""
        unknown = sorted(set(changes) - {field.name for field in dataclasses.fields(cls)})
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(unknown)}")
        return dataclasses.replace(options or cls(), **changes)
