"""How one start of the web app is set up: where it listens, the token, the limits, the API it talks to."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass

from ..errors import ConfigError

#: The largest contact file (or suppression list) the app takes by default.
DEFAULT_MAX_UPLOAD_MB = 50
#: The agent id practice mode offers when BOLNA_AGENT_ID is not set (the stand-in takes any UUID).
PRACTICE_AGENT_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
#: How much faster than real time the practice stand-in runs batches.
DEFAULT_PRACTICE_SPEED = 60.0
#: What a minute costs in practice mode: the stand-in's default price.
PRACTICE_PRICE_PER_MINUTE = 0.095
#: ``--token`` takes this to have a token made and shown once.
GENERATE_TOKEN = "auto"


@dataclass(frozen=True)
class AppSettings:
    """One start of the app: ``host``/``port`` it listens on, the ``token`` (None: not required) and limits.

    ``practice`` is true when no API key was found: the app then talks to an
    embedded stand-in at ``base_url`` (set once it listens). ``agent_id`` is
    ``BOLNA_AGENT_ID`` (or the practice agent), offered on the plan page.
    """

    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    practice: bool = True
    base_url: str | None = None
    layout: str = "current"
    agent_id: str | None = None
    practice_speed: float = DEFAULT_PRACTICE_SPEED
    ledger_path: str | None = None
    cost_per_minute: float | None = None

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token to require, and whether it was made here (to be shown once).

    A host other than loopback needs one: without ``--token`` that is a
    :class:`ConfigError`; ``--token auto`` makes a random one.
    """
    if token == GENERATE_TOKEN:
        return secrets.token_urlsafe(24), True
    if token:
        if len(token) < 12 or not all("!" <= char <= "~" for char in token):
            raise ConfigError("--token needs at least 12 visible ASCII characters (or 'auto' to make one)")
        return token, False
    if not is_loopback(host):
        raise ConfigError(
            f"--host {host} is reachable from other machines: give --token T (or --token auto), "
            "which every request must carry"
        )
    return None, False
