"""How the campaign reports progress without printing: a callback per message."""

from __future__ import annotations

from collections.abc import Callable

EventCallback = Callable[[str], None]


def quiet(message: str) -> None:
    """The default callback: say nothing."""
