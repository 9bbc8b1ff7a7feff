"""The plan step: the calling-hours plan of the checked file, its split by window, and the estimate.

Everything comes from :mod:`uploader.safety` (the same plan ``uploader plan``
shows and ``uploader run`` enforces); this module only puts it in the shape
the page draws: one timeline row per group of recipients, in their local time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..api.client import BatchClient
from ..api.times import to_api_time
from ..campaign.redials import retry_config
from ..errors import OutsideCallingHoursError, UploaderError
from ..safety.estimate import Estimate
from ..safety.plan import (
    DEFAULT_CONCURRENCY,
    CallPlan,
    WindowPart,
    plan_clean_file,
    requested_start,
    split_by_window,
)
from ..safety.preview import Preview, preview_plan, write_preview
from ..safety.wallet import estimate_with_account
from .checking import Check

#: The timeline's width in SVG units for one day (24 hours).
DAY_WIDTH = 480


@dataclass
class PlanChoices:
    """What the plan form chose."""

    agent_id: str
    at: str | None = None  # a wall time as typed (``2026-12-08T10:00``), or None for as soon as allowed
    tz: str | None = None
    avg_call_seconds: float = 90.0
    cost_per_minute: float | None = None
    split: bool = False
    allow_outside: bool = False
    retries: int = 0  # redials of an unanswered call (0 to 3, the API's limit)

    def api_time(self) -> str | None:
        """The start as the API takes it (raises ScheduleTimeError on a bad or past time)."""
        return to_api_time(self.at, self.tz or "UTC") if self.at else None

    def retry_config(self) -> dict[str, Any] | None:
        """The batch's ``retry_config`` (None: no redials); raises ConfigError past the API's limit."""
        return retry_config(self.retries)


@dataclass
class PlanView:
    """A plan as the page shows it: the plan, the split (when needed) and the estimate."""

    choices: PlanChoices
    plan: CallPlan
    estimate: Estimate
    parts: list[WindowPart] = field(default_factory=list)
    split_error: str | None = None
    events: list[str] = field(default_factory=list)
    #: Every input row's fate (called in which part, or skipped and why), and its CSV for the download.
    preview: Preview | None = None
    preview_path: Path | None = None
    preview_error: str | None = None
    #: Names this plan in the schedule form: a press from a page showing an older plan is refused.
    key: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    #: Preview rows the page lists (every one is in the download).
    LISTED_ROWS = 200

    @property
    def contacts(self) -> int:
        return self.plan.report.clean

    def timeline(self) -> list[dict[str, Any]]:
        """Per group: its rows, zones, whether inside, and SVG spans (window, calls) in its first zone's day."""
        rows = []
        for group in self.plan.groups:
            check = group.zones[0] if group.zones else None
            spans: list[dict[str, Any]] = []
            calls = None
            if check and check.local_start and check.local_last_call:
                start, end = _x(check.local_start), _x(check.local_last_call)
                if check.local_last_call.date() != check.local_start.date():
                    end = DAY_WIDTH
                calls = {"x": start, "width": max(2, end - start)}
                for opens, closes in check.window or ():
                    x1, x2 = _x_time(opens.hour, opens.minute), _x_time(closes.hour, closes.minute)
                    spans.append({"x": x1, "width": x2 - x1})
            rows.append(
                {
                    "country": group.country or "??",
                    "zones": ", ".join(group.time_zones[:3]) + (" …" if len(group.time_zones) > 3 else ""),
                    "rows": group.rows,
                    "inside": group.inside,
                    "local_start": check.local_start if check else None,
                    "local_last_call": check.local_last_call if check else None,
                    "window": spans,
                    "calls": calls,
                    "rule": group.rule,
                    "part": self._part_of(group),
                }
            )
        return rows

    def _part_of(self, group: Any) -> int | None:
        for index, part in enumerate(self.parts, 1):
            if any(member is group for member in part.groups):
                return index
        return None


def make_plan(
    client: BatchClient,
    check: Check,
    choices: PlanChoices,
    options: dict[str, Any],
    preview_path: Path,
    now: datetime | None = None,
) -> PlanView:
    """Plan ``check``'s clean file for ``choices`` as ``run_campaign`` would, and preview every row of its source
    (csvtools ``options``) into ``preview_path``; raises the package's errors."""
    when = choices.api_time()
    choices.retry_config()  # a retry count the API refuses fails here, not at the schedule
    events: list[str] = []
    estimate, _ = estimate_with_account(
        client,
        check.report.clean,
        choices.avg_call_seconds,
        choices.cost_per_minute,
        events.append,
        retries=choices.retries,
    )
    plan = plan_clean_file(
        check.clean_path,
        check.report,
        requested=requested_start(when, None, now),
        concurrency=estimate.lines or DEFAULT_CONCURRENCY,
        avg_call_seconds=choices.avg_call_seconds,
    )
    view = PlanView(choices, plan, estimate, events=events)
    if plan.outside:
        try:
            view.parts = split_by_window(plan)
        except OutsideCallingHoursError as exc:
            view.split_error = str(exc)
    try:
        view.preview = preview_plan(
            check.source,
            at=when,
            concurrency=plan.concurrency,
            avg_call_seconds=choices.avg_call_seconds,
            split_by_window=choices.split,
            # "call them anyway" uploads every row, as allow_outside_hours does: no row is outside then.
            calling_hours="any" if choices.allow_outside and not choices.split else None,
            cost_per_minute=choices.cost_per_minute,
            retries=choices.retries,
            now=now,
            **options,
        )
        write_preview(view.preview.rows, preview_path, check.source)
        view.preview_path = preview_path
    except UploaderError as exc:
        view.preview_error = str(exc)
    return view


def _x(moment: datetime) -> int:
    return _x_time(moment.hour, moment.minute)


def _x_time(hour: int, minute: int) -> int:
    return round((hour * 60 + minute) / (24 * 60) * DAY_WIDTH)
