"""Attempt caps across batches: no number called more often within 24 hours than its rule allows.

No platform counts calls across batches, so the ledger does: every upload
books its contacts with the calls each may get (the first call and every
redial of the batch's ``retry_config``) and when. A run adds its own calls to
what other batches booked within 24 hours of its start; a number whose total
would pass its cap is skipped (reason ``attempt_cap``). The cap is the
smallest of ``max_per_day`` (``--max-attempts-per-day``) and, with the
built-in rules, the state rules of the number (:mod:`.state_rules`: 3 in
FL, OK and MD). Defaults, not legal advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError
from .state_rules import rules_of

__all__ = ["AttemptCaps", "cap_of", "capped_numbers"]


@dataclass(frozen=True)
class AttemptCaps:
    """What a run's caps need: the calls others booked near its start, its own calls a contact, the limits."""

    booked: Mapping[str, int] = field(default_factory=dict)
    attempts: int = 1
    max_per_day: int | None = None
    state_rules: bool = True
    #: Contact keys this run resumes rather than books (already in a batch of this source): never capped.
    exempt: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.max_per_day is not None and self.max_per_day < 1:
            raise ConfigError(f"--max-attempts-per-day must be at least 1, not {self.max_per_day}")

    @property
    def active(self) -> bool:
        """Whether any cap can apply (a per-day maximum, or the state rules)."""
        return self.max_per_day is not None or self.state_rules


def cap_of(number: str, max_per_day: int | None, state_rules: bool = True) -> int | None:
    """The most calls ``number`` may get within 24 hours; None when nothing limits it."""
    caps = [rule.max_calls_per_day for rule in rules_of(number)] if state_rules else []
    if max_per_day is not None:
        caps.append(max_per_day)
    return min(caps) if caps else None


def capped_numbers(rows_by_number: Mapping[str, int], caps: AttemptCaps) -> set[str]:
    """The numbers whose calls booked elsewhere plus this run's (rows × attempts) would pass their cap."""
    if not caps.active:
        return set()
    found = set()
    for number, rows in rows_by_number.items():
        cap = cap_of(number, caps.max_per_day, caps.state_rules)
        if cap is not None and caps.booked.get(number, 0) + rows * caps.attempts > cap:
            found.add(number)
    return found
