"""Records of a run: each rejected line, and the report that sums them up."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter

from .io.json_text import json_text


@dataclass(frozen=True)
class Rejection:
    """One input record that was not kept.

    ``line`` is the physical line where the record starts (header = 1);
    ``value`` is the raw phone cell (None for a malformed row).
    """

    line: int
    reason: str
    detail: str
    value: str | None = None


@dataclass
class Report:
    """What a run found: counts that always add up, and every rejected line.

    ``rows == clean + rejected + blank`` holds for every report (``blank``:
    records whose every field is empty, skipped and not rejected); ``valid`` is true
    when no row was rejected. ``rejections`` lists the rejected lines in line
    order, up to the run's ``max_rejections``; ``rejections_omitted`` counts
    the rest (they are all in the rejects file). ``types`` are the number types
    the run allowed and ``by_type`` counts the kept numbers by type;
    ``suppression`` is the scrub record: one dict per suppression list (path,
    SHA-256, numbers held, rows removed, when it was checked). ``sheet`` names
    the sheet read from a workbook (None for a CSV, which has an ``encoding``
    and a ``delimiter`` instead).

    With a country column (``region_column``; ``region_column_detected``
    when it was found by its header), ``region_mismatches`` counts the kept
    numbers of another country than their row's, and ``mismatches`` lists
    them (capped like ``rejections``). With several phone columns,
    ``by_column`` counts the kept numbers each column gave.
    """

    file: str
    rows: int = 0
    clean: int = 0
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    by_reading: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    rejections_omitted: int = 0
    column: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    region: str | None = None
    level: str = "valid"
    clean_path: str | None = None
    rejects_path: str | None = None
    types: list[str] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)
    suppression: list[dict] = field(default_factory=list)
    sheet: str | None = None
    blank: int = 0
    region_column: str | None = None
    region_column_detected: bool = False
    strict_region: bool = False
    region_mismatches: int = 0
    mismatches: list[Rejection] = field(default_factory=list)
    mismatches_omitted: int = 0
    by_column: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when no row was rejected (what ``csvtools validate`` exits 0 for)."""
        return self.rejected == 0

    def to_dict(self) -> dict:
        """A JSON-ready dict; the CLI's ``--format json`` prints exactly this."""
        data = {
            name: _listed(value) if name in _LISTS else copy.deepcopy(value)
            for name, value in ((item.name, getattr(self, item.name)) for item in fields(self))
        }  # dataclasses.asdict's result, without its deep copy of every rejection (seconds for 200,000)
        data["valid"] = self.valid
        return data

    def to_json(self) -> str:
        """:meth:`to_dict` as the JSON text ``--report`` writes (and ``--format json`` prints for one file)."""
        return json_text(self.to_dict()) + "\n"

    def add_counts(
        self,
        *,
        rows: int,
        clean: int,
        rejected: int,
        by_reason: Mapping[str, int],
        by_country: Mapping[str, int],
        by_reading: Mapping[str, int],
        by_type: Mapping[str, int] | None = None,
        blank: int = 0,
        by_column: Mapping[str, int] | None = None,
    ) -> None:
        """Add one chunk's counts; ``rows == clean + rejected + blank`` must hold for it."""
        if rows != clean + rejected + blank:
            raise ValueError(f"{rows} rows are not {clean} clean + {rejected} rejected + {blank} blank")
        self.rows += rows
        self.blank += blank
        self.clean += clean
        self.rejected += rejected
        for counter, counts in (
            (self.by_reason, by_reason),
            (self.by_country, by_country),
            (self.by_reading, by_reading),
            (self.by_type, by_type or {}),
            (self.by_column, by_column or {}),
        ):
            for key, count in counts.items():
                counter[key] = counter.get(key, 0) + count

    def room_for_rejections(self, limit: int | None) -> int | None:
        """How many more rejected lines may be listed under ``limit`` (None: no limit)."""
        return _room(self.rejections, limit)

    def add_rejections(self, listed: Sequence[Rejection], total: int, limit: int | None) -> None:
        """List rejected lines (in line order) up to ``limit`` in all; of ``total`` new ones, the rest are omitted."""
        self.rejections_omitted += total - _extend(self.rejections, listed, limit)

    def room_for_mismatches(self, limit: int | None) -> int | None:
        """How many more mismatches may be listed under ``limit`` (None: no limit)."""
        return _room(self.mismatches, limit)

    def add_mismatches(self, listed: Sequence[Rejection], total: int, limit: int | None) -> None:
        """Count ``total`` new region mismatches and list them (in line order) up to ``limit`` in all."""
        self.region_mismatches += total
        self.mismatches_omitted += total - _extend(self.mismatches, listed, limit)

    def finish(self) -> None:
        """Order each count by size (then name), as reports show them."""
        for name in ("by_reason", "by_country", "by_reading", "by_type", "by_column"):
            counter = getattr(self, name)
            setattr(self, name, dict(sorted(counter.items(), key=lambda item: (-item[1], item[0]))))


_LISTS = ("rejections", "mismatches")
#: The fields of a :class:`Rejection`, in order.
REJECTION_FIELDS = tuple(item.name for item in fields(Rejection))


def _listed(records: list[Rejection]) -> list[dict]:
    values = attrgetter(*REJECTION_FIELDS)
    return [dict(zip(REJECTION_FIELDS, values(record))) for record in records]


def _room(records: list[Rejection], limit: int | None) -> int | None:
    return None if limit is None else max(0, limit - len(records))


def _extend(records: list[Rejection], listed: Sequence[Rejection], limit: int | None) -> int:
    """Append ``listed`` to ``records`` up to ``limit`` in all; how many were appended."""
    room = _room(records, limit)
    kept = list(listed) if room is None else list(listed)[:room]
    records.extend(kept)
    return len(kept)
