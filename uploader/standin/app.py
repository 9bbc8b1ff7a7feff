"""The stand-in Batch API as a Flask app: request hooks (faults, auth), error answers, control routes.

The API's own routes are in :mod:`uploader.standin.routes`.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from .faults import FaultPlan
from .guardrails import parse_hours
from .routes import AGENT_ID, ROUTES
from .state import (
    AUTH_STYLES,
    DEFAULT_WALLET,
    FINAL_STATUSES,
    ApiError,
    RateLimiter,
    StandInState,
    current_state,
)
from .store import BatchStore, owner_of

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def create_app(
    *,
    api_keys: Iterable[str],
    speed: float = 1.0,
    state_path: str | None = None,
    faults: FaultPlan | None = None,
    control: bool = False,
    clock: Callable[[], float] = time.time,
    strict_upload: bool = False,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    auth_style: str = "docs",
    wallet: float = DEFAULT_WALLET,
    concurrency: int = 5,
    price_per_minute: float = 0.095,
    final_status: str = "completed",
    rate_limit: int | None = None,
    agent_calling_hours: str | None = None,
) -> Flask:
    """Build the stand-in app. ``control`` enables the ``/_standin/`` routes.

    ``strict_upload`` refuses a file with any bad row (the API counts them out);
    ``auth_style`` answers a bad key as the docs say (``docs``: 401) or as the
    live service did (``live``: 403 ``{"detail": …}``). ``wallet`` and
    ``price_per_minute`` are in the account's currency (call costs come in
    cents of it; ``GET /user/me`` reports the wallet times 100, as the live API); ``concurrency`` is the account's lines; ``rate_limit`` is
    requests per minute per key (None: no limit). ``agent_calling_hours``
    (``"HH:MM-HH:MM"``) gives every agent calling guardrails
    (:mod:`uploader.standin.guardrails`).
    """
    if speed <= 0:
        raise ValueError("speed must be positive")
    keys = frozenset(api_keys)
    if not keys:
        raise ValueError("at least one API key is needed")
    if auth_style not in AUTH_STYLES:
        raise ValueError(f"auth_style is one of {', '.join(AUTH_STYLES)}")
    if final_status not in FINAL_STATUSES:
        raise ValueError(f"final_status is one of {', '.join(FINAL_STATUSES)}")
    if concurrency < 1 or wallet < 0 or price_per_minute < 0 or (rate_limit is not None and rate_limit < 1):
        raise ValueError("concurrency and rate_limit must be at least 1; wallet and price cannot be negative")
    app = Flask("uploader.standin")
    app.config["MAX_CONTENT_LENGTH"] = max_upload_bytes
    assert isinstance(app.json, DefaultJSONProvider)  # Flask's own provider, the one with sort_keys
    app.json.sort_keys = False  # a contact's variables come back in the file's column order
    state = StandInState(
        BatchStore(state_path),
        keys,
        speed,
        clock,
        faults or FaultPlan(),
        control,
        strict_upload=strict_upload,
        auth_style=auth_style,
        wallet=wallet,
        concurrency=concurrency,
        cents_per_minute=price_per_minute * 100,
        final_status=final_status,
        rate_limiter=RateLimiter(rate_limit, clock) if rate_limit else None,
        agent_calling_hours=parse_hours(agent_calling_hours) if agent_calling_hours else None,
    )
    app.extensions["standin"] = state
    _register(app)
    return app


def _register(app: Flask) -> None:
    app.before_request(_faults_then_auth)
    app.after_request(_maybe_drop)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    for rule, methods, view in ROUTES:
        app.add_url_rule(rule, view.__name__, view, methods=methods)
    app.add_url_rule("/_standin/health", "health", _health, methods=["GET"])
    app.add_url_rule("/_standin/faults", "faults_route", _faults_route, methods=["GET", "POST"])
    app.add_url_rule("/_standin/requests", "requests_route", _requests_route, methods=["GET", "DELETE"])
    app.add_url_rule("/_standin/wallet", "wallet_route", _wallet_route, methods=["POST"])


# -- every request -----------------------------------------------------------


def _faults_then_auth() -> Response | None:
    """Log the request, hand out its fault (if any), then check the key."""
    if request.path.startswith("/_standin/"):
        return None
    state = current_state()
    operation = _operation()
    fault = state.faults.next_fault(operation)
    with state.lock:
        state.requests.append(
            {"method": request.method, "path": request.path, "operation": operation, "fault": fault}
        )
    g.drop_after = fault == "drop-after"
    if fault in ("429", "503"):
        response = _error(int(fault), "Too many requests" if fault == "429" else "Service unavailable")
        response.headers["Retry-After"] = _seconds(state.faults.retry_after)
        return response
    if fault in ("500", "502"):
        return _error(int(fault), "Internal server error" if fault == "500" else "Bad gateway")
    if fault == "drop":
        _drop_connection()
        return Response(status=500)
    if fault == "slow":
        time.sleep(state.faults.slow_seconds)
    g.owner = _authenticate(state)
    wait = state.rate_limiter.admit(g.owner) if state.rate_limiter else None
    if wait is not None:
        response = _error(429, "Rate limit exceeded")
        response.headers["Retry-After"] = str(int(wait + 0.999))
        return response
    return None


def _maybe_drop(response: Response) -> Response:
    if g.get("drop_after"):
        _drop_connection()
    return response


def _api_error(exc: ApiError) -> Response:
    if exc.body is not None:
        response = jsonify(exc.body)
        response.status_code = exc.status
        return response
    return _error(exc.status, exc.message)


def _http_error(exc: HTTPException) -> Response:
    message = "the file is too large" if exc.code == 413 else (exc.description or exc.name)
    return _error(exc.code or 500, message)


def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("stand-in bug")
    return _error(500, "Internal server error")


# -- control (off unless enabled) ----------------------------------------------


def _health() -> Response:
    return jsonify({"ok": True, "speed": current_state().speed})


def _faults_route() -> Response:
    state = current_state()
    _require_control(state)
    if request.method == "POST":
        try:
            state.faults = FaultPlan.from_settings(request.get_json(force=True) or {})
        except (ValueError, TypeError) as exc:
            raise ApiError(400, str(exc)) from None
    return jsonify(state.faults.describe())


def _requests_route() -> Response:
    state = current_state()
    _require_control(state)
    with state.lock:
        if request.method == "DELETE":
            state.requests.clear()
        return jsonify(list(state.requests))


def _wallet_route() -> Response:
    """Top the wallet up (or down): ``{"add": amount}`` in currency, as ``--wallet``.

    Answers the new total before any spending in the unit of ``GET /user/me``'s
    ``wallet`` (the balance times 100), so a client reads both the same way.
    """
    state = current_state()
    _require_control(state)
    try:
        state.wallet = max(0.0, state.wallet + float((request.get_json(force=True) or {})["add"]))
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, 'give {"add": amount}') from None
    return jsonify({"wallet": round(state.wallet * 100, 2)})


def _operation() -> str:
    """Name the API operation of the current request, for faults and the request log."""
    endpoint, args = request.endpoint or "", request.view_args or {}
    if endpoint == "list_executions_or_seed_get":
        return {"all": "list", "executions": "executions"}.get(args.get("second", ""), "get")
    if endpoint == "get_batch_or_seed_list":
        return "list" if AGENT_ID.match(args.get("first", "")) else "get"
    return {"schedule_seed": "schedule", "executions_seed": "executions"}.get(endpoint, endpoint or "unknown")


def _authenticate(state: StandInState) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or key.strip() not in state.api_keys:
        if state.auth_style == "live":  # what Bolna's live service answered when its MCP authors checked
            raise ApiError(403, "Access denied", body={"detail": "Access denied"})
        raise ApiError(401, "Access denied")
    return owner_of(key.strip())


def _require_control(state: StandInState) -> None:
    if not state.control:
        raise ApiError(404, "Not found")


def _drop_connection() -> None:
    connection = request.environ.get("werkzeug.socket")
    if connection is None:
        return
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": status, "message": message})
    response.status_code = status
    return response


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
