"""Faults on demand: the failures a client must survive, served over real HTTP.

A plan holds a *script* (faults handed out in order, one per matching
request) and a *rate* (a share of requests that get a random fault, from a
seeded generator so runs repeat). Kinds:

==============  ===============================================================
``429``         Too Many Requests with ``Retry-After``; the request is not run
``500`` ``502`` ``503``  server errors; the request is not run
``slow``        sleep ``slow_seconds`` first, then run the request
``drop``        close the connection without running the request
``drop-after``  run the request, then close the connection before answering
``ok``          no fault (a placeholder in a script)
==============  ===============================================================

A script entry may name the operation it waits for, as ``create:drop-after``;
operations are ``create schedule get executions list stop delete account``.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field

KINDS = ("ok", "429", "500", "502", "503", "slow", "drop", "drop-after")
OPERATIONS = ("create", "schedule", "get", "executions", "list", "stop", "delete", "account")


@dataclass
class FaultPlan:
    """What goes wrong, and when. Thread-safe; replace it whole with :meth:`configure`."""

    script: deque = field(default_factory=deque)
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "502", "503")
    retry_after: float = 1
    slow_seconds: float = 5.0
    seed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)
        self.script = deque(_parse_entry(entry) for entry in self.script)
        for kind in self.kinds:
            _check_kind(kind)

    @classmethod
    def from_settings(cls, settings: dict) -> FaultPlan:
        """Build a plan from the JSON the control route takes (same names as the fields)."""
        unknown = set(settings) - {"script", "rate", "kinds", "retry_after", "slow_seconds", "seed"}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        rate = float(settings.get("rate", 0.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate is a share between 0 and 1")
        return cls(
            script=deque(settings.get("script", [])),
            rate=rate,
            kinds=tuple(settings.get("kinds", cls.kinds)),
            retry_after=float(settings.get("retry_after", 1)),
            slow_seconds=float(settings.get("slow_seconds", 5.0)),
            seed=int(settings.get("seed", 0)),
        )

    def next_fault(self, operation: str) -> str:
        """The fault for one request to ``operation``: a kind from :data:`KINDS`."""
        with self._lock:
            if self.script:
                wanted, kind = self.script[0]
                if wanted is None or wanted == operation:
                    self.script.popleft()
                    return kind
            if self.rate and self._random.random() < self.rate:
                return self._random.choice(self.kinds)
        return "ok"

    def describe(self) -> dict:
        with self._lock:
            return {
                "script": [f"{op}:{kind}" if op else kind for op, kind in self.script],
                "rate": self.rate,
                "kinds": list(self.kinds),
                "retry_after": self.retry_after,
                "slow_seconds": self.slow_seconds,
            }


def _parse_entry(entry: str | tuple) -> tuple[str | None, str]:
    if isinstance(entry, tuple):
        return entry
    operation, _, kind = str(entry).rpartition(":")
    if operation and operation not in OPERATIONS:
        raise ValueError(
            f"unknown operation {operation!r} in fault {entry!r}; one of {', '.join(OPERATIONS)}"
        )
    _check_kind(kind)
    return operation or None, kind


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")
