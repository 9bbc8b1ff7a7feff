"""The stand-in Batch API as a Flask app: both path layouts over one store."""

from __future__ import annotations

import json
import math
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from . import simulation
from .faults import FaultPlan
from .store import BatchStore, owner_of
from .uploads import E164, UploadError, read_contacts

AGENT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
BATCH_ID = re.compile(r"^[0-9a-f]{32}$")
MIN_LEAD_SECONDS = 120
MAX_LEAD_SECONDS = 366 * 24 * 3600
ROUND_TO_SECONDS = 600
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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


def create_app(
    *,
    api_keys: Iterable[str],
    speed: float = 1.0,
    state_path: str | None = None,
    faults: FaultPlan | None = None,
    control: bool = False,
    clock: Callable[[], float] = time.time,
    lenient_numbers: bool = False,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> Flask:
    """Build the stand-in app. ``control`` enables the ``/_standin/`` routes."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    keys = frozenset(api_keys)
    if not keys:
        raise ValueError("at least one API key is needed")
    app = Flask("uploader.standin")
    app.config["MAX_CONTENT_LENGTH"] = max_upload_bytes
    state = StandInState(BatchStore(state_path), keys, speed, clock, faults or FaultPlan(), control, lenient_numbers)
    app.extensions["standin"] = state
    _register(app, state)
    return app


def _register(app: Flask, state: StandInState) -> None:  # noqa: C901 - the route table reads best in one place
    @app.before_request
    def faults_then_auth() -> Response | None:
        if request.path.startswith("/_standin/"):
            return None
        operation = _operation()
        fault = state.faults.next_fault(operation)
        with state.lock:
            state.requests.append({"method": request.method, "path": request.path,
                                   "operation": operation, "fault": fault})
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
        return None

    @app.after_request
    def maybe_drop(response: Response) -> Response:
        if g.get("drop_after"):
            _drop_connection()
        return response

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return _error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        message = "the file is too large" if exc.code == 413 else (exc.description or exc.name)
        return _error(exc.code or 500, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        app.logger.exception("stand-in bug")
        return _error(500, "Internal server error")

    # -- current layout -------------------------------------------------

    @app.post("/batches")
    def create() -> tuple[Response, int]:
        agent_id = _agent_id(request.form.get("agent_id"))
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "file is required")
        from_numbers = _from_numbers(request.form.getlist("from_phone_numbers"))
        retry_config = _retry_config(request.form.get("retry_config"))
        try:
            contacts, valid = read_contacts(upload.read(), lenient=state.lenient_numbers)
        except UploadError as exc:
            raise ApiError(400, str(exc)) from None
        now = state.clock()
        batch_id = uuid.uuid4().hex
        state.store.add({
            "batch_id": batch_id, "owner": g.owner, "agent_id": agent_id,
            "file_name": upload.filename or "contacts.csv", "created": now, "updated": now,
            "from_phone_numbers": from_numbers, "retry_config": retry_config,
            "webhook_url": request.form.get("webhook_url"), "contacts": contacts,
            "total_contacts": len(contacts), "valid_contacts": valid,
        })
        return jsonify({"batch_id": batch_id, "state": "created"}), 201

    @app.post("/batches/<batch_id>/schedule")
    def schedule(batch_id: str) -> Response:
        return _schedule(state, _batch(state, batch_id))

    @app.get("/batches/<first>")
    def get_batch_or_seed_list(first: str) -> Response:
        if AGENT_ID.match(first):  # seed generation: GET /batches/{agent_id}
            return jsonify([_describe(state, batch) for batch in state.store.for_agent(g.owner, first)])
        return jsonify(_describe(state, _batch(state, first)))

    @app.get("/batches/<first>/<second>")
    def list_executions_or_seed_get(first: str, second: str) -> Response:
        if second == "all":
            return jsonify([_describe(state, batch) for batch in state.store.for_agent(g.owner, first)])
        if second == "executions":
            return jsonify(_executions(state, _batch(state, first)))
        return jsonify(_describe(state, _batch(state, second, agent_id=first)))

    @app.post("/batches/<batch_id>/stop")
    def stop(batch_id: str) -> Response:
        batch = _batch(state, batch_id)
        status = _status(state, batch)[0]
        if status not in ("scheduled", "queued", "running"):
            raise ApiError(404, "Batch is not queued or running")
        now = state.clock()
        state.store.update(batch_id, stopped=now, updated=now)
        return jsonify({"message": "success", "state": "stopped"})

    @app.delete("/batches/<batch_id>")
    def delete(batch_id: str) -> Response:
        _batch(state, batch_id)
        state.store.update(batch_id, deleted=1, updated=state.clock())
        return jsonify({"message": "success", "state": "deleted"})

    # -- the seed's layout ----------------------------------------------

    @app.post("/batches/schedule")
    def schedule_seed() -> Response:
        batch_id = request.form.get("batch_id") or ""
        agent_id = _agent_id(request.form.get("agent_id"))
        return _schedule(state, _batch(state, batch_id, agent_id=agent_id))

    @app.get("/batches/<agent_id>/<batch_id>/executions")
    def executions_seed(agent_id: str, batch_id: str) -> Response:
        return jsonify(_executions(state, _batch(state, batch_id, agent_id=agent_id)))

    # -- control (off unless enabled) -----------------------------------

    @app.get("/_standin/health")
    def health() -> Response:
        return jsonify({"ok": True, "speed": state.speed})

    @app.route("/_standin/faults", methods=["GET", "POST"])
    def faults_route() -> Response:
        _require_control(state)
        if request.method == "POST":
            try:
                state.faults = FaultPlan.from_settings(request.get_json(force=True) or {})
            except (ValueError, TypeError) as exc:
                raise ApiError(400, str(exc)) from None
        return jsonify(state.faults.describe())

    @app.route("/_standin/requests", methods=["GET", "DELETE"])
    def requests_route() -> Response:
        _require_control(state)
        with state.lock:
            if request.method == "DELETE":
                state.requests.clear()
            return jsonify(list(state.requests))


def _operation() -> str:
    """Name the API operation of the current request, for faults and the request log."""
    endpoint, args = request.endpoint or "", request.view_args or {}
    if endpoint == "list_executions_or_seed_get":
        return {"all": "list", "executions": "executions"}.get(args.get("second"), "get")
    if endpoint == "get_batch_or_seed_list":
        return "list" if AGENT_ID.match(args.get("first", "")) else "get"
    return {"schedule_seed": "schedule", "executions_seed": "executions"}.get(endpoint, endpoint or "unknown")


def _authenticate(state: StandInState) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or key.strip() not in state.api_keys:
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


def _agent_id(value: str | None) -> str:
    if not value:
        raise ApiError(400, "agent_id is required")
    if not AGENT_ID.match(value):
        raise ApiError(400, f"agent_id {value!r} is not a UUID")
    return value


def _from_numbers(values: list[str]) -> list[str]:
    numbers = []
    for value in values:
        if value.startswith("["):  # some clients send one JSON array instead of repeated fields
            try:
                numbers.extend(json.loads(value))
            except ValueError:
                raise ApiError(400, "from_phone_numbers is not a JSON array") from None
        else:
            numbers.append(value)
    bad = [number for number in numbers if not E164.match(str(number))]
    if bad:
        raise ApiError(422, f"from_phone_numbers must be E.164 numbers: {', '.join(map(str, bad))}")
    return numbers


def _retry_config(value: str | None) -> dict | None:
    if not value:
        return None
    try:
        config = json.loads(value)
    except ValueError:
        raise ApiError(400, "retry_config is not valid JSON") from None
    if not isinstance(config, dict):
        raise ApiError(400, "retry_config must be a JSON object")
    retries = config.get("max_retries", 1)
    if not isinstance(retries, int) or not 1 <= retries <= 3:
        raise ApiError(400, "retry_config.max_retries must be 1, 2 or 3")
    return config


def _batch(state: StandInState, batch_id: str, agent_id: str | None = None) -> dict:
    batch = state.store.get(g.owner, batch_id)
    if batch is None or (agent_id is not None and batch["agent_id"] != agent_id):
        raise ApiError(404, "Batch not found")
    return batch


def _schedule(state: StandInState, batch: dict) -> Response:
    raw = request.form.get("scheduled_at")
    if not raw:
        raise ApiError(400, "scheduled_at is required")
    if raw.strip().endswith(("Z", "z")):
        # The real API fails on a trailing Z with a 500 (documented gotcha).
        raise ApiError(500, "Internal server error")
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ApiError(400, f"scheduled_at {raw!r} is not an ISO 8601 date and time") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ApiError(400, "scheduled_at needs a UTC offset, such as 2025-06-01T10:00:00+05:30")
    status = _status(state, batch)[0]
    if status != "created":
        raise ApiError(409, f"batch is {status}; only a created batch can be scheduled")
    now = state.clock()
    target = when.timestamp()
    if target < now + MIN_LEAD_SECONDS:
        past = "is in the past" if target < now else "is less than 2 minutes from now"
        raise ApiError(400, f"scheduled_at {past}; schedule at least 2 minutes ahead")
    if target > now + MAX_LEAD_SECONDS:
        # Year 9999 rounded up to 10 minutes is year 10000: every later read would fail to format it.
        raise ApiError(400, "scheduled_at is more than a year ahead")
    start = math.ceil(target / ROUND_TO_SECONDS) * ROUND_TO_SECONDS
    bypass = (request.form.get("bypass_call_guardrails") or "false").lower() in ("true", "1", "yes")
    state.store.update(batch["batch_id"], scheduled_at=start, scheduled_requested=now,
                       bypass_call_guardrails=int(bypass), updated=now)
    return jsonify({"message": "success", "state": "scheduled"})


def _status(state: StandInState, batch: dict) -> tuple[str, list[simulation.CallPlan], float | None]:
    plans = _plans(batch)
    status, elapsed = simulation.batch_status(batch, plans, state.clock(), state.speed)
    return status, plans, elapsed


def _plans(batch: dict) -> list[simulation.CallPlan]:
    numbers = [contact["contact_number"] for contact in _dialable(batch)]
    return simulation.plan_calls(batch["batch_id"], numbers)


def _dialable(batch: dict) -> list[dict]:
    return [contact for contact in batch["contacts"] if E164.match(contact["contact_number"])]


def _executions(state: StandInState, batch: dict) -> list[dict]:
    status, plans, elapsed = _status(state, batch)
    if elapsed is None:
        return []
    stopped = status == "stopped"
    return [
        simulation.execution(batch, contact, plan, elapsed, state.speed, stopped)
        for contact, plan in zip(_dialable(batch), plans)
    ]


def _describe(state: StandInState, batch: dict) -> dict:
    status, plans, elapsed = _status(state, batch)
    counts: dict[str, int] = {}
    for item in _executions(state, batch) if elapsed is not None else []:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    updated = batch["updated"]
    if elapsed is not None:
        start = simulation.start_time(batch["scheduled_requested"], batch["scheduled_at"], state.speed)
        last_change = max((plan.ends_at for plan in plans if plan.ends_at <= elapsed), default=0)
        updated = max(updated, start + last_change / state.speed)
    from_numbers = batch["from_phone_numbers"]
    return {
        "batch_id": batch["batch_id"],
        "humanized_created_at": simulation.humanize(state.clock() - batch["created"]),
        "created_at": simulation.iso(batch["created"]),
        "updated_at": simulation.iso(updated),
        "status": status,
        "scheduled_at": simulation.iso(batch["scheduled_at"]) if batch["scheduled_at"] else None,
        "from_phone_number": from_numbers[0] if from_numbers else None,
        "from_phone_numbers": from_numbers,
        "file_name": batch["file_name"],
        "valid_contacts": batch["valid_contacts"],
        "total_contacts": batch["total_contacts"],
        "execution_status": counts,
        "retry_config": batch["retry_config"],
        "webhook_url": batch["webhook_url"],
    }
