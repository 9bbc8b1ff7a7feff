"""Schedule times as the Batch API takes them: ISO 8601 with a numeric offset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ScheduleTimeError

#: The API refuses a start sooner than this (and rounds up to the next 10 minutes).
MIN_LEAD = timedelta(minutes=2)
#: A start further ahead than this is a typo, not a campaign (and year 9999 overflows once rounded).
MAX_LEAD = timedelta(days=366)
#: The API starts a batch at the next multiple of this after the time asked for.
ROUND_TO = timedelta(minutes=10)


def to_api_time(value: datetime | str, tz: str | None = None, now: datetime | None = None) -> str:
    """Return ``value`` as ``YYYY-MM-DDTHH:MM:SS+HH:MM``, checked before any request.

    A ``Z`` suffix becomes ``+00:00`` (the API answers a ``Z`` with a 500). A
    naive time needs ``tz`` (an IANA name such as ``Asia/Kolkata``), and must
    name one moment there: a wall time the clocks skip (spring forward) is
    refused, one they show twice (fall back) needs its offset. A time
    less than two minutes or more than a year ahead of ``now`` raises
    :class:`ScheduleTimeError`.
    """
    moment = _parse(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise ScheduleTimeError(
            f"a schedule time is a datetime or an ISO 8601 string, not {type(value).__name__}"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        if not tz:
            raise ScheduleTimeError(
                f"{moment.isoformat()} has no UTC offset; add one (e.g. +05:30) or name a time zone (--tz Asia/Kolkata)"
            )
        moment = _localize(moment, tz)
    now = now or datetime.now(timezone.utc)
    if moment < now:
        raise ScheduleTimeError(f"{moment.isoformat()} is in the past")
    if moment < now + MIN_LEAD:
        raise ScheduleTimeError(f"{moment.isoformat()} is less than 2 minutes ahead; the API refuses that")
    if moment > now + MAX_LEAD:
        raise ScheduleTimeError(f"{moment.isoformat()} is more than a year ahead; give a nearer time")
    return moment.isoformat(timespec="seconds")


def api_start(value: str | datetime) -> datetime:
    """The start the API will use for ``value`` (an offset-carrying time): rounded up to the next 10 minutes."""
    moment = _parse(value) if isinstance(value, str) else value
    step = ROUND_TO.total_seconds()
    seconds = moment.timestamp()
    rounded = -(-seconds // step) * step
    return datetime.fromtimestamp(rounded, moment.tzinfo)


def show_start(value: str | datetime, tz: str | None = None) -> str:
    """``value``'s rounded start for people: in ``tz`` when given, else in the offset it was written with."""
    start = api_start(value)
    if tz:
        start = start.astimezone(_zone(tz))
    name = f" {tz}" if tz else ""
    return f"{start.isoformat(timespec='minutes')}{name}"


def soonest(now: datetime | None = None) -> datetime:
    """The earliest start the API accepts, with a margin for the request's own travel."""
    now = now or datetime.now(timezone.utc)
    return (now + MIN_LEAD + timedelta(seconds=30)).replace(microsecond=0)


def _parse(text: str) -> datetime:
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise ScheduleTimeError(
            f"{text!r} is not an ISO 8601 date and time (e.g. 2025-06-01T10:00:00+05:30)"
        ) from None


def _localize(naive: datetime, tz: str) -> datetime:
    """``naive`` in zone ``tz``, if that wall time happens there exactly once."""
    zone = _zone(tz)
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    shown = naive.isoformat()
    if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != naive:
        raise ScheduleTimeError(
            f"{shown} does not happen in {tz}: the clocks go forward over it; give another time"
        )
    raise ScheduleTimeError(
        f"{shown} happens twice in {tz}, as the clocks go back; give the offset you mean:"
        f" {first.isoformat()} or {second.isoformat()}"
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleTimeError(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Kolkata"
        ) from None
