"""Configuration flows one way: argument, then environment (or ``.env``), then default.

Read when a client is created, never at import.
"""

from __future__ import annotations

import os

from dotenv import find_dotenv, load_dotenv

from .errors import ConfigError

KEY_VARIABLES = ("BOLNA_API_KEY", "api_key")  # the second is the seed script's .env name
BASE_VARIABLE = "BOLNA_API_BASE"
AGENT_VARIABLE = "BOLNA_AGENT_ID"
LAYOUTS = ("current", "seed")
DEFAULT_BASES = {"current": "https://api.bolna.ai", "seed": "https://api.bolna.dev"}


def load_env() -> None:
    """Load ``.env`` from the working directory upwards, without overriding the environment."""
    load_dotenv(find_dotenv(usecwd=True), override=False)


def resolve_api_key(api_key: str | None) -> str:
    """The API key from the argument, ``BOLNA_API_KEY`` or ``api_key``; fails fast naming them.

    A key that an HTTP header cannot carry (see :func:`check_api_key`) is a
    :class:`ConfigError` here, before any request.
    """
    if api_key:
        return check_api_key(api_key, "the API key")
    load_env()
    for name in KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return check_api_key(value, f"the API key in {name}")
    raise ConfigError(f"no API key: set {KEY_VARIABLES[0]} in the environment or in .env (see .env.example)")


def check_api_key(key: str, named: str) -> str:
    """``key`` if every character is visible ASCII; else a :class:`ConfigError` that never shows it.

    requests refuses a header with a line break (``InvalidHeader``, the key
    in its message) and http.client one outside latin-1 (``UnicodeEncodeError``);
    neither is worth a retry, and a line break could add a header of its own.
    """
    for position, char in enumerate(key, start=1):
        if not "!" <= char <= "~":
            raise ConfigError(
                f"{named} holds {_kind_of(char)} at character {position} of {len(key)},"
                " which an HTTP header cannot carry; set it again"
            )
    return key


def _kind_of(char: str) -> str:
    if char in "\r\n":
        return "a line break"
    if char.isascii():
        return "a space or control character"
    return "a character outside ASCII"


def resolve_base_url(base_url: str | None, layout: str) -> str:
    """The API base URL from the argument, ``BOLNA_API_BASE``, or the layout's default host."""
    if layout not in LAYOUTS:
        raise ConfigError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    if not base_url:
        load_env()
        base_url = os.environ.get(BASE_VARIABLE, "").strip() or DEFAULT_BASES[layout]
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{BASE_VARIABLE} must be an http(s) URL, not {base_url!r}")
    return base_url.rstrip("/")


def resolve_agent_id(agent_id: str | None) -> str | None:
    """The agent id from the argument or ``BOLNA_AGENT_ID`` (None when neither is set)."""
    if agent_id:
        return agent_id
    load_env()
    return os.environ.get(AGENT_VARIABLE, "").strip() or None
