"""The batch's ``retry_config`` (redials of unanswered calls), built and checked before any request.

Bolna's auto-retry rules: 1 to 3 retries; the statuses a call may be redialled
after are ``no-answer``, ``busy``, ``failed`` and ``error``; the intervals are
minutes. Documented defaults when retries are on: 3 retries on no-answer,
busy and failed, after 30, 60 and 120 minutes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError

MAX_RETRIES = 3
RETRYABLE_STATUSES = ("no-answer", "busy", "failed", "error")
DEFAULT_STATUSES = ("no-answer", "busy", "failed")
DEFAULT_INTERVALS = (30, 60, 120)


def retry_config(
    retries: int | None, statuses: Sequence[str] | None = None, intervals: Sequence[float] | None = None
) -> dict[str, Any] | None:
    """The ``retry_config`` for ``--retries N --retry-on … --retry-intervals …``.

    None (nothing sent, no redials) without ``retries`` or with ``retries=0``.
    Raises :class:`ConfigError` for anything the API would refuse.
    """
    if retries is not None and not 0 <= retries <= MAX_RETRIES:
        raise ConfigError(
            f"--retries must be 0 (no redials) to {MAX_RETRIES} (the API's limit), not {retries}"
        )
    if not retries:
        if statuses or intervals:
            raise ConfigError(f"--retry-on and --retry-intervals need --retries 1 to {MAX_RETRIES}")
        return None
    config = {
        "enabled": True,
        "max_retries": retries,
        "retry_on_statuses": list(statuses or DEFAULT_STATUSES),
        "retry_intervals_minutes": list(intervals or DEFAULT_INTERVALS[:retries]),
    }
    return check_retry_config(config)


def check_retry_config(config: dict[str, Any] | str) -> dict[str, Any]:
    """``config`` (a dict or its JSON) checked against the documented limits; returns it as a dict."""
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError:
            raise ConfigError("--retry-config is not valid JSON") from None
    if not isinstance(config, dict):
        raise ConfigError("--retry-config must be a JSON object")
    retries = config.get("max_retries", MAX_RETRIES)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 1 <= retries <= MAX_RETRIES:
        raise ConfigError(f"retries must be 1 to {MAX_RETRIES} (the API's limit), not {retries!r}")
    statuses = config.get("retry_on_statuses", list(DEFAULT_STATUSES))
    wrong = [s for s in statuses if s not in RETRYABLE_STATUSES] if isinstance(statuses, list) else [statuses]
    if wrong or not statuses:
        raise ConfigError(
            f"calls can be retried only after {', '.join(RETRYABLE_STATUSES)}; "
            f"not {', '.join(map(str, wrong)) or 'nothing'}"
        )
    intervals = config.get("retry_intervals_minutes", list(DEFAULT_INTERVALS))
    if (
        not isinstance(intervals, list)
        or not intervals
        or not all(isinstance(i, (int, float)) and not isinstance(i, bool) and i > 0 for i in intervals)
    ):
        raise ConfigError("retry intervals are positive minutes, e.g. 30,60")
    return config


def redials_of(config: dict[str, Any] | None) -> int:
    """How many times a ``retry_config`` may redial each contact: 0 when none is sent or it is off."""
    if not config or config.get("enabled", True) is False:
        return 0
    return int(config.get("max_retries", MAX_RETRIES))


def parse_list(text: str | None) -> list[str]:
    """``"a, b,c"`` → ``["a", "b", "c"]`` (empty for None)."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def parse_minutes(text: str | None) -> list[float]:
    """``"30,60"`` → ``[30, 60]``; raises :class:`ConfigError` for anything not a number."""
    try:
        values = [float(item) for item in parse_list(text)]
    except ValueError:
        raise ConfigError(
            f"--retry-intervals takes minutes separated by commas, e.g. 30,60; not {text!r}"
        ) from None
    return [int(v) if v.is_integer() else v for v in values]
