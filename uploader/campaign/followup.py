"""The contacts of a batch nobody reached, as a clean upload file for the next batch.

A contact goes in when every execution of it ended in one of the chosen
statuses (by default ``no-answer``, ``busy``, ``failed``) and none completed;
anyone reached (a completed call, a voicemail) never does, nor anyone whose
call has not ended yet. The file is what ``uploader run`` takes: a
``contact_number`` column first, then the contact's variables in the order the
API gave them, the values untouched (it is an upload file, not one for people).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..api.models import Execution
from ..files import atomic_write_text

DEFAULT_STATUSES = ("no-answer", "busy", "failed")
#: Call statuses that say somebody (or their voicemail) answered.
REACHED_STATUSES = frozenset({"completed", "in-progress", "call-disconnected"})
#: Call statuses after which nothing more happens to that call.
FINAL_CALL_STATUSES = frozenset(
    {"completed", "busy", "no-answer", "failed", "error", "balance-low", "stopped", "canceled"}
)


@dataclass(frozen=True)
class FollowUp:
    """Who goes into the next batch: ``header`` and ``rows`` of the file, and how many were left out."""

    header: list[str]
    rows: list[list[str]]
    reached: int
    not_final: int

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue()


def follow_up(executions: Iterable[Execution], statuses: Sequence[str] = DEFAULT_STATUSES) -> FollowUp:
    """The contacts of ``executions`` whose calls all ended in ``statuses``, none reached, in first-seen order."""
    wanted = frozenset(statuses)
    by_number: dict[str, list[Execution]] = {}
    for execution in executions:
        number = execution.contact_number
        if number:
            by_number.setdefault(number, []).append(execution)
    chosen, reached, not_final = [], 0, 0
    for number, calls in by_number.items():
        if any(call.status in REACHED_STATUSES or call.answered_by_voice_mail for call in calls):
            reached += 1
        elif all(call.status in wanted for call in calls):
            chosen.append((number, _variables(calls)))
        elif any(call.status not in FINAL_CALL_STATUSES for call in calls):
            not_final += 1  # still queued, ringing or waiting for a redial: not yet a follow-up
    names: list[str] = []
    for _, variables in chosen:
        names += [name for name in variables if name not in names and name != "contact_number"]
    rows = [[number] + [_text(variables.get(name)) for name in names] for number, variables in chosen]
    return FollowUp(["contact_number", *names], rows, reached, not_final)


def write_follow_up(
    executions: Iterable[Execution], path: str | os.PathLike, statuses: Sequence[str] = DEFAULT_STATUSES
) -> FollowUp:
    """Write :func:`follow_up` to ``path`` whole (through a temporary file) and return it."""
    result = follow_up(executions, statuses)
    atomic_write_text(path, result.csv_text())
    return result


def _variables(calls: list[Execution]) -> dict:
    merged: dict = {}
    for call in calls:
        merged.update(call.variables)
    return merged


def _text(value: object) -> str:
    return "" if value is None else str(value)
