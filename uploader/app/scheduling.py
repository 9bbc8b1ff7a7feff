"""The schedule and progress steps: one press through ``run_campaign`` and its ledger, then polling.

Pressing the button again (a reload, a second tab, a restart of the app)
calls :func:`uploader.campaign.run.run_campaign` again, whose ledger finds
the batch of the same clean contacts and resumes it instead of uploading
them a second time. Progress polls the API through the client (its retries
and timeouts), at most once per :data:`POLL_SECONDS` per session, and
passing outages keep the last status, as ``BatchClient.wait`` does.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api.client import BatchClient
from ..api.models import Batch, Execution
from ..api.times import show_start
from ..campaign.followup import write_follow_up
from ..campaign.ledger import Ledger
from ..campaign.results import variables_of, write_executions
from ..campaign.run import run_campaign
from ..errors import APIConnectionError, RateLimitError, ServerError, UploaderError
from .checking import clean_options, current_source
from .planning import PlanChoices
from .workspaces import Workspace

#: The app asks the API for a batch's status at most this often per session.
POLL_SECONDS = 1.0


@dataclass
class Schedule:
    """What the schedule button made: the batches (one, or one per part of a split) and their progress."""

    agent_id: str
    clean_path: str
    batches: list[dict[str, Any]]
    events: list[str] = field(default_factory=list)
    polled_at: float = 0.0
    outage: str | None = None
    results_path: Path | None = None
    follow_up_path: Path | None = None
    follow_ups: int | None = None

    @property
    def finished(self) -> bool:
        return all(entry["batch"].is_terminal for entry in self.batches)

    @property
    def status(self) -> str:
        """The batches' status word as the API gives it: theirs when they agree, else the first unfinished one's."""
        words = [entry["batch"].status for entry in self.batches]
        if len(set(words)) == 1:
            return words[0]
        unfinished = [entry["batch"] for entry in self.batches if not entry["batch"].is_terminal]
        return unfinished[0].status if unfinished else words[0]

    def calls(self) -> dict[str, int]:
        """Calls by status, over every batch."""
        counts: dict[str, int] = {}
        for entry in self.batches:
            for status, count in entry["batch"].execution_status.items():
                counts[status] = counts.get(status, 0) + count
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def to_dict(self) -> dict[str, Any]:
        """The JSON the progress page polls: statuses and counts only (no contact data, no key)."""
        return {
            "status": self.status,
            "finished": self.finished,
            "calls": self.calls(),
            "outage": self.outage,
            "results": self.results_path is not None,
            "follow_ups": self.follow_ups,
            "batches": [
                {
                    "batch_id": entry["batch"].batch_id,
                    "status": entry["batch"].status,
                    "rows": entry["rows"],
                    "starts_at": entry["starts_at"],
                }
                for entry in self.batches
            ],
        }


def runs_folder(root: Path, workspace: Workspace) -> Path:
    """Where a run of these exact contacts writes its outputs: the same folder for the same file content,
    so a split's manifest is found again (and each part resumed) after a reload or a restart."""
    digest = hashlib.sha256()
    with open(current_source(workspace), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(repr(sorted(clean_options(workspace).items())).encode())
    folder = root / digest.hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def schedule(
    client: BatchClient, ledger: Ledger, workspace: Workspace, choices: PlanChoices, runs_root: Path
) -> Schedule:
    """Upload and schedule the checked file once (rejected rows left out); raises the package's errors."""
    events: list[str] = []
    result = run_campaign(
        client,
        current_source(workspace),
        agent_id=choices.agent_id,
        ledger=ledger,
        at=choices.api_time(),
        tz=choices.tz,
        clean_options=clean_options(workspace),
        allow_rejects=True,
        out_dir=runs_folder(runs_root, workspace),
        avg_call_seconds=choices.avg_call_seconds,
        cost_per_minute=choices.cost_per_minute,
        split_by_window=choices.split,
        allow_outside_hours=choices.allow_outside and not choices.split,
        on_event=events.append,
        retry_config=choices.retry_config(),
    )
    if result.parts:
        batches = [
            {
                "batch": part.batch,
                "rows": part.rows,
                "starts_at": _shown(part.scheduled_at or part.start, choices.tz),
            }
            for part in result.parts
        ]
    else:
        start = result.scheduled_at or result.batch.scheduled_at
        batches = [
            {"batch": result.batch, "rows": result.report.clean, "starts_at": _shown(start, choices.tz)}
        ]
    return Schedule(choices.agent_id, result.clean_path, batches, events)


def _shown(start: str | None, tz: str | None) -> str | None:
    """When a batch starts (the API's rounding applied), in the user's zone; as the API wrote it if unreadable."""
    if not start:
        return None
    try:
        return show_start(start, tz)
    except (UploaderError, ValueError):
        return start


def poll(
    client: BatchClient, run: Schedule, folder: Path, clock: Callable[[], float] = time.monotonic
) -> Schedule:
    """Refresh the batches' status (at most once per :data:`POLL_SECONDS`); once all ended, write the results."""
    if clock() - run.polled_at < POLL_SECONDS or (run.finished and run.results_path):
        return run
    run.polled_at = clock()
    try:
        for entry in run.batches:
            if not entry["batch"].is_terminal:
                entry["batch"] = client.get_batch(entry["batch"].batch_id, run.agent_id)
        run.outage = None
    except (APIConnectionError, RateLimitError, ServerError) as exc:
        run.outage = f"the API did not answer ({exc}); still polling"
    if run.finished and run.results_path is None:
        _write_results(client, run, folder)
    return run


def _write_results(client: BatchClient, run: Schedule, folder: Path) -> None:
    executions: list[Execution] = []
    for entry in run.batches:
        batch: Batch = entry["batch"]
        executions += list(client.iter_executions(batch.batch_id, run.agent_id))
    results = folder / "results.csv"
    write_executions(executions, results, variable_order=variables_of(run.clean_path))
    follow_up = write_follow_up(executions, folder / "followup.csv")
    run.follow_up_path, run.follow_ups = folder / "followup.csv", len(follow_up.rows)
    run.results_path = results
