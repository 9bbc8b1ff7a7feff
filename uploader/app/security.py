"""The app's guards: the Host header (DNS rebinding), the access token, CSRF tokens, and response headers.

Every request passes :func:`check_request` before any route runs; every
answer gets :data:`SECURITY_HEADERS`. A state-changing request (POST) must
carry the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``), compared in constant time; one without it is refused
before its route runs, so it changes nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from flask import Flask, Request, Response, abort, current_app, redirect, request
from flask.typing import ResponseReturnValue

from .settings import AppSettings, is_loopback

TOKEN_COOKIE = "uploader_app_token"
TOKEN_PARAMETER = "token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

#: No inline script anywhere; only the app's own files; no framing, no referrer to other sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-src 'self'; frame-ancestors 'none'"
)
#: The cleaning report shown in a frame of the check page: its styles are inline, and it runs no script.
REPORT_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The Host header values a request may carry (None: any IP address, when listening on all of them)."""
    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        return None
    names = {f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}"}
    if is_loopback(host):
        names |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return frozenset(name.lower() for name in names)


def host_allowed(header: str, allowed: frozenset[str] | None, port: int) -> bool:
    """Whether a Host header names this server: one of ``allowed``, or any IP literal (or localhost) with ``port``."""
    header = header.strip().lower()
    if allowed is not None:
        return header in allowed
    name, _, given_port = header.rpartition(":")
    if name == "localhost":
        return given_port == str(port)
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return given_port == str(port)


def install(app: Flask) -> None:
    """Register the request guard and the response headers on ``app``."""
    app.before_request(check_request)
    app.after_request(add_headers)


def settings() -> AppSettings:
    return current_app.extensions["uploader_app"].settings


def check_request() -> ResponseReturnValue | None:
    """Refuse a foreign Host (400), a missing token (401), a POST without the CSRF token (403)."""
    state = current_app.extensions["uploader_app"]
    if not host_allowed(request.host, state.allowed_hosts, state.port):
        abort(400, description="this address is not the one the app listens on (Host header refused)")
    token = state.settings.token
    if token is not None:
        given = request.args.get(TOKEN_PARAMETER)
        if (
            given is not None
            and hmac.compare_digest(given.encode(), token.encode())
            and request.method == "GET"
        ):
            # The token came in the link: keep it in a cookie, and take it out of the address bar.
            rest = {key: value for key, value in request.args.items() if key != TOKEN_PARAMETER}
            target = request.path + (f"?{urlencode(rest)}" if rest else "")
            answer = redirect(target, code=303)
            answer.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
            return answer
        if not _carries_token(request, token):
            abort(
                401, description="this app needs its access token: open the link it printed when it started"
            )
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        from .workspaces import session_workspace  # the session's own token

        workspace = session_workspace()  # a POST with no session is refused, and makes none
        given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
        if workspace is None or not hmac.compare_digest(given.encode(), workspace.csrf_token.encode()):
            abort(403, description="the form is out of date (missing or wrong CSRF token): reload the page")
    return None


def _carries_token(incoming: Request, token: str) -> bool:
    candidates = [incoming.cookies.get(TOKEN_COOKIE, "")]
    authorization = incoming.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        candidates.append(authorization[len("Bearer ") :])
    return any(hmac.compare_digest(candidate.encode(), token.encode()) for candidate in candidates)


def add_headers(response: Response) -> Response:
    """The same safety headers on every answer; the report frame gets its own policy."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
