"""Calling hours before anything is uploaded: each recipient's local time when the batch would call.

``plan_calls`` cleans a file as ``uploader run`` would (into a temporary
folder), groups the kept numbers by country and candidate time zones
(``csvtools.time_zones_for``), and says for each group the local time at the
batch's real start (the API rounds it up to the next 10 minutes), an
estimate of the local time of the batch's last call, and whether that span
is inside the calling window in every one of the group's zones. Nothing is
uploaded and nothing is printed here.

The window is ``calling_hours`` (default 09:00-21:00, recipient local time),
made stricter by the built-in country rules (:data:`COUNTRY_RULES`, and for
US numbers in a state with its own rule, :mod:`.state_rules`: such a number's
group is under the state's ISO 3166-2 code, ``US-FL``) unless
``calling_rules="none"``. These are defaults, not legal advice.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import csvtools

from ..api.times import soonest, to_api_time
from ..errors import ConfigError, OutsideCallingHoursError
from .country_rules import COUNTRY_RULES, CountryRule, Interval, builtin_rule, window_on
from .state_rules import jurisdiction_of

__all__ = [
    "ATTEMPT_CAP",
    "COUNTRY_RULES",
    "OUTSIDE_HOURS",
    "DEFAULT_AVG_CALL_SECONDS",
    "DEFAULT_CALLING_HOURS",
    "DEFAULT_CONCURRENCY",
    "CallPlan",
    "CountryRule",
    "PlanGroup",
    "WindowPart",
    "api_start",
    "builtin_rule",
    "describe_groups",
    "group_of",
    "parse_calling_hours",
    "plan_calls",
    "plan_clean_file",
    "requested_start",
    "split_by_window",
]

#: Why a plan skips a number: its group is outside its hours at the start; it was called too often already.
OUTSIDE_HOURS, ATTEMPT_CAP = "outside_hours", "attempt_cap"
#: The window when no ``--calling-hours`` is given, in the recipient's local time.
DEFAULT_CALLING_HOURS = "09:00-21:00"
#: Calls at once; the real figure is the account's ``concurrency.max`` (``GET /user/me``).
DEFAULT_CONCURRENCY = 10
#: A guess at an average call, ringing and talking; use a past batch's mean ``conversation_duration``.
DEFAULT_AVG_CALL_SECONDS = 120
#: The API starts a batch at the next 10-minute mark at or after the time asked for.
START_ROUNDING_SECONDS = 600
#: How far ahead a split looks for a group's opening (a French weekend plus a margin).
OPENING_HORIZON = timedelta(days=8)

_UNKNOWN_ZONE = "Etc/Unknown"


def parse_calling_hours(text: str | None) -> Interval | None:
    """``"HH:MM-HH:MM"`` as (opens, closes); ``"any"`` is None (no window). Raises ConfigError."""
    text = (text or DEFAULT_CALLING_HOURS).strip()
    if text.lower() == "any":
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ConfigError(
            f"calling hours are HH:MM-HH:MM (e.g. 09:00-21:00) or 'any', not {text!r}"
        ) from None
    if end <= start:
        raise ConfigError(f"calling hours {text!r} close before they open (a window cannot span midnight)")
    return start, end


def api_start(moment: datetime) -> datetime:
    """When the API really starts a batch scheduled at ``moment``: the next 10-minute mark (UTC)."""
    seconds = math.ceil(moment.timestamp() / START_ROUNDING_SECONDS) * START_ROUNDING_SECONDS
    return datetime.fromtimestamp(seconds, timezone.utc)


@dataclass
class ZoneCheck:
    """One candidate zone of a group: local start, local last call, and whether both are inside."""

    zone: str
    local_start: datetime | None
    local_last_call: datetime | None
    window: tuple[Interval, ...] | None
    inside: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "local_start": _iso(self.local_start),
            "local_last_call": _iso(self.local_last_call),
            "window": _windows(self.window),
            "inside": self.inside,
        }


@dataclass
class PlanGroup:
    """The kept rows of one country that share the same candidate time zones."""

    country: str | None
    time_zones: tuple[str, ...]
    rows: int
    zones: list[ZoneCheck]
    rule: str | None

    @property
    def inside(self) -> bool:
        """Inside only if inside in every candidate zone."""
        return all(check.inside for check in self.zones)

    @property
    def local_start(self) -> datetime | None:
        """The start in the zone where it is earliest in the day (the likeliest to be too early)."""
        times = [check.local_start for check in self.zones if check.local_start]
        return min(times, key=lambda moment: moment.replace(tzinfo=None)) if times else None

    @property
    def local_last_call(self) -> datetime | None:
        """The last call in the zone where it is latest in the day (the likeliest to be too late)."""
        times = [check.local_last_call for check in self.zones if check.local_last_call]
        return max(times, key=lambda moment: moment.replace(tzinfo=None)) if times else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "time_zones": list(self.time_zones),
            "country": self.country,
            "rows": self.rows,
            "local_start": _iso(self.local_start),
            "local_last_call": _iso(self.local_last_call),
            "inside": self.inside,
            "rule": self.rule,
            "zones": [check.to_dict() for check in self.zones],
        }


@dataclass
class CallPlan:
    """What a run would call when: the batch's start and length, the groups, and csvtools' report."""

    requested: datetime
    start: datetime
    last_call: datetime
    concurrency: int
    avg_call_seconds: float
    calling_hours: Interval | None
    calling_rules: str
    report: csvtools.Report
    groups: list[PlanGroup] = field(default_factory=list)
    #: The numbers this batch would not call, each with its reason (:data:`OUTSIDE_HOURS`, :data:`ATTEMPT_CAP`).
    skipped: dict[str, str] = field(default_factory=dict)

    def fate(self, number: str) -> str | None:
        """Why this batch would not call ``number`` (a reason code), or None when it would."""
        return self.skipped.get(number)

    @property
    def rows_outside(self) -> int:
        return sum(group.rows for group in self.groups if not group.inside)

    @property
    def outside(self) -> list[PlanGroup]:
        """The groups that would be called outside their calling hours."""
        return [group for group in self.groups if not group.inside]

    def rule_for(self, country: str | None) -> CountryRule | None:
        """The built-in rule of ``country``, unless rules are off."""
        return builtin_rule(country) if self.calling_rules == "builtin" else None

    def opening(self, groups: Sequence[PlanGroup], after: datetime) -> datetime | None:
        """The earliest batch start at or after ``after`` (rounded up as the API does) inside for all ``groups``.

        The batch is as long as their rows together take (rows ÷ concurrency ×
        average call); None when there is none within :data:`OPENING_HORIZON`.
        """
        length = _length(sum(group.rows for group in groups), self.concurrency, self.avg_call_seconds)
        zones = [(zone, self.rule_for(group.country)) for group in groups for zone in group.time_zones]
        start = api_start(after)
        for _ in range(int(OPENING_HORIZON.total_seconds() // START_ROUNDING_SECONDS)):
            if all(
                _check(zone, start, start + length, self.calling_hours, rule).inside for zone, rule in zones
            ):
                return start
            start += timedelta(seconds=START_ROUNDING_SECONDS)
        return None

    def to_dict(self) -> dict[str, Any]:
        hours = None if self.calling_hours is None else _windows((self.calling_hours,))[0]
        return {
            "requested": _iso(self.requested),
            "start": _iso(self.start),
            "last_call": _iso(self.last_call),
            "concurrency": self.concurrency,
            "avg_call_seconds": self.avg_call_seconds,
            "calling_hours": hours or "any",
            "calling_rules": self.calling_rules,
            "rows": sum(group.rows for group in self.groups),
            "rows_outside": self.rows_outside,
            "skipped": dict(Counter(self.skipped.values())),  # numbers by reason; plan.skipped has each
            "groups": [group.to_dict() for group in self.groups],
            "report": self.report.to_dict(),
        }


def plan_calls(
    source: str | os.PathLike,
    *,
    at: datetime | str | None = None,
    tz: str | None = None,
    calling_hours: str | None = None,
    calling_rules: str = "builtin",
    concurrency: int = DEFAULT_CONCURRENCY,
    avg_call_seconds: float = DEFAULT_AVG_CALL_SECONDS,
    now: datetime | None = None,
    attempt_caps: Callable[[Path, datetime], Collection[str]] | None = None,
    **csvtools_options: Any,
) -> CallPlan:
    """Clean ``source`` as ``run`` would (nothing is written beside it) and plan its calling hours.

    ``at=None`` means as soon as the API allows. ``csvtools_options`` (region,
    column, level, types, suppress …) go to :func:`csvtools.clean_file`.
    ``attempt_caps(clean_path, start)`` names the numbers past their attempt
    cap (``uploader.campaign.caps.plan_caps``): the plan skips them.
    """
    _check_settings(calling_hours, calling_rules, concurrency, avg_call_seconds)  # fail before any work
    requested = requested_start(at, tz, now)

    with tempfile.TemporaryDirectory(prefix="uploader-plan-") as folder:
        clean_path = Path(folder) / "plan.clean.csv"
        report = csvtools.clean_file(
            source,
            clean_path,
            Path(folder) / "plan.rejects.csv",
            **{"workers": 0, "max_rejections": 20, **csvtools_options},
        )
        plan = plan_clean_file(
            clean_path,
            report,
            requested=requested,
            calling_hours=calling_hours,
            calling_rules=calling_rules,
            concurrency=concurrency,
            avg_call_seconds=avg_call_seconds,
            capped=attempt_caps(clean_path, requested) if attempt_caps else (),
        )
    report.clean_path = report.rejects_path = None  # they were temporary: nothing is written
    return plan


def requested_start(at: datetime | str | None, tz: str | None, now: datetime | None = None) -> datetime:
    """The start a plan asks for: ``at`` (in ``tz`` when it has no offset), or as soon as the API allows."""
    return datetime.fromisoformat(to_api_time(at, tz, now)) if at is not None else soonest(now)


def plan_clean_file(
    clean_path: str | os.PathLike,
    report: csvtools.Report,
    *,
    requested: datetime,
    calling_hours: str | None = None,
    calling_rules: str = "builtin",
    concurrency: int = DEFAULT_CONCURRENCY,
    avg_call_seconds: float = DEFAULT_AVG_CALL_SECONDS,
    groups_of: Mapping[str, tuple[str | None, tuple[str, ...]]] | None = None,
    capped: Collection[str] = (),
) -> CallPlan:
    """Plan the calling hours of a clean file (``contact_number`` first) for a batch asked for ``requested``.

    ``groups_of`` holds :func:`group_of` of numbers already judged (a caller that needs them too). The
    ``capped`` numbers (past their attempt cap) are skipped: in no group, in ``skipped`` as ``attempt_cap``.
    """
    hours = _check_settings(calling_hours, calling_rules, concurrency, avg_call_seconds)
    start = api_start(requested)
    rows_by_number = _rows_by_number(Path(clean_path))
    skipped = {number: ATTEMPT_CAP for number in capped if number in rows_by_number}
    for number in skipped:
        del rows_by_number[number]
    known = groups_of or {}
    group_by_number = {
        number: known[number] if number in known else group_of(number) for number in rows_by_number
    }
    counts: Counter = Counter()
    for number, count in rows_by_number.items():
        counts[group_by_number[number]] += count
    rows = sum(counts.values())
    last_call = start + _length(rows, concurrency, avg_call_seconds)

    plan = CallPlan(requested, start, last_call, concurrency, avg_call_seconds, hours, calling_rules, report)
    for (country, zones), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = plan.rule_for(country)
        checks = [_check(zone, start, last_call, hours, rule) for zone in zones]
        plan.groups.append(PlanGroup(country, zones, count, checks, rule.source if rule else None))
    outside = {(group.country, group.time_zones) for group in plan.outside}
    plan.skipped = skipped | {
        number: OUTSIDE_HOURS for number, key in group_by_number.items() if key in outside
    }
    return plan


def _check_settings(
    calling_hours: str | None, calling_rules: str, concurrency: int, avg_call_seconds: float
) -> Interval | None:
    if calling_rules not in ("builtin", "none"):
        raise ConfigError(f"calling rules are 'builtin' or 'none', not {calling_rules!r}")
    if concurrency < 1 or avg_call_seconds <= 0:
        raise ConfigError("concurrency must be at least 1 and the average call longer than 0 seconds")
    return parse_calling_hours(calling_hours)


def group_of(number: str) -> tuple[str | None, tuple[str, ...]]:
    """The plan group of one E.164 number: its country (``US-FL`` under a state's rule) and candidate zones."""
    return jurisdiction_of(number, csvtools.normalize_number(number).region), csvtools.time_zones_for(number)


@dataclass
class WindowPart:
    """Groups of a plan that share an opening: one batch, started at ``start`` (a 10-minute mark)."""

    start: datetime
    groups: list[PlanGroup]

    @property
    def rows(self) -> int:
        return sum(group.rows for group in self.groups)

    @property
    def time_zones(self) -> list[str]:
        return sorted({zone for group in self.groups for zone in group.time_zones})

    @property
    def keys(self) -> set[tuple[str | None, tuple[str, ...]]]:
        return {(group.country, group.time_zones) for group in self.groups}


def split_by_window(plan: CallPlan) -> list[WindowPart]:
    """The plan's groups as batches, each at the earliest start at or after the plan's that is inside for every row.

    Take the earliest opening of any group (each group alone, as long as its
    own rows take); the groups that open then join one part, largest first,
    as long as the part, with all their rows, is still inside at that start.
    A group that does not fit waits for an opening at least 10 minutes later.
    So every part's start is inside for every row in it, and parts come in
    the order of their start. Raises :class:`OutsideCallingHoursError` naming
    the groups with no opening within :data:`OPENING_HORIZON` (a number with
    no known zone never has one; nor has a group too long for any opening).
    """
    step = timedelta(seconds=START_ROUNDING_SECONDS)
    floors = {id(group): plan.requested for group in plan.groups}
    openings: dict[int, tuple[datetime, datetime | None]] = {}  # group → (floor it was found from, opening)

    def own_opening(group: PlanGroup) -> datetime | None:
        floor = floors[id(group)]
        if id(group) not in openings or openings[id(group)][0] != floor:
            openings[id(group)] = (floor, plan.opening([group], floor))
        return openings[id(group)][1]

    pending, parts, never = list(plan.groups), [], []
    while pending:
        never += [group for group in pending if own_opening(group) is None]
        pending = [group for group in pending if own_opening(group) is not None]
        if not pending:
            break
        start = min(opening for opening in map(own_opening, pending) if opening is not None)
        opening_now = sorted((g for g in pending if own_opening(g) == start), key=lambda g: -g.rows)
        members: list[PlanGroup] = []
        for group in opening_now:
            if plan.opening([*members, group], start) == start:
                members.append(group)
            else:
                floors[id(group)] = start + step
        parts.append(WindowPart(start, members))
        pending = [group for group in pending if group not in members]
    if never:
        rows = sum(group.rows for group in never)
        raise OutsideCallingHoursError(
            f"{rows} row{' has' if rows == 1 else 's have'} no opening in {'its' if rows == 1 else 'their'} calling "
            f"hours within {OPENING_HORIZON.days} days: {describe_groups(never)}; a batch must fit inside one "
            f"opening, at {plan.concurrency} calls at once and {plan.avg_call_seconds:g} s a call",
            groups=never,
        )
    return parts


def describe_groups(groups: Sequence[PlanGroup], most: int = 10) -> str:
    """Groups for people, the ``most`` largest named: ``AU Australia/Sydney +7 zones: 1 row; GB …: 2 rows``."""
    ordered = sorted(groups, key=lambda group: -group.rows)
    texts = []
    for group in ordered[:most]:
        zones = ", ".join(group.time_zones[:2]) + (
            f" +{len(group.time_zones) - 2} zones" if len(group.time_zones) > 2 else ""
        )
        texts.append(f"{group.country or '??'} {zones}: {_rows(group.rows)}")
    rest = ordered[most:]
    if rest:
        texts.append(
            f"and {len(rest)} more group{'' if len(rest) == 1 else 's'}: "
            f"{_rows(sum(group.rows for group in rest))}"
        )
    return "; ".join(texts)


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _length(rows: int, concurrency: int, avg_call_seconds: float) -> timedelta:
    return timedelta(seconds=math.ceil(rows / concurrency) * avg_call_seconds)


def _rows_by_number(clean_path: Path) -> Counter:
    """Rows of the clean file by number."""
    numbers: Counter = Counter()
    with open(clean_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for row in reader:
            numbers[row[0]] += 1  # contact_number comes first in a clean file
    return numbers


def _check(
    zone: str, start: datetime, last_call: datetime, hours: Interval | None, rule: CountryRule | None
) -> ZoneCheck:
    try:
        info = ZoneInfo(zone) if zone != _UNKNOWN_ZONE else None
    except (ZoneInfoNotFoundError, ValueError):
        info = None
    if info is None:  # no zone to check against: never counted as inside
        return ZoneCheck(zone, None, None, None, hours is None)
    local_start, local_end = start.astimezone(info), last_call.astimezone(info)
    if hours is None:
        return ZoneCheck(zone, local_start, local_end, None, True)
    window = window_on(hours, rule, local_start.weekday())
    inside = local_start.date() == local_end.date() and any(
        opens <= local_start.time() and local_end.time() <= closes for opens, closes in window
    )
    return ZoneCheck(zone, local_start, local_end, window, inside)


@overload
def _windows(window: tuple[Interval, ...]) -> list[str]: ...
@overload
def _windows(window: None) -> None: ...
@overload
def _windows(window: tuple[Interval, ...] | None) -> list[str] | None: ...
def _windows(window: tuple[Interval, ...] | None) -> list[str] | None:
    if window is None:
        return None
    return [f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in window]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
