"""US states whose calling rules are stricter than the federal ones, as data: hours and calls a day.

A number's state comes from its area code: ``csvtools.places_for`` names
every place phonenumbers' geocoder knows in it (``Florida``, ``Miami, FL``).
An area code that spans states gets every rule among them (the strictest
hours and the smallest cap). Each rule keeps its law and the year it was
passed; the docs (docs/calling-hours.md) show the same table. These are
defaults, not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import csvtools

__all__ = ["STATE_RULES", "StateRule", "jurisdiction_of", "rules_of", "states_of"]


@dataclass(frozen=True)
class StateRule:
    """One state's rule: local calling hours every day, and calls to one number within 24 hours."""

    state: str  # USPS code, as the geocoder writes it after a city ("Miami, FL")
    name: str  # as the geocoder writes a whole state ("Florida")
    opens: str
    closes: str
    max_calls_per_day: int
    source: str
    year: int
    in_force: str

    @property
    def code(self) -> str:
        """The ISO 3166-2 code of the state (``US-FL``): the plan groups its numbers under it."""
        return f"US-{self.state}"


STATE_RULES: tuple[StateRule, ...] = (
    StateRule(
        "FL",
        "Florida",
        "08:00",
        "20:00",
        3,
        "Florida Telephone Solicitation Act, Fla. Stat. § 501.059, as amended by SB 1120",
        2021,
        "2021-07-01",
    ),
    StateRule(
        "OK",
        "Oklahoma",
        "08:00",
        "20:00",
        3,
        "Oklahoma Telephone Solicitation Act of 2022, Okla. Stat. tit. 15, § 775C.1 et seq. (HB 3168)",
        2022,
        "2022-11-01",
    ),
    StateRule(
        "MD",
        "Maryland",
        "08:00",
        "20:00",
        3,
        "Maryland Stop the Spam Calls Act of 2023, Md. Code, Com. Law § 14-4501 et seq. (SB 90)",
        2023,
        "2024-01-01",
    ),
)

_BY_NAME = {rule.name: rule for rule in STATE_RULES}
_BY_STATE = {rule.state: rule for rule in STATE_RULES}


def states_of(number: str) -> tuple[str, ...]:
    """The USPS codes of every state the geocoder names for a number (its area code, for ``+1``), sorted."""
    return _states_in(csvtools.places_for(number))


@lru_cache(maxsize=1 << 12)
def _states_in(places: tuple[str, ...]) -> tuple[str, ...]:
    found = set()
    for place in places:
        _, comma, state = place.rpartition(", ")
        if comma and len(state) == 2:
            found.add(state)
        elif place in _BY_NAME:
            found.add(_BY_NAME[place].state)
    return tuple(sorted(found))


def rules_of(number: str) -> tuple[StateRule, ...]:
    """The state rules that apply to a US number (by its area code); empty for any other number."""
    if not number.startswith("+1"):
        return ()
    return tuple(_BY_STATE[state] for state in states_of(number) if state in _BY_STATE)


def jurisdiction_of(number: str, country: str | None) -> str | None:
    """``country``, or for a US number under state rules their ISO 3166-2 codes (``US-FL``; ``US-MD+US-OK``)."""
    if country != "US":
        return country
    rules = rules_of(number)
    return "+".join(rule.code for rule in rules) if rules else country
