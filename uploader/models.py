"""Small typed records of what the API returns; each keeps the raw JSON too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

#: Batch statuses after which nothing more happens. Status is an open string
#: (the docs disagree on its values), so anything else counts as "not yet".
TERMINAL_STATUSES = frozenset({"completed", "executed", "stopped", "failed", "canceled", "cancelled"})
SUCCESS_STATUSES = frozenset({"completed", "executed"})


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
        return self.status in TERMINAL_STATUSES

    @property
    def succeeded(self) -> bool:
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


@dataclass(frozen=True)
class ActionResult:
    """The short answer of schedule, stop and delete: ``state`` and ``message``."""

    state: str
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ActionResult:
        return cls(state=str(data.get("state") or data.get("status") or ""),
                   message=str(data.get("message") or ""), raw=data)


@dataclass(frozen=True)
class Execution:
    """One call to one contact."""

    id: str
    batch_id: str | None
    status: str
    to_number: str | None = None
    from_number: str | None = None
    conversation_time: float | None = None
    total_cost: float | None = None
    hangup_reason: str | None = None
    transcript: str | None = None
    created_at: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    #: Columns of :meth:`as_row`, for CSV output.
    ROW_FIELDS = ("id", "batch_id", "status", "to_number", "from_number", "conversation_time",
                  "total_cost", "hangup_reason", "created_at")

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Execution:
        telephony = data.get("telephony_data") or {}
        context = data.get("context_details") or {}
        duration = data.get("conversation_time", data.get("conversation_duration"))
        return cls(
            id=str(data.get("id") or ""),
            batch_id=data.get("batch_id"),
            status=str(data.get("status") or "unknown"),
            to_number=telephony.get("to_number") or context.get("recipient_phone_number"),
            from_number=telephony.get("from_number"),
            conversation_time=_number(duration),
            total_cost=_number(data.get("total_cost")),
            hangup_reason=telephony.get("hangup_reason"),
            transcript=data.get("transcript"),
            created_at=data.get("created_at"),
            variables=dict(context.get("recipient_data") or {}),
            raw=data,
        )

    def as_row(self) -> dict[str, Any]:
        """The fields a results CSV shows, then the contact's variables."""
        row = {name: getattr(self, name) for name in self.ROW_FIELDS}
        row.update({f"var_{key}": value for key, value in self.variables.items()})
        return row


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
