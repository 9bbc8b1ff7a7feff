"""An agent's calling guardrails, as Bolna's docs describe them, for the stand-in.

The agent has calling hours (``call_start_hour`` to ``call_end_hour``); at
dial time the recipient's local time is taken from the number, and a call
outside the hours is not placed but becomes ``rescheduled`` to the next start
hour, unless the schedule asked for ``bypass_call_guardrails``. The zone is
the number's first candidate zone (``csvtools.time_zones_for``; a mobile of
a country with several zones gets the first libphonenumber lists): our guess
of "detected from the number". The stand-in does not dial a rescheduled call
later: the batch ends without it, and its execution says when it would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import csvtools


def parse_hours(text: str) -> tuple[str, str]:
    """``"HH:MM-HH:MM"`` as (opens, closes) text; raises ValueError."""
    try:
        opens, closes = (part.strip() for part in text.split("-"))
        if time.fromisoformat(closes) <= time.fromisoformat(opens):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"agent calling hours are HH:MM-HH:MM with the end after the start, not {text!r}"
        ) from None
    return opens, closes


@dataclass(frozen=True)
class Guardrails:
    """An agent's calling hours applied to a batch that starts (calendar time) at ``start`` (epoch)."""

    opens: time
    closes: time
    start: float

    @classmethod
    def of(cls, hours: list[str] | tuple[str, str] | None, start: float | None) -> Guardrails | None:
        if not hours or start is None:
            return None
        return cls(time.fromisoformat(hours[0]), time.fromisoformat(hours[1]), start)

    def reschedule(self, number: str, dial_at: float) -> float | None:
        """When a call dialled ``dial_at`` simulated seconds after the start would be moved to; None if inside."""
        zone = _zone(number)
        if zone is None:
            return None  # no zone known: the check cannot apply
        local = datetime.fromtimestamp(self.start + dial_at, timezone.utc).astimezone(zone)
        if self.opens <= local.time() < self.closes:
            return None
        day = local.date() if local.time() < self.opens else local.date() + timedelta(days=1)
        return datetime.combine(day, self.opens, zone).timestamp()


@lru_cache(maxsize=4096)
def _zone(number: str) -> ZoneInfo | None:
    for name in csvtools.time_zones_for(number):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None
