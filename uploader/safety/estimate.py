"""What a run will take and cost, from the account's concurrency and wallet, before anything is uploaded."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ..api.models import Account

#: A call's length when nobody says otherwise: ringing, talk and wrap-up together.
DEFAULT_AVG_CALL_SECONDS = 90.0


@dataclass(frozen=True)
class Estimate:
    """Contacts ÷ lines × seconds a call, and with a price per minute the cost against the wallet.

    ``lines`` is the account's ``concurrency.max`` (None when the account
    could not be read); ``cost``, ``cost_max`` and ``wallet`` are in the
    wallet's currency. ``cost`` is the expected cost, first attempts only;
    ``cost_max`` the worst case, every contact called ``1 + retries`` times
    (``retries`` the batch's ``retry_config.max_retries``, 0 without one).
    """

    contacts: int
    avg_call_seconds: float
    lines: int | None = None
    duration_seconds: float | None = None
    cost_per_minute: float | None = None
    cost: float | None = None
    wallet: float | None = None
    retries: int = 0
    cost_max: float | None = None

    @property
    def covered(self) -> bool | None:
        """Whether the wallet covers the expected cost (None when either is unknown)."""
        return _covers(self.wallet, self.cost)

    @property
    def worst_case_covered(self) -> bool | None:
        """Whether the wallet covers the worst case, every redial made (None when either is unknown)."""
        return _covers(self.wallet, self.cost_max)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "covered": self.covered, "worst_case_covered": self.worst_case_covered}

    def describe(self) -> str:
        parts = [f"{self.contacts} contacts"]
        if self.duration_seconds is not None:
            parts.append(
                f"on {self.lines} lines about {_duration(self.duration_seconds)} "
                f"at {self.avg_call_seconds:g} s a call"
            )
        if self.cost is not None:
            parts.append(f"about {self.cost:.2f} at {self.cost_per_minute:g} a minute")
            if self.retries and self.cost_max is not None:
                parts.append(f"at most {self.cost_max:.2f} with {self.retries} redials each")
        if self.wallet is not None:
            parts.append(f"wallet {self.wallet:.2f}")
        return "estimate: " + ", ".join(parts)


def estimate_run(
    contacts: int,
    account: Account | None,
    *,
    avg_call_seconds: float = DEFAULT_AVG_CALL_SECONDS,
    cost_per_minute: float | None = None,
    retries: int = 0,
    lines: int | None = None,
) -> Estimate:
    """The estimate for ``contacts`` calls on ``account`` (which may be None when it could not be read).

    ``lines`` stands in for the account's ``concurrency.max`` when there is none (a plan made offline).
    """
    lines = account.concurrency_max if account and account.concurrency_max else lines
    duration = math.ceil(contacts / lines) * avg_call_seconds if lines else None
    cost = cost_max = None
    if cost_per_minute is not None:
        cost = round(contacts * avg_call_seconds / 60 * cost_per_minute, 2)
        cost_max = round(contacts * (1 + retries) * avg_call_seconds / 60 * cost_per_minute, 2)
    return Estimate(
        contacts,
        avg_call_seconds,
        lines,
        duration,
        cost_per_minute,
        cost,
        account.wallet if account else None,
        retries,
        cost_max,
    )


def _covers(wallet: float | None, cost: float | None) -> bool | None:
    return None if wallet is None or cost is None else wallet >= cost


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
