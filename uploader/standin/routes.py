"""The stand-in's API routes, both path layouts, and the batch rules they apply.

Each route is a plain function over :func:`~uploader.standin.state.current_state`;
:data:`ROUTES` is the table :func:`~uploader.standin.app.create_app` registers.
A route's function name is its endpoint name, which names its operation for
faults and the request log (see ``app._operation``).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import datetime

from flask import Response, g, jsonify, request

from . import simulation
from .guardrails import Guardrails
from .state import ApiError, StandInState, current_state
from .uploads import E164, UploadError, read_contacts

AGENT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MIN_LEAD_SECONDS = 120
MAX_LEAD_SECONDS = 366 * 24 * 3600
ROUND_TO_SECONDS = 600
TERMINAL_BATCH_STATUSES = frozenset({"completed", "executed", "stopped"})
#: An agent's batches a page, at most (the platform's CLI: ``--page-size``, "max 50").
LIST_PAGE_SIZE = 50


# -- current layout ---------------------------------------------------------


def create() -> tuple[Response, int]:
    """``POST /batches``: check the upload the way the API does and store a created batch."""
    state = current_state()
    agent_id = _agent_id(request.form.get("agent_id"))
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "file is required")
    from_numbers = _from_numbers(request.form.getlist("from_phone_numbers"))
    retry_config = _retry_config(request.form.get("retry_config"))
    try:
        contacts, valid, total = read_contacts(upload.read(), strict=state.strict_upload)
    except UploadError as exc:
        raise ApiError(400, str(exc)) from None
    now = state.clock()
    batch_id = uuid.uuid4().hex
    state.store.add(
        {
            "batch_id": batch_id,
            "owner": g.owner,
            "agent_id": agent_id,
            "file_name": upload.filename or "contacts.csv",
            "created": now,
            "updated": now,
            "from_phone_numbers": from_numbers,
            "retry_config": retry_config,
            "webhook_url": request.form.get("webhook_url"),
            "contacts": contacts,
            "total_contacts": total,
            "valid_contacts": valid,
        }
    )
    return jsonify({"batch_id": batch_id, "state": "created"}), 201


def schedule(batch_id: str) -> Response:
    """``POST /batches/{id}/schedule``."""
    state = current_state()
    return _schedule(state, _batch(state, batch_id))


def get_batch_or_seed_list(first: str) -> Response:
    """``GET /batches/{id}``, or the seed's ``GET /batches/{agent_id}`` (ids never look alike)."""
    state = current_state()
    if AGENT_ID.match(first):
        return jsonify(_batches_page(state, first))
    return jsonify(describe_batch(state, _batch(state, first)))


def list_executions_or_seed_get(first: str, second: str) -> Response:
    """``GET /batches/{agent_id}/all``, ``GET /batches/{id}/executions``, or the seed's ``GET /batches/{agent_id}/{id}``."""
    state = current_state()
    if second == "all":
        return jsonify(_batches_page(state, first))
    if second == "executions":
        return jsonify(_executions(state, _batch(state, first)))
    return jsonify(describe_batch(state, _batch(state, second, agent_id=first)))


def stop(batch_id: str) -> Response:
    """``POST /batches/{id}/stop``: 404 when nothing is queued or running, as the API answers."""
    state = current_state()
    batch = _batch(state, batch_id)
    # The documented 404 says "not queued or running": a batch waiting for its start is not stoppable.
    if _status(state, batch)[0] not in ("queued", "running"):
        raise ApiError(404, "Batch is not queued or running")
    now = state.clock()
    state.store.update(batch_id, stopped=now, updated=now)
    return jsonify({"message": "success", "state": "stopped"})


def account() -> Response:
    """``GET /user/me``: the fields of the OpenAPI's user, with the wallet and the account's lines.

    ``wallet`` is in the live API's unit, the balance times 100 (cents of it), as
    the platform's own CLI reads it (bolna-ai/cli, internal/api/account.go).
    """
    state = current_state()
    spent, _, busy = _spending(state, g.owner)
    return jsonify(
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin-user:{g.owner}")),
            "name": "Stand-in user",
            "email": "standin@example.invalid",
            "wallet": round(state.wallet * 100 - spent, 2),
            "concurrency": {"max": state.concurrency, "current": busy},
        }
    )


def delete(batch_id: str) -> Response:
    """``DELETE /batches/{id}``."""
    state = current_state()
    _batch(state, batch_id)
    state.store.update(batch_id, deleted=1, updated=state.clock())
    return jsonify({"message": "success", "state": "deleted"})


# -- the seed's layout --------------------------------------------------------


def schedule_seed() -> Response:
    """The seed's ``POST /batches/schedule`` with a form naming batch and agent."""
    state = current_state()
    batch_id = request.form.get("batch_id") or ""
    agent_id = _agent_id(request.form.get("agent_id"))
    return _schedule(state, _batch(state, batch_id, agent_id=agent_id))


def executions_seed(agent_id: str, batch_id: str) -> Response:
    """The seed's ``GET /batches/{agent_id}/{id}/executions``."""
    state = current_state()
    return jsonify(_executions(state, _batch(state, batch_id, agent_id=agent_id)))


#: (rule, methods, view): both layouts over one store.
ROUTES = (
    ("/batches", ["POST"], create),
    ("/batches/<batch_id>/schedule", ["POST"], schedule),
    ("/batches/<first>", ["GET"], get_batch_or_seed_list),
    ("/batches/<first>/<second>", ["GET"], list_executions_or_seed_get),
    ("/batches/<batch_id>/stop", ["POST"], stop),
    ("/batches/<batch_id>", ["DELETE"], delete),
    ("/batches/schedule", ["POST"], schedule_seed),
    ("/batches/<agent_id>/<batch_id>/executions", ["GET"], executions_seed),
    ("/user/me", ["GET"], account),
)


# -- the rules ----------------------------------------------------------------


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
    retries = config.get("max_retries", simulation.RETRY_DEFAULTS["max_retries"])
    if not isinstance(retries, int) or isinstance(retries, bool) or not 1 <= retries <= 3:
        raise ApiError(400, "retry_config.max_retries must be 1, 2 or 3")
    statuses = config.get("retry_on_statuses", simulation.RETRY_DEFAULTS["retry_on_statuses"])
    if not isinstance(statuses, list) or not statuses or not set(statuses) <= simulation.RETRYABLE_STATUSES:
        allowed = ", ".join(sorted(simulation.RETRYABLE_STATUSES))
        raise ApiError(400, f"retry_config.retry_on_statuses must be a list of {allowed}")
    intervals = config.get("retry_intervals_minutes", simulation.RETRY_DEFAULTS["retry_intervals_minutes"])
    if (
        not isinstance(intervals, list)
        or not intervals
        or not all(isinstance(i, (int, float)) and not isinstance(i, bool) and i > 0 for i in intervals)
    ):
        raise ApiError(400, "retry_config.retry_intervals_minutes must be a list of positive minutes")
    return config


def _batches_page(state: StandInState, agent_id: str) -> list[dict]:
    """One page of an agent's batches, oldest first: ``page_number`` (from 1), ``page_size`` (at most 50).

    A bare list, the documented shape of the list; without ``page_number`` it is the first page.
    """
    number, size = (
        _page_argument("page_number", 1, None),
        _page_argument("page_size", LIST_PAGE_SIZE, LIST_PAGE_SIZE),
    )
    batches = state.store.for_agent(g.owner, agent_id)[(number - 1) * size : number * size]
    return [describe_batch(state, batch) for batch in batches]


def _page_argument(name: str, default: int, most: int | None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (most is not None and value > most):
        raise ApiError(422, f"{name} must be a whole number from 1" + (f" to {most}" if most else ""))
    return value


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
        # Bolna documents no 409: a batch past "created" is refused as a bad request.
        raise ApiError(400, f"batch is {status}; only a created batch can be scheduled")
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
    _, committed, _ = _spending(state, batch["owner"])
    settings = {
        "lines": state.concurrency,
        "budget_cents": max(0.0, state.wallet * 100 - committed),
        "cents_per_minute": state.cents_per_minute,
        "final_status": state.final_status,
        "calling_hours": None if bypass else state.agent_calling_hours,
    }
    state.store.update(
        batch["batch_id"],
        scheduled_at=start,
        scheduled_requested=now,
        bypass_call_guardrails=int(bypass),
        updated=now,
        run_settings=settings,
    )
    return jsonify({"message": "success", "state": "scheduled"})


def _status(state: StandInState, batch: dict) -> tuple[str, list[simulation.ContactPlan], float | None]:
    plans = _plans(batch)
    settings = simulation.RunSettings.from_stored(batch.get("run_settings"))
    status, elapsed = simulation.batch_status(batch, plans, state.clock(), state.speed, settings.final_status)
    return status, plans, elapsed


def _plans(batch: dict) -> list[simulation.ContactPlan]:
    numbers = [contact["contact_number"] for contact in _dialable(batch)]
    settings = simulation.RunSettings.from_stored(batch.get("run_settings"))
    return simulation.plan_calls(
        batch["batch_id"],
        numbers,
        settings,
        simulation.RetryPolicy.from_config(batch["retry_config"]),
        Guardrails.of(settings.calling_hours, batch["scheduled_at"]),
    )


def _spending(state: StandInState, owner: str) -> tuple[float, float, int]:
    """Cents spent by now, cents committed in all, and calls in progress, over the key's scheduled batches."""
    spent = committed = 0.0
    busy = 0
    now = state.clock()
    for batch in state.store.for_owner(owner):
        if batch["scheduled_at"] is None:
            continue
        plans = _plans(batch)
        elapsed = simulation.elapsed_at(batch, now, state.speed)
        spent += simulation.spent_cents(plans, elapsed)
        committed += simulation.committed_cents(plans, elapsed, bool(batch["stopped"]))
        busy += simulation.calls_in_progress(plans, elapsed)
    return spent, committed, busy


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


def describe_batch(state: StandInState, batch: dict) -> dict:
    """The batch object as `GET /batches/{id}` answers it (and the webhook posts it)."""
    status, plans, elapsed = _status(state, batch)
    counts: dict[str, int] = {}
    for item in _executions(state, batch) if elapsed is not None else []:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    updated = batch["updated"]
    if elapsed is not None:
        start = simulation.start_time(batch["scheduled_requested"], batch["scheduled_at"], state.speed)
        last_change = max(
            (a.ends_at for plan in plans for a in plan.attempts if a.ends_at <= elapsed), default=0
        )
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
