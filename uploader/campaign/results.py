"""What a run did and what its calls became: the run's record, the executions, the results file."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field, replace
from typing import Any

import csvtools

from ..api.client import BatchClient
from ..api.models import Batch, Execution
from ..files import atomic_write_text
from ..safety.estimate import Estimate
from .caps import Skipped
from .events import EventCallback


@dataclass
class RunResult:
    """Everything ``uploader run`` did."""

    report: csvtools.Report
    clean_path: str
    batch: Batch
    resumed: bool
    scheduled_at: str | None = None
    executions: list[Execution] = field(default_factory=list)
    results_path: str | None = None
    html_path: str | None = None
    #: The start the API uses (``scheduled_at`` rounded up to 10 minutes), for people; None when not scheduled.
    starts_at: str | None = None
    estimate: Estimate | None = None
    #: With ``split_by_window``: every batch of the split (``batch`` is the first); else empty.
    parts: list[PartResult] = field(default_factory=list)
    #: Rows not uploaded because of their attempt cap (``x.skipped.csv``).
    skipped: Skipped | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.batch_id,
            "status": self.batch.status,
            "resumed": self.resumed,
            "scheduled_at": self.scheduled_at,
            "starts_at": self.starts_at,
            "estimate": self.estimate.to_dict() if self.estimate else None,
            "clean_path": self.clean_path,
            "rows": self.report.rows,
            "clean": self.report.clean,
            "rejected": self.report.rejected,
            "execution_status": self.batch.execution_status,
            "executions": len(self.executions),
            "results_path": self.results_path,
            "html_path": self.html_path,
            "parts": [part.to_dict() for part in self.parts],
            "skipped": self.skipped.to_dict() if self.skipped else {"rows": 0, "by_reason": {}, "path": None},
        }


@dataclass
class PartResult:
    """One batch of a split run: its part file, its groups' zones and rows, and its start."""

    clean_path: str
    time_zones: list[str]
    rows: int
    start: str
    batch: Batch
    resumed: bool
    scheduled_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.batch_id,
            "status": self.batch.status,
            "resumed": self.resumed,
            "clean_path": self.clean_path,
            "time_zones": self.time_zones,
            "rows": self.rows,
            "start": self.start,
            "scheduled_at": self.scheduled_at,
        }


def executions_of(
    client: BatchClient, batch: Batch, agent_id: str, on_event: EventCallback
) -> list[Execution]:
    """An ended batch's executions, saying what the API counted out and what the wallet could not place."""
    if batch.dropped_contacts:
        on_event(f"the API counted {batch.dropped_contacts} of {batch.total_contacts} contacts out")
    executions = list(client.iter_executions(batch.batch_id, agent_id))
    low = sum(1 for execution in executions if execution.status == "balance-low")
    if low:
        on_event(
            f"{low} calls were not placed: the wallet ran out (balance-low); top it up, then "
            f"'uploader followup {batch.batch_id} -o next.csv --statuses balance-low' lists them"
        )
    return executions


def variables_of(clean_path: str | os.PathLike) -> list[str]:
    """The clean file's columns after ``contact_number``: the contacts' variables, in the input's order."""
    with open(clean_path, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    return [name for name in header if name != "contact_number"]


def write_executions(
    executions: list[Execution], path: str | os.PathLike, variable_order: list[str] | None = None
) -> None:
    """Write executions as CSV (one row per call, variables ``var_*``, extracted data ``data_*``) or raw JSON.

    ``.json`` gives the API's answers untouched. In the CSV, the ``var_*``
    columns come in ``variable_order`` (the input's columns) and a text cell a
    spreadsheet would run as a formula gets a leading ``'``
    (:func:`csvtools.neutralize_formula`).
    """
    if os.fspath(path).lower().endswith(".json"):
        atomic_write_text(path, json.dumps([e.raw for e in executions], indent=2, ensure_ascii=False) + "\n")
        return
    # A file for people, opened in spreadsheets: formulas in the contacts' cells are made inert,
    # exactly as csvtools does in its rejects file (phone numbers such as +44 … stay as they are).
    rows = [
        {
            key: csvtools.neutralize_formula(value) if isinstance(value, str) else value
            for key, value in execution.as_row(variable_order).items()
        }
        for execution in executions
    ]
    columns = list(Execution.ROW_FIELDS)
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def batches_together(batches: list[Batch]) -> Batch:
    """The batches of a split as one, for the run's page: their ids, and their calls by status summed."""
    counts: dict[str, int] = {}
    for batch in batches:
        for status, count in batch.execution_status.items():
            counts[status] = counts.get(status, 0) + count
    ended = {batch.status for batch in batches}
    return replace(
        batches[0],
        batch_id=", ".join(b.batch_id for b in batches),
        status=ended.pop() if len(ended) == 1 else "mixed",
        execution_status=counts,
    )
