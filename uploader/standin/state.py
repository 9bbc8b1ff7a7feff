"""What a running stand-in holds besides its routes, and the error answers its routes raise."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from .faults import FaultPlan
from .store import BatchStore


class ApiError(Exception):
    """An error answer in the documented ``{"error": code, "message": text}`` shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class StandInState:
    """Everything a running stand-in holds besides its routes."""

    store: BatchStore
    api_keys: frozenset[str]
    speed: float = 1.0
    clock: Callable[[], float] = time.time
    faults: FaultPlan = field(default_factory=FaultPlan)
    control: bool = False
    lenient_numbers: bool = False
    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def current_state() -> StandInState:
    """The state of the app serving the current request."""
    return current_app.extensions["standin"]
