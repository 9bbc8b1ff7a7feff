"""The batch lifecycle as a pure function of a stored batch and the time.

Nothing here is stored as it happens: the status of a batch and of each call
is computed from when the batch was scheduled (and stopped), the settings
fixed at scheduling (lines, wallet left, price, retry policy), the speed
factor, and a hash of each contact. The same batch at the same moment looks
the same to every request, across restarts.

``--speed`` compresses waiting, not the calendar: ``scheduled_at`` is checked
against the real wall clock, while the wait until the start, each call's
duration and each retry interval shrink by the factor.
"""

from __future__ import annotations

import hashlib
import heapq
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .guardrails import Guardrails

QUEUE_SECONDS = 20  # simulated seconds between the start and the first dial
LINES = 5  # calls dialled at once unless the account says otherwise (--concurrency)
DIAL_SECONDS = 2  # initiated → ringing
WRAP_UP_SECONDS = 6  # call-disconnected → completed (post-processing)
COST_CENTS_PER_MINUTE = 9.5
TERMINAL_CALL_STATUSES = frozenset(
    {"completed", "busy", "no-answer", "failed", "stopped", "canceled", "error", "balance-low", "rescheduled"}
)
#: Outcomes of a call that was never placed: no line, no time, no cost.
NOT_PLACED = frozenset({"balance-low", "rescheduled"})
#: Documented retry_config defaults (Bolna's auto-retry page).
RETRY_DEFAULTS = {
    "max_retries": 3,
    "retry_on_statuses": ["no-answer", "busy", "failed"],
    "retry_intervals_minutes": [30, 60, 120],
    "retry_on_voicemail": False,
}
RETRYABLE_STATUSES = frozenset({"no-answer", "busy", "failed", "error"})

# Outcome shares out of 100: deterministic per (batch, number, attempt).
_OUTCOMES = (("completed", 66), ("voicemail", 7), ("no-answer", 13), ("busy", 7), ("failed", 5), ("error", 2))
_HANGUP = {
    "completed": ("Call recipient hungup", "user"),
    "voicemail": ("Voicemail detected", "assistant"),
    "no-answer": ("No answer", "provider"),
    "busy": ("Busy", "provider"),
    "failed": ("Unreachable destination", "provider"),
    "error": ("Internal error", "provider"),
    "balance-low": ("Insufficient wallet balance", "platform"),
    "rescheduled": ("Outside the agent's calling hours", "platform"),
}
_ERRORS = {
    "failed": "Unreachable destination",
    "error": "The call could not be set up",
    "balance-low": "Wallet balance too low to place the call",
}
# Shares of a call's cost, as the documented cost_breakdown names them.
_COST_SHARES = (
    ("llm", 0.2),
    ("network", 0.1),
    ("platform", 0.3),
    ("synthesizer", 0.25),
    ("transcriber", 0.15),
)


@dataclass(frozen=True)
class RetryPolicy:
    """A batch's ``retry_config`` with the documented defaults filled in; ``max_retries=0`` is none."""

    max_retries: int = 0
    statuses: frozenset[str] = frozenset()
    intervals_minutes: tuple[float, ...] = (30,)
    on_voicemail: bool = False

    @classmethod
    def from_config(cls, config: dict | None) -> RetryPolicy:
        if not config or not config.get("enabled", True):
            return cls()
        merged = {**RETRY_DEFAULTS, **config}
        return cls(
            int(merged["max_retries"]),
            frozenset(merged["retry_on_statuses"]),
            tuple(merged["retry_intervals_minutes"]) or (30,),
            bool(merged["retry_on_voicemail"]),
        )

    def retries(self, outcome: str, attempt: int) -> bool:
        wanted = outcome in self.statuses or (outcome == "voicemail" and self.on_voicemail)
        return wanted and attempt < self.max_retries

    def interval_seconds(self, attempt: int) -> float:
        """Simulated seconds from the end of attempt ``attempt`` (0 = first call) to its redial."""
        return 60 * self.intervals_minutes[min(attempt, len(self.intervals_minutes) - 1)]


@dataclass(frozen=True)
class RunSettings:
    """What a batch runs with, fixed when it is scheduled (stored with it)."""

    lines: int = LINES
    budget_cents: float | None = None  # the wallet left for this batch; None: no limit
    cents_per_minute: float = COST_CENTS_PER_MINUTE
    final_status: str = "completed"
    calling_hours: tuple[str, str] | None = None  # the agent's hours, unless the schedule bypassed them

    @classmethod
    def from_stored(cls, stored: dict | None) -> RunSettings:
        return cls(**(stored or {}))


@dataclass(frozen=True)
class Attempt:
    """One dial of one contact, in simulated seconds from the batch's start."""

    index: int
    attempt: int
    outcome: str
    dial_at: float
    ring_seconds: float
    talk_seconds: float
    cost_cents: float
    rescheduled_to: float | None = None  # epoch of the next start hour, for a call outside the agent's hours

    @property
    def answered(self) -> bool:
        return self.outcome in ("completed", "voicemail")

    @property
    def ends_at(self) -> float:
        if self.outcome in NOT_PLACED:
            return self.dial_at
        end = self.dial_at + DIAL_SECONDS + self.ring_seconds
        return end + self.talk_seconds + WRAP_UP_SECONDS if self.answered else end

    def status_at(self, elapsed: float) -> str:
        if self.outcome in NOT_PLACED:
            return self.outcome
        ringing_from = self.dial_at + DIAL_SECONDS
        talking_from = ringing_from + self.ring_seconds
        if elapsed < ringing_from:
            return "initiated"
        if elapsed < talking_from:
            return "ringing"
        if not self.answered:
            return self.outcome
        if elapsed < talking_from + self.talk_seconds:
            return "in-progress"
        if elapsed < self.ends_at:
            return "call-disconnected"
        return "completed"


@dataclass(frozen=True)
class ContactPlan:
    """Every attempt at one contact, in order."""

    index: int
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)

    @property
    def ends_at(self) -> float:
        return self.attempts[-1].ends_at

    def current(self, elapsed: float) -> Attempt | None:
        """The last attempt dialled by ``elapsed`` (None before the first)."""
        dialled = [a for a in self.attempts if a.dial_at <= elapsed]
        return dialled[-1] if dialled else None


def plan_calls(
    batch_id: str,
    numbers: list[str],
    settings: RunSettings = RunSettings(),
    retry: RetryPolicy = RetryPolicy(),
    guardrails: Guardrails | None = None,
) -> list[ContactPlan]:
    """Lay the calls of a batch out over ``settings.lines`` lines, in file order, with redials.

    An attempt waits for its ready time (the start, or a retry interval after
    the attempt before it) and for a free line. A dial outside the agent's
    calling hours (``guardrails``) ends ``rescheduled`` at once. Once the calls
    dialled so far have spent the budget, every later dial ends ``balance-low`` at once.
    """
    ready = [(float(QUEUE_SECONDS), index, 0) for index in range(len(numbers))]
    heapq.heapify(ready)
    lines = [float(QUEUE_SECONDS)] * max(1, settings.lines)
    attempts: list[list[Attempt]] = [[] for _ in numbers]
    spent = 0.0
    while ready:
        ready_at, index, number = heapq.heappop(ready)
        free = heapq.heappop(lines)
        dial_at = max(ready_at, free)
        moved = guardrails.reschedule(numbers[index], dial_at) if guardrails else None
        if moved is not None:
            attempts[index].append(Attempt(index, number, "rescheduled", dial_at, 0, 0, 0.0, moved))
            heapq.heappush(lines, free)  # not placed: the line stays free
            continue
        if settings.budget_cents is not None and spent >= settings.budget_cents:
            attempts[index].append(Attempt(index, number, "balance-low", dial_at, 0, 0, 0.0))
            heapq.heappush(lines, free)  # no call was placed: the line stays free
            continue
        attempt = _attempt(batch_id, numbers[index], index, number, dial_at, settings.cents_per_minute)
        spent += attempt.cost_cents
        attempts[index].append(attempt)
        heapq.heappush(lines, attempt.ends_at + 1)
        if retry.retries(attempt.outcome, number):
            heapq.heappush(ready, (attempt.ends_at + retry.interval_seconds(number), index, number + 1))
    return [ContactPlan(index, tuple(found)) for index, found in enumerate(attempts)]


def _attempt(
    batch_id: str, number: str, index: int, attempt: int, dial_at: float, cents_per_minute: float
) -> Attempt:
    # The first attempt keeps the hash it always had, so a batch without retries reads as before.
    key = f"{batch_id}:{number}" if attempt == 0 else f"{batch_id}:{number}:{attempt}"
    digest = hashlib.sha256(key.encode()).digest()
    outcome = _pick_outcome(int.from_bytes(digest[:4], "big") % 100)
    ring = 3 + digest[4] % 18
    talk = 25 + digest[5] % 150 if outcome == "completed" else (12 if outcome == "voicemail" else 0)
    return Attempt(index, attempt, outcome, dial_at, ring, talk, round(talk / 60 * cents_per_minute, 2))


def _pick_outcome(roll: int) -> str:
    for outcome, share in _OUTCOMES:
        if roll < share:
            return outcome
        roll -= share
    return _OUTCOMES[0][0]


def start_time(scheduled_requested: float, scheduled_at: float, speed: float) -> float:
    """The real (epoch) time a batch starts: the wait from scheduling shrinks by ``speed``."""
    return scheduled_requested + max(0.0, scheduled_at - scheduled_requested) / speed


def elapsed_at(batch: dict, moment: float, speed: float) -> float | None:
    """Simulated seconds since the batch's start at ``moment`` (None before it, or unscheduled)."""
    if batch["scheduled_at"] is None:
        return None
    if batch["stopped"]:
        moment = min(moment, batch["stopped"])
    start = start_time(batch["scheduled_requested"], batch["scheduled_at"], speed)
    return (moment - start) * speed if moment >= start else None


def batch_status(
    batch: dict, plans: list[ContactPlan], now: float, speed: float, final_status: str = "completed"
) -> tuple[str, float | None]:
    """The batch status at ``now`` and the simulated seconds since its start (None before)."""
    if batch["scheduled_at"] is None:
        return "created", None
    elapsed = elapsed_at(batch, now, speed)
    if batch["stopped"]:
        return "stopped", elapsed
    if elapsed is None:
        return "scheduled", None
    if all(plan.ends_at <= elapsed for plan in plans):
        return final_status, elapsed
    return ("queued" if elapsed < QUEUE_SECONDS else "running"), elapsed


def finished_at(batch: dict, plans: list[ContactPlan], speed: float) -> float | None:
    """The real time the batch ends (its stop, or its last call's end); None while unscheduled."""
    if batch["scheduled_at"] is None:
        return None
    if batch["stopped"]:
        return batch["stopped"]
    start = start_time(batch["scheduled_requested"], batch["scheduled_at"], speed)
    return start + max((plan.ends_at for plan in plans), default=QUEUE_SECONDS) / speed


def spent_cents(plans: list[ContactPlan], elapsed: float | None) -> float:
    """What the calls that ended by ``elapsed`` cost."""
    if elapsed is None:
        return 0.0
    return sum(a.cost_cents for plan in plans for a in plan.attempts if a.ends_at <= elapsed)


def committed_cents(plans: list[ContactPlan], elapsed: float | None, stopped: bool) -> float:
    """What a batch will have cost in all (a stopped one: what it cost until the stop)."""
    if stopped:
        return sum(
            a.cost_cents
            for plan in plans
            for a in plan.attempts
            if elapsed is not None and a.dial_at <= elapsed
        )
    return sum(a.cost_cents for plan in plans for a in plan.attempts)


def calls_in_progress(plans: list[ContactPlan], elapsed: float | None) -> int:
    """Lines busy at ``elapsed``."""
    if elapsed is None:
        return 0
    return sum(
        1
        for plan in plans
        for a in plan.attempts
        if a.outcome not in NOT_PLACED and a.dial_at <= elapsed < a.ends_at
    )


def execution(
    batch: dict, contact: dict, plan: ContactPlan, elapsed: float, speed: float, stopped: bool
) -> dict:
    """One execution object (one per contact, redials counted in ``retried``), as the API lists it."""
    attempt = plan.current(elapsed)
    status = "queued" if attempt is None else attempt.status_at(elapsed)
    if attempt is not None and status in TERMINAL_CALL_STATUSES and attempt is not plan.attempts[-1]:
        status = "scheduled"  # waiting for its redial, as a retried call does
    if stopped and status not in TERMINAL_CALL_STATUSES:
        status = "canceled" if status in ("queued", "scheduled") else "stopped"
    start = start_time(batch["scheduled_requested"], batch["scheduled_at"], speed)
    created = start + QUEUE_SECONDS / speed
    shown = attempt or plan.attempts[0]
    updated = start + min(elapsed, shown.ends_at if attempt else QUEUE_SECONDS) / speed
    done = status == "completed"
    talk = shown.talk_seconds if done else 0
    cost = (
        round(sum((a.cost_cents for a in plan.attempts[: shown.attempt + 1] if a.ends_at <= elapsed), 0.0), 2)
        if attempt
        else 0.0
    )
    ended = (
        attempt is not None
        and status in TERMINAL_CALL_STATUSES | {"scheduled"}
        and status not in ("stopped", "canceled")
    )
    reason, hangup_by = _HANGUP[shown.outcome] if ended else (None, None)
    number = contact["contact_number"]
    from_numbers = batch["from_phone_numbers"] or ["+918035735900"]
    execution_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin:{batch['batch_id']}:{plan.index}"))
    retried = attempt.attempt if attempt else 0
    return {
        "id": execution_id,
        "agent_id": batch["agent_id"],
        "batch_id": batch["batch_id"],
        "status": status,
        "conversation_duration": talk,
        "total_cost": cost,
        "cost_breakdown": {name: round(cost * share, 2) for name, share in _COST_SHARES},
        "answered_by_voice_mail": shown.outcome == "voicemail" and done,
        "error_message": _error_message(status, shown),
        "transcript": _transcript(contact) if done and shown.outcome == "completed" else "",
        "extracted_data": _extracted(batch["batch_id"], number)
        if done and shown.outcome == "completed"
        else None,
        "telephony_data": {
            "to_number": number,
            "from_number": from_numbers[plan.index % len(from_numbers)],
            "duration": str(int(talk)),
            "recording_url": f"https://recordings.standin.invalid/{execution_id}.mp3" if done else None,
            "hosted_telephony": False,
            "provider_call_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{execution_id}:{retried}"))
            if attempt
            else None,
            "call_type": "outbound",
            "provider": "twilio",
            "hangup_by": hangup_by,
            "hangup_reason": reason,
            "hangup_provider_code": {"user": 4000, "assistant": 4001}.get(hangup_by or "", 5000)
            if ended
            else None,
            "ring_duration": shown.ring_seconds
            if attempt and status not in ("initiated", *NOT_PLACED)
            else None,
            "post_dial_delay": DIAL_SECONDS if attempt and status not in ("initiated", *NOT_PLACED) else None,
            "to_number_carrier": None,
        },
        "transfer_call_data": None,
        "context_details": {
            "recipient_phone_number": number,
            "recipient_data": {key: value for key, value in contact.items() if key != "contact_number"},
        },
        "batch_run_details": {
            "status": status,
            "created_at": iso(created),
            "updated_at": iso(max(created, updated)),
            "retried": retried,
        },
        "created_at": iso(created),
        "updated_at": iso(max(created, updated)),
    }


def _error_message(status: str, shown: Attempt) -> str | None:
    if status == "rescheduled":
        to = iso(shown.rescheduled_to) if shown.rescheduled_to is not None else "the next start hour"
        return f"Outside the agent's calling hours; rescheduled to {to}"
    return _ERRORS.get(status) or (_ERRORS.get(shown.outcome) if status == "scheduled" else None)


def _transcript(contact: dict) -> str:
    name = contact.get("first_name") or contact.get("name") or "there"
    return f"assistant: Hello {name}, this is a reminder call.\nuser: Thanks, got it.\nassistant: Have a good day!"


def _extracted(batch_id: str, number: str) -> dict:
    digest = hashlib.sha256(f"{batch_id}:{number}:extract".encode()).digest()
    return {"interested": "yes" if digest[0] % 3 else "no", "callback_requested": bool(digest[1] % 4 == 0)}


def iso(epoch: float) -> str:
    """UTC time as the API writes it: ISO 8601 with a ``Z``."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def humanize(seconds: float) -> str:
    delta = timedelta(seconds=max(0, int(seconds)))
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{delta.seconds // 60} minutes ago"
    if delta < timedelta(days=1):
        return f"{delta.seconds // 3600} hours ago"
    return f"{delta.days} days ago"
