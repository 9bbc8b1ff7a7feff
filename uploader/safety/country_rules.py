"""The built-in calling rules as data: each country's hours by weekday, and the US narrowed by its states'.

:data:`COUNTRY_RULES` holds the US (federal), Canada (CRTC) and France, each
with its source; a US number under a state rule (:mod:`.state_rules`) is
planned under the state's ISO 3166-2 code (``US-FL``), whose rule is the
federal one cut to the state's hours. These are defaults, not legal advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from functools import lru_cache

from .state_rules import STATE_RULES

__all__ = ["COUNTRY_RULES", "CountryRule", "Interval", "builtin_rule", "window_on"]

Interval = tuple[time, time]
_WEEKDAYS, _WEEKEND = (0, 1, 2, 3, 4), (5, 6)


@dataclass(frozen=True)
class CountryRule:
    """A country's calling hours: intervals per weekday (Monday = 0), and where the rule comes from."""

    country: str
    days: dict[int, tuple[Interval, ...]]
    source: str

    def intervals(self, weekday: int) -> tuple[Interval, ...]:
        return self.days.get(weekday, ())


def _every(days: Sequence[int], *intervals: tuple[str, str]) -> dict[int, tuple[Interval, ...]]:
    parsed = tuple((time.fromisoformat(start), time.fromisoformat(end)) for start, end in intervals)
    return dict.fromkeys(days, parsed)


#: Built-in rules that make the window stricter where they say so (each in docs/calling-hours.md).
COUNTRY_RULES: dict[str, CountryRule] = {
    "US": CountryRule("US", _every(range(7), ("08:00", "21:00")), "47 CFR §64.1200(c)(1)"),
    "CA": CountryRule(
        "CA",
        {**_every(_WEEKDAYS, ("09:00", "21:30")), **_every(_WEEKEND, ("10:00", "18:00"))},
        "CRTC Unsolicited Telecommunications Rules (Telemarketing Rules)",
    ),
    "FR": CountryRule(
        "FR",
        _every(_WEEKDAYS, ("10:00", "13:00"), ("14:00", "20:00")),
        "Décret n° 2022-1313 (Code de la consommation, art. D. 223-9)",
    ),
}


@lru_cache(maxsize=64)
def builtin_rule(country: str | None) -> CountryRule | None:
    """The built-in rule of a plan group's ``country``: a country's, or the US's narrowed by its states'."""
    if country in COUNTRY_RULES or not country or not country.startswith("US-"):
        return COUNTRY_RULES.get(country or "")
    codes = country.split("+")
    states = [rule for rule in STATE_RULES if rule.code in codes]
    days = dict(COUNTRY_RULES["US"].days)
    for state in states:
        opens, closes = time.fromisoformat(state.opens), time.fromisoformat(state.closes)
        days = {day: _narrowed(intervals, (opens, closes)) for day, intervals in days.items()}
    sources = [COUNTRY_RULES["US"].source, *(f"{rule.source} ({rule.year})" for rule in states)]
    return CountryRule(country, days, "; ".join(sources))


def window_on(hours: Interval, rule: CountryRule | None, weekday: int) -> tuple[Interval, ...]:
    """The calling hours on ``weekday``, made stricter by a country's rule."""
    if rule is None:
        return (hours,)
    return _narrowed(rule.intervals(weekday), hours)


def _narrowed(intervals: tuple[Interval, ...], hours: Interval) -> tuple[Interval, ...]:
    """``intervals`` cut to ``hours`` (the parts of them inside it)."""
    opens, closes = hours
    return tuple(
        (max(opens, start), min(closes, end))
        for start, end in intervals
        if max(opens, start) < min(closes, end)
    )
