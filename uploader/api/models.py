"""Small typed records of what the API returns; each keeps the raw JSON too."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

#: Batch statuses after which nothing more happens. Status is an open string
#: (the docs disagree on its values), so anything else counts as "not yet".
TERMINAL_STATUSES = frozenset({"completed", "executed", "stopped", "failed", "canceled", "cancelled"})
SUCCESS_STATUSES = frozenset({"completed", "executed"})
#: Batch statuses that say a schedule took (the batch is past ``created`` and was not stopped first).
SCHEDULED_STATUSES = frozenset({"scheduled", "queued", "running", "completed", "executed"})


@dataclass(frozen=True)
class Batch:
    """A batch as ``GET /batches/{id}`` (or create) describes it."""

    batch_id: str
    status: str
    scheduled_at: str | None = None
    created_at: str | None = None
    file_name: str | None = None
    total_contacts: int | None = None
    valid_contacts: int | None = None
    execution_status: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_terminal(self) -> bool:
        """True once the batch has ended, however it ended: it will change no more."""
        return self.status in TERMINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        """True when the batch ended by running its calls (completed or executed), not stopped or failed."""
        return self.status in SUCCESS_STATUSES

    @property
    def dropped_contacts(self) -> int:
        """Rows the API counted out (``total_contacts - valid_contacts``)."""
        if self.total_contacts is None or self.valid_contacts is None:
            return 0
        return max(0, self.total_contacts - self.valid_contacts)

    def created_since(self, moment: datetime) -> bool:
        """Whether the batch was created at or after ``moment`` (True when unknown)."""
        if not self.created_at:
            return True  # unknown: keep it as a candidate rather than risk a double upload
        try:
            created = datetime.fromisoformat(self.created_at.replace("Z", "+00:00"))
        except ValueError:
            return True
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        return created >= moment

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Batch:
        # Action answers say "state", reads say "status"; "batch_id" may be "id".
        return cls(
            batch_id=str(data.get("batch_id") or data.get("id") or ""),
            status=str(data.get("status") or data.get("state") or "unknown"),
            scheduled_at=data.get("scheduled_at"),
            created_at=data.get("created_at"),
            file_name=data.get("file_name"),
            total_contacts=data.get("total_contacts"),
            valid_contacts=data.get("valid_contacts"),
            execution_status=dict(data.get("execution_status") or {}),
            raw=data,
        )


#: ``GET /user/me`` reports ``wallet`` as the balance times this (a raw 9930.01 is 99.30); the
#: platform's own CLI divides it back (bolna-ai/cli, internal/api/account.go, ``Balance()``, 22bc0ef).
WALLET_SCALE = 100
#: Older names of the balance, which that CLI reads as they are (in currency).
UNSCALED_WALLET_FIELDS = ("wallet_balance", "balance", "account_balance")


@dataclass(frozen=True)
class Account:
    """The account as ``GET /user/me`` describes it: wallet balance and call concurrency.

    ``wallet`` is in currency: the API's ``wallet`` field divided by
    :data:`WALLET_SCALE`, here and nowhere else; ``raw`` keeps the answer as it came.
    """

    wallet: float | None = None
    concurrency_max: int | None = None
    concurrency_current: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Account:
        concurrency = data.get("concurrency")
        if not isinstance(concurrency, dict):
            concurrency = {}
        return cls(
            wallet=_wallet(data),
            concurrency_max=_integer(concurrency.get("max")),
            concurrency_current=_integer(concurrency.get("current")),
            raw=data,
        )


@dataclass(frozen=True)
class ActionResult:
    """The short answer of schedule, stop and delete: ``state`` and ``message``."""

    state: str
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ActionResult:
        return cls(
            state=str(data.get("state") or data.get("status") or ""),
            message=str(data.get("message") or ""),
            raw=data,
        )


@dataclass(frozen=True)
class Execution:
    """One call to one contact (its redials counted in ``retried``)."""

    id: str
    batch_id: str | None
    status: str
    to_number: str | None = None
    from_number: str | None = None
    conversation_duration: float | None = None
    total_cost: float | None = None
    answered_by_voice_mail: bool | None = None
    error_message: str | None = None
    recording_url: str | None = None
    retried: int | None = None
    hangup_reason: str | None = None
    transcript: str | None = None
    created_at: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    extracted_data: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    #: Columns of :meth:`as_row`, for CSV output, before the ``var_*`` and ``data_*`` ones.
    ROW_FIELDS = (
        "id",
        "batch_id",
        "status",
        "to_number",
        "from_number",
        "conversation_duration",
        "total_cost",
        "answered_by_voice_mail",
        "error_message",
        "recording_url",
        "retried",
        "hangup_reason",
        "created_at",
    )

    @property
    def conversation_time(self) -> float | None:
        """The older name of :attr:`conversation_duration` (seconds)."""
        return self.conversation_duration

    @property
    def contact_number(self) -> str | None:
        """The number called: the contact's own (``context_details``), else the telephony record's."""
        context = self.raw.get("context_details") or {}
        return context.get("recipient_phone_number") or self.to_number

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Execution:
        telephony = data.get("telephony_data") or {}
        context = data.get("context_details") or {}
        run = data.get("batch_run_details") or {}
        duration = data.get("conversation_duration", data.get("conversation_time"))
        voicemail = data.get("answered_by_voice_mail")
        return cls(
            id=str(data.get("id") or ""),
            batch_id=data.get("batch_id"),
            status=str(data.get("status") or "unknown"),
            to_number=telephony.get("to_number") or context.get("recipient_phone_number"),
            from_number=telephony.get("from_number"),
            conversation_duration=_number(duration),
            total_cost=_number(data.get("total_cost")),
            answered_by_voice_mail=bool(voicemail) if voicemail is not None else None,
            error_message=data.get("error_message") or None,
            recording_url=telephony.get("recording_url") or data.get("recording_url") or None,
            retried=_integer(run.get("retried")),
            hangup_reason=telephony.get("hangup_reason"),
            transcript=data.get("transcript"),
            created_at=data.get("created_at"),
            variables=dict(context.get("recipient_data") or {}),
            extracted_data=dict(data.get("extracted_data") or {})
            if isinstance(data.get("extracted_data"), dict)
            else {},
            raw=data,
        )

    def as_row(self, variable_order: list[str] | None = None) -> dict[str, Any]:
        """The fields a results CSV shows, then the contact's variables (``var_*``, in ``variable_order``
        first), then ``extracted_data`` flattened (``data_*``, nested keys joined by ``_``)."""
        row = {name: getattr(self, name) for name in self.ROW_FIELDS}
        order = [key for key in variable_order or [] if key in self.variables]
        order += [key for key in self.variables if key not in order]
        row.update({f"var_{key}": self.variables[key] for key in order})
        row.update({f"data_{key}": value for key, value in _flatten(self.extracted_data).items()})
        return row


def _wallet(data: dict[str, Any]) -> float | None:
    """The balance in currency: ``wallet`` scaled back; an older field name as it is."""
    wallet = data.get("wallet")
    if isinstance(wallet, dict):  # a nested shape nobody documents: read it in the same unit
        wallet = wallet.get("balance", wallet.get("amount"))
    scaled = _number(wallet)
    if scaled is not None:
        return round(scaled / WALLET_SCALE, 4)
    for name in UNSCALED_WALLET_FIELDS:
        balance = _number(data.get(name))
        if balance is not None:
            return balance
    return None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
