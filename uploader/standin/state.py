"""What a running stand-in holds besides its routes, and the error answers its routes raise."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from .faults import FaultPlan
from .store import BatchStore

AUTH_STYLES = ("docs", "live")
FINAL_STATUSES = ("completed", "executed")
DEFAULT_WALLET = 10_000.0


class ApiError(Exception):
    """An error answer: the documented ``{"error": code, "message": text}`` shape unless ``body`` is given."""

    def __init__(self, status: int, message: str, body: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body


class RateLimiter:
    """At most ``per_minute`` requests per key in any 60 seconds of the clock; thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.per_minute, self._clock = per_minute, clock
        self._seen: dict[str, deque] = {}
        self._lock = threading.Lock()

    def admit(self, owner: str) -> float | None:
        """None when the request may go on; else the seconds until it may (for ``Retry-After``)."""
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(owner, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return max(1.0, seen[0] + 60 - now)
            seen.append(now)
            return None


@dataclass
class StandInState:
    """Everything a running stand-in holds besides its routes."""

    store: BatchStore
    api_keys: frozenset[str]
    speed: float = 1.0
    clock: Callable[[], float] = time.time
    faults: FaultPlan = field(default_factory=FaultPlan)
    control: bool = False
    strict_upload: bool = False
    auth_style: str = "docs"
    wallet: float = DEFAULT_WALLET  # in the account's currency; call costs are in cents of it
    concurrency: int = 5
    cents_per_minute: float = 9.5
    final_status: str = "completed"
    rate_limiter: RateLimiter | None = None
    agent_calling_hours: tuple[str, str] | None = (
        None  # (opens, closes) recipient local time; None: no guardrails
    )
    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def current_state() -> StandInState:
    """The state of the app serving the current request."""
    return current_app.extensions["standin"]
