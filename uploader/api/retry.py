"""Which failures are retried, and how long to wait: pure functions, table-tested."""

from __future__ import annotations

import random
from collections.abc import Callable

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0


def should_retry(*, idempotent: bool, status: int | None = None, reached_server: bool = True) -> bool:
    """Decide whether one failed attempt may be sent again.

    ``status`` is the HTTP status, or None when no answer came (connection
    failure or timeout). ``reached_server`` is False only when the request
    certainly never left this machine (connection refused, connect timeout).

    A non-idempotent request (the create upload) is re-sent only when it
    certainly made no batch: it never reached the server, or the server said
    429 (the rate limiter answers before anything is created). Anything else
    could mean a batch exists, and a second upload would call every contact
    twice.
    """
    if not reached_server:
        return True
    if status is None:
        return idempotent
    if status == 429:
        return True
    return idempotent and status in RETRYABLE_STATUSES


def retry_delay(
    attempt: int,
    retry_after: float | None = None,
    *,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    A server's ``Retry-After`` wins when it is sane (0–60 s); otherwise
    capped exponential backoff (0.5, 1, 2, 4, 8, 8 … s) less up to 25 %
    jitter, so that many clients do not retry in step.
    """
    if retry_after is not None and 0 <= retry_after <= MAX_RETRY_AFTER:
        return retry_after
    base = min(INITIAL_DELAY * 2 ** (attempt - 1), MAX_DELAY)
    return base * (1 - 0.25 * jitter())


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given as a number (dates are ignored)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
