"""What an answer or a failure of the Batch API means: its JSON, its message, whether the request left.

Pure functions over ``requests`` objects, used by :class:`uploader.api.client.BatchClient`'s chokepoint.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from ..errors import APIConnectionError, APIStatusError, UploaderError

# The text of a urllib3 error starts with its connection object (the URL says as much): noise.
OBJECT_REPR = re.compile(r"(<[^<>]* object at 0x[0-9a-f]+>|HTTPS?Connection\([^()]*\)): ")


def maybe_acted(exc: UploaderError) -> bool:
    """Whether a failed request may have been carried out: no answer, a 5xx, or an answer to a re-send.

    A refusal of the only try is the server's word on that very request: it was not carried out.
    """
    if isinstance(exc, APIConnectionError):
        return True
    return isinstance(exc, APIStatusError) and (exc.attempts > 1 or exc.status >= 500)


def root_cause(exc: BaseException) -> BaseException:
    """The innermost error a requests exception wraps (urllib3 nests them in ``reason`` and ``args``)."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in reversed(exc.args) if isinstance(arg, BaseException)), None)
        if inner is None:
            break
        exc = inner
    return exc


def never_left(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError) or isinstance(
        exc.args[0] if exc.args else None, NewConnectionError
    )


def json_body(response: requests.Response) -> Any:
    """The JSON of a successful answer ({} when empty); an answer that is not JSON is an APIStatusError."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise APIStatusError(
            f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}",
            status=response.status_code,
            body=response.text[:500],
        ) from None


def json_or_text(response: requests.Response) -> Any:
    """The JSON of an error answer, or the start of its text."""
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def error_message(body: Any) -> str:
    """The human message of an error body, whatever key the API put it under."""
    # Real error bodies use "message", "detail" or "error" inconsistently.
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        return json.dumps(body)[:300]
    return str(body or "").strip()[:300]


def items_of(data: Any) -> list:
    """The records of a list answer: a bare list, or under ``data`` or ``items``."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return list(data.get("data") or data.get("items") or [])
    return []
