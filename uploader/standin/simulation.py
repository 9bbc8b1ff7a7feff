"""The batch lifecycle as a pure function of a stored batch and the time.

Nothing here is stored as it happens: the status of a batch and of each call
is computed from when the batch was scheduled (and stopped), the speed
factor, and a hash of each contact. The same batch at the same moment looks
the same to every request, across restarts.

``--speed`` compresses waiting, not the calendar: ``scheduled_at`` is checked
against the real wall clock, while the wait until the start and each call's
duration shrink by the factor.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

QUEUE_SECONDS = 20  # simulated seconds between the start and the first dial
LINES = 5  # calls dialled at once (the account's concurrency)
DIAL_SECONDS = 2  # initiated → ringing
WRAP_UP_SECONDS = 6  # call-disconnected → completed (post-processing)
COST_CENTS_PER_MINUTE = 9.5
TERMINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "stopped", "canceled", "error"})

# Outcome shares out of 100: deterministic per (batch, number).
_OUTCOMES = (("completed", 68), ("voicemail", 7), ("no-answer", 13), ("busy", 7), ("failed", 5))
_HANGUP = {
    "completed": ("Call recipient hungup", "user"),
    "voicemail": ("Voicemail detected", "assistant"),
    "no-answer": ("No answer", "provider"),
    "busy": ("Busy", "provider"),
    "failed": ("Unreachable destination", "provider"),
}


@dataclass(frozen=True)
class CallPlan:
    """When and how one contact's call goes, in simulated seconds from the start."""

    index: int
    outcome: str
    dial_at: float
    ring_seconds: float
    talk_seconds: float

    @property
    def answered(self) -> bool:
        return self.outcome in ("completed", "voicemail")

    @property
    def ends_at(self) -> float:
        end = self.dial_at + DIAL_SECONDS + self.ring_seconds
        return end + self.talk_seconds + WRAP_UP_SECONDS if self.answered else end

    def status_at(self, elapsed: float) -> str:
        ringing_from = self.dial_at + DIAL_SECONDS
        talking_from = ringing_from + self.ring_seconds
        if elapsed < self.dial_at:
            return "queued"
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


def plan_calls(batch_id: str, numbers: list[str]) -> list[CallPlan]:
    """Lay the calls of a batch out over ``LINES`` lines, in file order."""
    line_free = [float(QUEUE_SECONDS)] * LINES
    plans = []
    for index, number in enumerate(numbers):
        digest = hashlib.sha256(f"{batch_id}:{number}".encode()).digest()
        outcome = _pick_outcome(int.from_bytes(digest[:4], "big") % 100)
        ring = 3 + digest[4] % 18
        talk = 25 + digest[5] % 150 if outcome == "completed" else (12 if outcome == "voicemail" else 0)
        line = min(range(LINES), key=line_free.__getitem__)
        plan = CallPlan(index, outcome, line_free[line], ring, talk)
        line_free[line] = plan.ends_at + 1
        plans.append(plan)
    return plans


def _pick_outcome(roll: int) -> str:
    for outcome, share in _OUTCOMES:
        if roll < share:
            return outcome
        roll -= share
    return _OUTCOMES[0][0]


def start_time(scheduled_requested: float, scheduled_at: float, speed: float) -> float:
    """The real (epoch) time a batch starts: the wait from scheduling shrinks by ``speed``."""
    return scheduled_requested + max(0.0, scheduled_at - scheduled_requested) / speed


def batch_status(batch: dict, plans: list[CallPlan], now: float, speed: float) -> tuple[str, float | None]:
    """The batch status at ``now`` and the simulated seconds since its start (None before)."""
    if batch["scheduled_at"] is None:
        return "created", None
    moment = min(now, batch["stopped"]) if batch["stopped"] else now
    start = start_time(batch["scheduled_requested"], batch["scheduled_at"], speed)
    elapsed = (moment - start) * speed if moment >= start else None
    if batch["stopped"]:
        return "stopped", elapsed
    if elapsed is None:
        return "scheduled", None
    if all(plan.ends_at <= elapsed for plan in plans):
        return "completed", elapsed
    return ("queued" if elapsed < QUEUE_SECONDS else "running"), elapsed


def execution(batch: dict, contact: dict, plan: CallPlan, elapsed: float, speed: float, stopped: bool) -> dict:
    """One execution object, as ``GET /batches/{id}/executions`` lists it."""
    status = plan.status_at(elapsed)
    if stopped and status not in TERMINAL_CALL_STATUSES:
        status = "stopped"
    finished = status == "completed" or (status in TERMINAL_CALL_STATUSES and status != "stopped")
    start = start_time(batch["scheduled_requested"], batch["scheduled_at"], speed)
    created = start + QUEUE_SECONDS / speed
    updated = start + min(elapsed, plan.ends_at) / speed
    talk = plan.talk_seconds if status == "completed" else 0
    reason, hangup_by = _HANGUP[plan.outcome] if finished else (None, None)
    number = contact["contact_number"]
    from_numbers = batch["from_phone_numbers"] or ["+918035735900"]
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"standin:{batch['batch_id']}:{plan.index}")),
        "agent_id": batch["agent_id"],
        "batch_id": batch["batch_id"],
        "status": status,
        "conversation_time": talk,
        "conversation_duration": talk,
        "total_cost": round(talk / 60 * COST_CENTS_PER_MINUTE, 2),
        "answered_by_voice_mail": plan.outcome == "voicemail" and status == "completed",
        "error_message": "Unreachable destination" if status == "failed" else None,
        "transcript": _transcript(contact) if status == "completed" and plan.outcome == "completed" else "",
        "telephony_data": {
            "to_number": number,
            "from_number": from_numbers[plan.index % len(from_numbers)],
            "duration": str(int(talk)),
            "hangup_reason": reason,
            "hangup_by": hangup_by,
            "provider": "standin",
            "call_type": "outbound",
            "ring_duration": plan.ring_seconds if status not in ("queued", "initiated") else None,
        },
        "context_details": {
            "recipient_phone_number": number,
            "recipient_data": {key: value for key, value in contact.items() if key != "contact_number"},
        },
        "batch_run_details": {"status": status, "retried": 0},
        "created_at": iso(created),
        "updated_at": iso(max(created, updated)),
    }


def _transcript(contact: dict) -> str:
    name = contact.get("first_name") or contact.get("name") or "there"
    return f"assistant: Hello {name}, this is a reminder call.\nuser: Thanks, got it.\nassistant: Have a good day!"


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
