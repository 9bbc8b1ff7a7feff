"""The whole campaign: clean → upload once → schedule → wait → results.

No printing here: progress is reported through ``on_event(message)`` and
``on_update(batch)`` callbacks, and failures are the package's exceptions.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import csvtools
from csvtools.html_report import SHOWN_ROWS
from csvtools.io.atomic import atomic_write_text

from .client import CLOCK_SKEW, BatchClient
from .errors import AmbiguousCreateError, BatchFailedError, NotFoundError, RejectedRowsError, UploaderError
from .ledger import Ledger, LedgerEntry, file_digest
from .models import Batch, Execution
from .report_page import write_report_page
from .times import soonest, to_api_time

EventCallback = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


@dataclass
class UploadOutcome:
    """The batch an upload became, and whether it was found rather than made."""

    batch: Batch
    resumed: bool
    entry: LedgerEntry


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch.batch_id,
            "status": self.batch.status,
            "resumed": self.resumed,
            "scheduled_at": self.scheduled_at,
            "clean_path": self.clean_path,
            "rows": self.report.rows,
            "clean": self.report.clean,
            "rejected": self.report.rejected,
            "execution_status": self.batch.execution_status,
            "executions": len(self.executions),
            "results_path": self.results_path,
            "html_path": self.html_path,
        }


def upload_once(
    client: BatchClient,
    ledger: Ledger,
    agent_id: str,
    csv_path: str | os.PathLike,
    *,
    new_batch: bool = False,
    on_event: EventCallback = _quiet,
    **create_options: Any,
) -> UploadOutcome:
    """Create a batch from ``csv_path`` unless the ledger shows these bytes were uploaded already.

    ``new_batch=True`` always uploads. An earlier upload that got no answer
    is looked for among the agent's batches before anything is sent again.
    """
    digest = file_digest(csv_path)
    file_name = os.path.basename(os.fspath(csv_path))
    entry = None if new_batch else ledger.find(client.base_url, agent_id, digest)

    if entry and entry.batch_id:
        try:
            batch = client.get_batch(entry.batch_id, agent_id)
        except NotFoundError:
            raise UploaderError(
                f"this file was uploaded before as batch {entry.batch_id}, which the API no longer has; "
                "pass --new-batch to upload it again"
            ) from None
        on_event(f"this file was uploaded before as batch {batch.batch_id} ({batch.status}); resuming it")
        return UploadOutcome(batch, True, ledger.record(entry, state=batch.status))

    if entry:  # an upload that never got its answer
        found = _batches_from(client, agent_id, file_name, entry.started_at)
        if len(found) == 1:
            on_event(f"an earlier upload got no answer; found its batch {found[0].batch_id} and resumed it")
            return UploadOutcome(found[0], True, ledger.record(entry, state="created", batch_id=found[0].batch_id))
        if len(found) > 1:
            ids = ", ".join(batch.batch_id for batch in found)
            raise AmbiguousCreateError(
                f"an earlier upload got no answer and the agent has {len(found)} new batches of {file_name}: {ids}; "
                "delete the extra ones, or pass --new-batch", candidates=found)
        on_event("an earlier upload got no answer and made no batch; uploading again")
    else:
        entry = ledger.begin(client.base_url, agent_id, digest, file_name)

    try:
        batch = client.create_batch(agent_id, csv_path, **create_options)
    except AmbiguousCreateError as exc:
        if len(exc.candidates) == 1:
            found = exc.candidates[0]
            on_event(f"the upload got no answer; found the batch it made ({found.batch_id}) and took it")
            return UploadOutcome(found, True, ledger.record(entry, state="created", batch_id=found.batch_id))
        raise
    except UploaderError:
        # The upload was refused or never left: nothing to resume next time.
        ledger.record(entry, state="abandoned")
        raise
    on_event(f"created batch {batch.batch_id} from {file_name}")
    return UploadOutcome(batch, False, ledger.record(entry, state="created", batch_id=batch.batch_id))


def _batches_from(client: BatchClient, agent_id: str, file_name: str, since: float) -> list[Batch]:
    started = datetime.fromtimestamp(since, timezone.utc) - CLOCK_SKEW
    return [b for b in client.list_batches(agent_id) if b.file_name == file_name and b.created_since(started)]


def run_campaign(
    client: BatchClient,
    source: str | os.PathLike,
    *,
    agent_id: str,
    ledger: Ledger,
    at: datetime | str | None = None,
    tz: str | None = None,
    region: str | None = None,
    column: str | None = None,
    level: str = "valid",
    allow_rejects: bool = False,
    out_dir: str | os.PathLike | None = None,
    new_batch: bool = False,
    wait: bool = False,
    interval: float = 10.0,
    timeout: float = 6 * 3600,
    results_path: str | os.PathLike | None = None,
    bypass_call_guardrails: bool = False,
    on_event: EventCallback = _quiet,
    on_update: Callable[[Batch], None] | None = None,
    **create_options: Any,
) -> RunResult:
    """Validate and clean ``source``, then upload it once, schedule it, and optionally wait.

    ``at=None`` means as soon as the API allows. Rows rejected by csvtools
    stop the run unless ``allow_rejects`` (then only the clean rows go up).
    """
    when = to_api_time(at, tz) if at is not None else None  # fail before any work

    source = Path(source)
    directory = Path(out_dir) if out_dir else source.parent
    clean_path = directory / f"{source.stem}.clean.csv"
    report = csvtools.clean_file(source, clean_path, directory / f"{source.stem}.rejects.csv",
                                 region=region, column=column, level=level, workers=0,
                                 max_rejections=SHOWN_ROWS)
    html_path = directory / f"{source.stem}.report.html"
    write_report_page(html_path, report)  # before any refusal below: the page shows why
    on_event(f"{source.name}: {report.rows} rows, {report.clean} clean, {report.rejected} rejected"
             f" (clean file {clean_path})")
    if report.rejected and not allow_rejects:
        raise RejectedRowsError(
            f"{report.rejected} of {report.rows} rows were rejected (see {report.rejects_path}); fix them, "
            "or pass --allow-rejects to upload only the clean rows", report=report)
    if not report.clean:
        raise RejectedRowsError("no row is left to upload", report=report)

    outcome = upload_once(client, ledger, agent_id, clean_path, new_batch=new_batch, on_event=on_event,
                          **create_options)
    batch = outcome.batch
    scheduled_at = batch.scheduled_at
    if batch.status == "created":
        scheduled_at = when or to_api_time(soonest())
        client.schedule_batch(batch.batch_id, scheduled_at, agent_id, bypass_call_guardrails)
        ledger.record(outcome.entry, state="scheduled")
        on_event(f"scheduled batch {batch.batch_id} for {scheduled_at}")
    else:
        on_event(f"batch {batch.batch_id} is already {batch.status}; not scheduling it again")

    result = RunResult(report, str(clean_path), batch, outcome.resumed, scheduled_at, html_path=str(html_path))
    if not wait:
        return result

    result.batch = client.wait(batch.batch_id, interval=interval, timeout=timeout, on_update=on_update,
                               agent_id=agent_id)
    ledger.record(outcome.entry, state=result.batch.status)
    write_report_page(html_path, report, result.batch)
    if result.batch.dropped_contacts:
        on_event(f"the API counted {result.batch.dropped_contacts} of {result.batch.total_contacts} contacts out")
    result.executions = list(client.iter_executions(batch.batch_id, agent_id))
    if results_path:
        write_executions(result.executions, results_path)
        result.results_path = str(results_path)
    if not result.batch.succeeded:
        raise BatchFailedError(f"batch {batch.batch_id} ended {result.batch.status}", batch=result.batch)
    return result


def write_executions(executions: list[Execution], path: str | os.PathLike) -> None:
    """Write executions as CSV (one row per call, variables prefixed ``var_``) or, for ``.json``, raw JSON."""
    if os.fspath(path).lower().endswith(".json"):
        atomic_write_text(path, json.dumps([e.raw for e in executions], indent=2, ensure_ascii=False) + "\n")
        return
    rows = [execution.as_row() for execution in executions]
    columns = list(Execution.ROW_FIELDS)
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())
