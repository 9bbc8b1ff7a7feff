"""Every input row's fate before anything is paid for: called (in which part, from when) or skipped, and why.

:func:`preview_plan` cleans a file as ``uploader run`` would (into a
temporary folder), plans it (:func:`~uploader.safety.plan.plan_clean_file`,
split by opening with ``split_by_window``) and gives one :class:`PreviewRow`
per input record, in input order. A row's fate is read off the decisions
the run itself makes, never from a second copy of the rules: csvtools'
rejects file (its reason code: ``duplicate``, ``suppressed``,
``disallowed_type`` …), the plan's groups (``outside_hours``), the split's
parts (``part``), and ``skipped`` numbers the caller's own checks skip (an
attempt cap: ``attempt_cap``). Blank records (every field empty) are no
rows: csvtools counts them and so does :attr:`Preview.blank`.

Nothing is uploaded and nothing is printed; :func:`write_preview` writes the
rows as CSV, atomically, with formula cells made inert. These are defaults,
not legal advice.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import csvtools

from ..errors import OutsideCallingHoursError, UploaderError
from ..files import atomic_write_text, check_output
from .estimate import Estimate, estimate_run
from .plan import (
    DEFAULT_AVG_CALL_SECONDS,
    DEFAULT_CONCURRENCY,
    CallPlan,
    PlanGroup,
    WindowPart,
    group_of,
    plan_clean_file,
    requested_start,
    split_by_window,
)

__all__ = ["PREVIEW_COLUMNS", "Preview", "PreviewRow", "preview_plan", "write_preview"]

#: The preview file's columns, in order (the interface of ``uploader plan --preview``).
PREVIEW_COLUMNS = ("line", "contact_number", "fate", "reason", "part", "local_start", "time_zones")
CALL, SKIP = "call", "skip"
#: The reason of a row the plan finds outside its calling hours (and no split places).
OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class PreviewRow:
    """One input record's fate: ``call`` (in ``part``, from ``local_start``) or ``skip`` with a ``reason``.

    ``contact_number`` is the E.164 number of a kept row, else the phone
    cell as it was; ``time_zones`` are every zone the number may be in (all
    must be inside for a call); ``local_start`` is when its batch starts in
    the zone where that is earliest in the day (for an ``outside_hours``
    skip: its next opening there, None when none is near).
    """

    line: int
    contact_number: str
    fate: str
    reason: str = ""
    part: int | None = None
    local_start: datetime | None = None
    time_zones: tuple[str, ...] = ()

    def as_row(self) -> dict[str, str]:
        """The row as the preview CSV writes it (zones separated by spaces)."""
        return {
            "line": str(self.line),
            "contact_number": self.contact_number,
            "fate": self.fate,
            "reason": self.reason,
            "part": "" if self.part is None else str(self.part),
            "local_start": self.local_start.isoformat(timespec="minutes") if self.local_start else "",
            "time_zones": " ".join(self.time_zones),
        }


@dataclass
class Preview:
    """The plan, its estimate for the rows that would be called, the split's parts and every row."""

    plan: CallPlan
    estimate: Estimate
    rows: list[PreviewRow]
    parts: list[WindowPart] = field(default_factory=list)
    blank: int = 0

    @property
    def fates(self) -> dict[str, Any]:
        """Rows by fate: ``{"call": n, "skip": n, "skipped_by_reason": {reason: n}}``."""
        reasons = Counter(row.reason for row in self.rows if row.fate == SKIP)
        return {
            CALL: sum(1 for row in self.rows if row.fate == CALL),
            SKIP: sum(reasons.values()),
            "skipped_by_reason": dict(reasons.most_common()),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole plan, with ``estimate`` (``cost``, ``cost_max`` …), ``parts`` and the rows' ``fates``."""
        return {
            **self.plan.to_dict(),
            "estimate": self.estimate.to_dict(),
            "parts": [
                {
                    "part": index,
                    "start": part.start.isoformat(),
                    "rows": part.rows,
                    "time_zones": part.time_zones,
                }
                for index, part in enumerate(self.parts, 1)
            ],
            "fates": self.fates,
            "blank": self.blank,
        }


def preview_plan(
    source: str | os.PathLike,
    *,
    at: datetime | str | None = None,
    tz: str | None = None,
    calling_hours: str | None = None,
    calling_rules: str = "builtin",
    concurrency: int = DEFAULT_CONCURRENCY,
    avg_call_seconds: float = DEFAULT_AVG_CALL_SECONDS,
    split_by_window: bool = False,
    cost_per_minute: float | None = None,
    retries: int = 0,
    skipped: Mapping[str, str] | None = None,
    now: datetime | None = None,
    **csvtools_options: Any,
) -> Preview:
    """Plan ``source`` as ``run`` would and say what becomes of each of its rows; nothing is written.

    ``skipped`` maps E.164 numbers a caller's own check skips to the reason
    (e.g. ``attempt_cap``); those rows are skipped and not estimated.
    ``cost_per_minute`` and ``retries`` give the estimate its ``cost`` and
    ``cost_max`` (for ``concurrency`` lines; no wallet is read). Other
    arguments are :func:`~uploader.safety.plan.plan_calls`'.
    """
    requested = requested_start(at, tz, now)
    options = {"workers": 0, "max_rejections": 0, **csvtools_options}
    with tempfile.TemporaryDirectory(prefix="uploader-preview-") as folder:
        clean_path, rejects_path = Path(folder) / "plan.clean.csv", Path(folder) / "plan.rejects.csv"
        report = csvtools.clean_file(source, clean_path, rejects_path, **options)
        kept = _kept_numbers(clean_path)
        groups = {number: group_of(number) for number in set(kept)}  # judged once, for the plan and the rows
        plan = plan_clean_file(
            clean_path,
            report,
            requested=requested,
            calling_hours=calling_hours,
            calling_rules=calling_rules,
            concurrency=concurrency,
            avg_call_seconds=avg_call_seconds,
            groups_of=groups,
        )
        rejected = _rejected(rejects_path, report)
    report.clean_path = report.rejects_path = None  # they were temporary
    lines = [line for line in csvtools.record_lines(source, **options) if line not in rejected]
    if len(lines) != len(kept):
        raise UploaderError(
            f"cannot match {len(kept)} clean rows to {len(lines)} input lines; no preview of {source}"
        )
    parts = _parts(plan) if split_by_window and plan.outside else []
    fate = _Fates(plan, parts, dict(skipped or {}), groups)
    rows = [fate.of(line, number) for line, number in zip(lines, kept)]
    rows += [PreviewRow(line, value, SKIP, reason) for line, (reason, value) in rejected.items()]
    rows.sort(key=lambda row: row.line)
    calls = sum(1 for row in rows if row.fate == CALL)
    estimate = estimate_run(
        calls,
        None,
        avg_call_seconds=avg_call_seconds,
        cost_per_minute=cost_per_minute,
        retries=retries,
        lines=concurrency,
    )
    return Preview(plan, estimate, rows, parts, report.blank)


def write_preview(rows: list[PreviewRow], path: str | os.PathLike, source: str | os.PathLike) -> None:
    """Write ``rows`` to ``path`` as CSV (:data:`PREVIEW_COLUMNS`), whole or not at all, never over ``source``.

    A cell a spreadsheet would run as a formula gets a leading ``'``, as in
    the results file (:func:`csvtools.neutralize_formula`; phone numbers stay).
    """
    check_output(path, "preview", (source,))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PREVIEW_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csvtools.neutralize_formula(value) for key, value in row.as_row().items()})
    atomic_write_text(path, buffer.getvalue())


@dataclass
class _Fates:
    """The run's decisions for a kept number: its group's verdict, its part, the caller's skips."""

    plan: CallPlan
    parts: list[WindowPart]
    skipped: dict[str, str]
    keys: dict[str, tuple[str | None, tuple[str, ...]]]
    _groups: dict[tuple[str | None, tuple[str, ...]], PlanGroup] = field(default_factory=dict)
    _decided: dict[tuple[str | None, tuple[str, ...]], tuple[str, str, int | None, datetime | None]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        self._groups = {(group.country, group.time_zones): group for group in self.plan.groups}

    def of(self, line: int, number: str) -> PreviewRow:
        key = self.keys[number]
        if number in self.skipped:
            return PreviewRow(line, number, SKIP, self.skipped[number], None, None, key[1])
        if key not in self._decided:  # one decision a group: its rows share it
            self._decided[key] = self._decide(key)
        return PreviewRow(line, number, *self._decided[key], key[1])

    def _decide(
        self, key: tuple[str | None, tuple[str, ...]]
    ) -> tuple[str, str, int | None, datetime | None]:
        zones = key[1]
        if self.parts:
            for index, part in enumerate(self.parts, 1):
                if key in part.keys:
                    return CALL, "", index, _earliest(part.start, zones)
        elif self._groups[key].inside:
            return CALL, "", 1, _earliest(self.plan.start, zones)
        opening = self.plan.opening([self._groups[key]], self.plan.requested)
        return SKIP, OUTSIDE_HOURS, None, _earliest(opening, zones)


def _parts(plan: CallPlan) -> list[WindowPart]:
    """The split's parts; groups with no opening stay out of every part (their rows are ``outside_hours``)."""
    try:
        return split_by_window(plan)
    except OutsideCallingHoursError as exc:
        never = {id(group) for group in exc.groups}
        rest = [group for group in plan.groups if id(group) not in never]
        return split_by_window(replace(plan, groups=rest)) if rest else []


def _earliest(moment: datetime | None, zones: tuple[str, ...]) -> datetime | None:
    """``moment`` in the zone of ``zones`` where it is earliest in the day (None without a known zone)."""
    if moment is None:
        return None
    local = []
    for zone in zones:
        try:
            local.append(moment.astimezone(ZoneInfo(zone)))
        except (ValueError, KeyError):  # Etc/Unknown and the like: no local time
            continue
    return min(local, key=lambda when: when.replace(tzinfo=None)) if local else None


def _rejected(rejects_path: Path, report: csvtools.Report) -> dict[int, tuple[str, str]]:
    """Rejected lines: line → (reason code, the phone cell as it was)."""
    rejected: dict[int, tuple[str, str]] = {}
    with open(rejects_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        phone_at = header.index(report.column, 3) if report.column in header[3:] else None
        for row in reader:
            value = row[phone_at] if phone_at is not None and phone_at < len(row) else ""
            rejected[int(row[0])] = (row[1], value)
    return rejected


def _kept_numbers(clean_path: Path) -> list[str]:
    with open(clean_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return [row[0] for row in reader]  # contact_number comes first, rows in input order
