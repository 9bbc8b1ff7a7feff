"""The whole campaign: clean → upload once → schedule → wait → results.

No printing here: progress is reported through ``on_event(message)`` and
``on_update(batch)`` callbacks, and failures are the package's exceptions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import csvtools

from .calling_hours import check_calling_hours, has_split, split_clean_file
from .client import CLOCK_SKEW, BatchClient
from .errors import (
    AmbiguousCreateError,
    BatchFailedError,
    InsufficientBalanceError,
    NotFoundError,
    OutsideCallingHoursError,
    RejectedRowsError,
    UploaderError,
)
from .estimate import DEFAULT_AVG_CALL_SECONDS, Estimate, estimate_run
from .files import atomic_write_text, check_output
from .ledger import Ledger, LedgerEntry, file_digest
from .models import Batch, Execution
from .plan import (
    DEFAULT_CALLING_HOURS,
    DEFAULT_CONCURRENCY,
    CallPlan,
    describe_groups,
    parse_calling_hours,
    plan_clean_file,
)
from .report_page import write_report_page
from .times import show_start, soonest, to_api_time

EventCallback = Callable[[str], None]
#: Rejected rows the run's report lists (all of them are in the rejects file); the HTML page shows them.
LISTED_REJECTIONS = 100
#: Hex digits of the SHA-256 in an upload's name: 64 bits, no accidental match.
DIGEST_CHARS = 16


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
    #: The start the API uses (``scheduled_at`` rounded up to 10 minutes), for people; None when not scheduled.
    starts_at: str | None = None
    estimate: Estimate | None = None
    #: With ``split_by_window``: every batch of the split (``batch`` is the first); else empty.
    parts: list[PartResult] = field(default_factory=list)

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


def upload_name(csv_path: str | os.PathLike, digest: str) -> str:
    """The name an upload carries: ``<stem>.<first 16 hex of its SHA-256>.csv``.

    The API echoes it as the batch's ``file_name``, so the agent's batch list
    tells which batch holds these exact bytes, without the ledger.
    """
    stem = os.path.splitext(os.path.basename(os.fspath(csv_path)))[0]
    return f"{stem}.{digest[:DIGEST_CHARS]}.csv"


def upload_once(
    client: BatchClient,
    ledger: Ledger,
    agent_id: str,
    csv_path: str | os.PathLike,
    *,
    new_batch: bool = False,
    on_event: EventCallback = _quiet,
    before_create: Callable[[], None] | None = None,
    **create_options: Any,
) -> UploadOutcome:
    """Create a batch from ``csv_path`` unless these bytes were uploaded to this agent already.

    Already means: the ledger has a batch for them, or (ledger lost) the
    agent's batch list has one whose ``file_name`` carries their digest; that
    batch is resumed whatever its status. ``new_batch=True`` always uploads.
    An earlier upload that got no answer is looked for before anything is sent
    again. ``before_create`` runs only when an upload is about to be sent
    (nothing to resume), and may raise to stop it. Raises
    :class:`UploadInProgressError` while another process holds the same upload.
    """
    digest = file_digest(csv_path)
    with ledger.claim(client.base_url, agent_id, digest):
        return _upload_claimed(
            client,
            ledger,
            agent_id,
            csv_path,
            digest,
            new_batch,
            on_event,
            before_create or _nothing,
            create_options,
        )


def _nothing() -> None:
    pass


def _upload_claimed(
    client: BatchClient,
    ledger: Ledger,
    agent_id: str,
    csv_path: str | os.PathLike,
    digest: str,
    new_batch: bool,
    on_event: EventCallback,
    before_create: Callable[[], None],
    create_options: dict[str, Any],
) -> UploadOutcome:
    file_name = upload_name(csv_path, digest)
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
        found = _batches_named(client, agent_id, entry.file_name, since=entry.started_at)
        if len(found) == 1:
            on_event(f"an earlier upload got no answer; found its batch {found[0].batch_id} and resumed it")
            return UploadOutcome(
                found[0], True, ledger.record(entry, state=found[0].status, batch_id=found[0].batch_id)
            )
        if len(found) > 1:
            raise _several(
                found,
                f"an earlier upload got no answer and the agent has {len(found)} new batches "
                f"of {entry.file_name}",
            )
        on_event("an earlier upload got no answer and made no batch; uploading again")
        before_create()
    else:
        if not new_batch:
            found = _batches_named(client, agent_id, file_name)
            if len(found) > 1:
                raise _several(
                    found,
                    f"the ledger has no upload of these contacts, but the agent has "
                    f"{len(found)} batches of them ({file_name})",
                )
            if found:
                batch = found[0]
                on_event(
                    f"the agent already has batch {batch.batch_id} ({batch.status}) of these contacts "
                    f"({file_name}), which the ledger did not know; resuming it"
                )
                entry = ledger.begin(client.base_url, agent_id, digest, file_name)
                return UploadOutcome(
                    batch, True, ledger.record(entry, state=batch.status, batch_id=batch.batch_id)
                )
        before_create()
        entry = ledger.begin(client.base_url, agent_id, digest, file_name)

    try:
        batch = client.create_batch(agent_id, csv_path, file_name=file_name, **create_options)
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


def _batches_named(
    client: BatchClient, agent_id: str, file_name: str, since: float | None = None
) -> list[Batch]:
    """The agent's batches uploaded as ``file_name`` (a name carrying the digest: the same bytes)."""
    started = datetime.fromtimestamp(since, timezone.utc) - CLOCK_SKEW if since is not None else None
    return [
        b
        for b in client.list_batches(agent_id)
        if b.file_name == file_name and (started is None or b.created_since(started))
    ]


def _several(found: list[Batch], what: str) -> AmbiguousCreateError:
    ids = ", ".join(batch.batch_id for batch in found)
    return AmbiguousCreateError(
        f"{what}: {ids}; delete the extra ones, or pass --new-batch", candidates=found
    )


def run_campaign(
    client: BatchClient,
    source: str | os.PathLike,
    *,
    agent_id: str,
    ledger: Ledger,
    at: datetime | str | None = None,
    tz: str | None = None,
    region: str | None = None,
    column: str | tuple[str, ...] | None = None,
    level: str = "valid",
    types: str | tuple[str, ...] | None = None,
    suppress: tuple[str, ...] = (),
    clean_options: dict[str, Any] | None = None,
    allow_rejects: bool = False,
    out_dir: str | os.PathLike | None = None,
    new_batch: bool = False,
    wait: bool = False,
    interval: float = 10.0,
    timeout: float = 6 * 3600,
    results_path: str | os.PathLike | None = None,
    bypass_call_guardrails: bool = False,
    avg_call_seconds: float = DEFAULT_AVG_CALL_SECONDS,
    cost_per_minute: float | None = None,
    ignore_balance: bool = False,
    calling_hours: str | None = None,
    calling_rules: str = "builtin",
    split_by_window: bool = False,
    allow_outside_hours: bool = False,
    on_event: EventCallback = _quiet,
    on_update: Callable[[Batch], None] | None = None,
    **create_options: Any,
) -> RunResult:
    """Validate and clean ``source``, estimate, upload it once, schedule it, and optionally wait.

    ``at=None`` means as soon as the API allows. Rows rejected by csvtools
    stop the run unless ``allow_rejects`` (then only the clean rows go up);
    ``types``, ``suppress`` and ``clean_options`` (any :class:`csvtools.Options`
    field, given ones winning over the named arguments) are csvtools'.
    Before the upload, the account's concurrency and wallet give an estimate
    (:func:`uploader.estimate.estimate_run`); with ``cost_per_minute``, a
    wallet that cannot cover it raises :class:`InsufficientBalanceError`
    unless ``ignore_balance``. A batch of these contacts that already ended
    is not scheduled again for a new ``at``: that needs ``new_batch``.
    Outputs are named by :func:`csvtools.output_paths` (``x.clean.csv``,
    ``x.rejects.csv``, beside ``source`` or in ``out_dir``); every output path
    is checked before anything is read or uploaded, and none may be the input.

    Calling hours (:mod:`uploader.plan`; ``calling_hours`` None is 09:00-21:00
    recipient local time, ``"any"`` checks nothing; ``calling_rules`` "builtin"
    or "none"): after cleaning and before any upload, rows that the batch would
    call outside their hours raise :class:`OutsideCallingHoursError`, unless
    ``allow_outside_hours``, or ``split_by_window``, which uploads one batch
    per group of zones that share an opening, each scheduled at that opening
    (:mod:`uploader.calling_hours`; listed in ``RunResult.parts``).
    """
    when = to_api_time(at, tz) if at is not None else None  # fail before any work
    hours = parse_calling_hours(calling_hours)
    clean_path, rejects_path = (Path(p) for p in csvtools.output_paths(source, out_dir))
    check_output(clean_path, "clean file", (source,))
    check_output(rejects_path, "rejects file", (source,))
    if results_path is not None:
        check_output(results_path, "results", (source, clean_path, rejects_path))

    source = Path(source)
    report = csvtools.clean_file(
        source,
        clean_path,
        rejects_path,
        **{
            "region": region,
            "column": column,
            "level": level,
            "suppress": suppress,
            **({"types": types} if types else {}),
            **(clean_options or {}),
        },
        workers=0,
        max_rejections=LISTED_REJECTIONS,
    )
    html_path = Path(str(clean_path)[: -len(".clean.csv")] + ".report.html")  # x.clean.csv → x.report.html
    write_report_page(html_path, report)  # before any refusal below: the page shows why
    on_event(
        f"{source.name}: {report.rows} rows, {report.clean} clean, {report.rejected} rejected"
        f" (clean file {clean_path})"
    )
    if report.rejected and not allow_rejects:
        raise RejectedRowsError(
            f"{report.rejected} of {report.rows} rows were rejected (see {report.rejects_path}); fix them, "
            "or pass --allow-rejects to upload only the clean rows",
            report=report,
        )
    if not report.clean:
        raise RejectedRowsError("no row is left to upload", report=report)
    estimate, account_error = _estimate(client, report.clean, avg_call_seconds, cost_per_minute, on_event)

    def check_balance() -> None:  # only where calls would be committed: a new upload, or scheduling
        _check_balance(estimate, account_error, ignore_balance, on_event)

    plan = None
    if (
        hours is not None
        and not split_by_window
        and _already_scheduled(ledger, client, agent_id, clean_path, new_batch)
    ):
        on_event("these contacts' batch is already past 'created'; resuming it without a calling-hours check")
        hours = None
    if hours is None and split_by_window:
        on_event("--split-by-window does nothing without calling hours (--calling-hours any)")
    if hours is not None:
        plan = plan_clean_file(
            clean_path,
            report,
            requested=_parse_when(when) if when else soonest(),
            calling_hours=calling_hours,
            calling_rules=calling_rules,
            concurrency=estimate.lines or DEFAULT_CONCURRENCY,
            avg_call_seconds=avg_call_seconds,
        )
        text = calling_hours or DEFAULT_CALLING_HOURS
        # A split made before is resumed part by part, even if the whole file would now be inside.
        if (
            split_by_window
            and not new_batch
            and not plan.outside
            and has_split(clean_path, file_digest(clean_path))
        ):
            on_event("these contacts were split by opening before; resuming every part")
        elif plan.outside and split_by_window:
            on_event(
                f"{plan.rows_outside} of {report.clean} rows are outside their calling hours ({text}) at "
                "the start asked for; splitting by opening"
            )
        elif plan.outside and allow_outside_hours:
            on_event(
                f"{plan.rows_outside} of {report.clean} rows will be called outside their calling hours "
                f"({text}): {describe_groups(plan.outside)} (--allow-outside-hours)"
            )
            plan = None
        else:
            check_calling_hours(plan, hours_text=text)
            plan = None  # everyone inside: one batch, as without the check
    sending = _Sending(
        client,
        ledger,
        agent_id,
        tz,
        new_batch,
        bypass_call_guardrails,
        check_balance,
        on_event,
        create_options,
    )
    if plan is not None:
        return _run_split(
            sending,
            plan,
            report,
            clean_path,
            source,
            html_path,
            estimate,
            wait,
            interval,
            timeout,
            results_path,
            on_update,
        )

    outcome, batch, scheduled_at = sending.send(clean_path, when)
    result = RunResult(
        report,
        str(clean_path),
        batch,
        outcome.resumed,
        scheduled_at,
        estimate=estimate,
        html_path=str(html_path),
    )
    if scheduled_at and batch.status not in ("created",):
        result.starts_at = _start_text(scheduled_at, tz)
    if not wait:
        return result

    result.batch = client.wait(
        batch.batch_id, interval=interval, timeout=timeout, on_update=on_update, agent_id=agent_id
    )
    ledger.record(outcome.entry, state=result.batch.status)
    write_report_page(html_path, report, result.batch)
    result.executions = _executions_of(client, result.batch, agent_id, on_event)
    if results_path:
        write_executions(result.executions, results_path, variable_order=_variables_of(clean_path))
        result.results_path = str(results_path)
    if not result.batch.succeeded:
        raise BatchFailedError(f"batch {batch.batch_id} ended {result.batch.status}", batch=result.batch)
    return result


@dataclass
class _Sending:
    """What uploading and scheduling one clean file needs, the same for a whole file and for each part."""

    client: BatchClient
    ledger: Ledger
    agent_id: str
    tz: str | None
    new_batch: bool
    bypass_call_guardrails: bool
    check_balance: Callable[[], None]
    on_event: EventCallback
    create_options: dict[str, Any]

    def send(
        self, clean_path: str | os.PathLike, when: str | None, reschedule: Callable[[], str] | None = None
    ) -> tuple[UploadOutcome, Batch, str | None]:
        """Upload ``clean_path`` once and schedule it for ``when`` (None: as soon as allowed).

        ``reschedule`` gives a new time for a created batch whose ``when`` has
        become too near or past (a part resumed later than planned).
        """
        client, ledger, agent_id = self.client, self.ledger, self.agent_id
        # Held through the schedule too: a second run must not schedule the batch the first just made.
        with ledger.claim(client.base_url, agent_id, file_digest(clean_path)):
            outcome = upload_once(
                client,
                ledger,
                agent_id,
                clean_path,
                new_batch=self.new_batch,
                on_event=self.on_event,
                before_create=self.check_balance,
                **self.create_options,
            )
            batch = outcome.batch
            scheduled_at = batch.scheduled_at
            if batch.status == "created":
                if outcome.resumed:
                    self.check_balance()
                    if when and reschedule and _parse_when(when) < soonest():
                        when = reschedule()
                scheduled_at = when or to_api_time(soonest())
                answer = client.schedule_batch(
                    batch.batch_id, scheduled_at, agent_id, self.bypass_call_guardrails
                )
                ledger.record(outcome.entry, state="scheduled")
                # The batch read before scheduling says "created"; what is true now is the schedule's answer.
                status = (
                    "scheduled" if not answer.state or answer.state.startswith("scheduled") else answer.state
                )
                batch = replace(batch, status=status, scheduled_at=scheduled_at)
                self.on_event(
                    f"scheduled batch {batch.batch_id} for {scheduled_at}; the API starts it at "
                    f"{show_start(scheduled_at, self.tz)}"
                )
            elif batch.is_terminal and when is not None and reschedule is None:
                raise UploaderError(
                    f"batch {batch.batch_id} of these contacts already {batch.status}; it is not scheduled again "
                    f"for {when}: pass --new-batch to call these contacts again"
                )
            else:
                self.on_event(f"batch {batch.batch_id} is already {batch.status}; not scheduling it again")
        return outcome, batch, scheduled_at


def _run_split(
    sending: _Sending,
    plan: CallPlan,
    report: csvtools.Report,
    clean_path: Path,
    source: Path,
    html_path: Path,
    estimate: Estimate,
    wait: bool,
    interval: float,
    timeout: float,
    results_path: str | os.PathLike | None,
    on_update: Callable[[Batch], None] | None,
) -> RunResult:
    """One batch per part of the split, each scheduled at its opening; with ``wait``, follow every one."""
    client, ledger, agent_id, on_event = sending.client, sending.ledger, sending.agent_id, sending.on_event
    digest = file_digest(clean_path)
    with ledger.claim(client.base_url, agent_id, digest):  # one split of these contacts at a time
        parts = split_clean_file(plan, clean_path, digest, protect=(source,), fresh=sending.new_batch)
        results: list[tuple[PartResult, UploadOutcome]] = []
        for part in parts:
            on_event(
                f"part {part.index} ({part.path.name}): {describe_groups(part.window.groups)}; "
                f"opens {part.start:%Y-%m-%d %H:%M} UTC"
            )

            def later(part: Any = part) -> str:
                opening = plan.opening(part.window.groups, soonest())
                if opening is None:
                    raise OutsideCallingHoursError(
                        f"part {part.index} has no opening left within the horizon"
                    )
                return to_api_time(opening)

            outcome, batch, scheduled_at = sending.send(part.path, to_api_time(part.start), reschedule=later)
            results.append(
                (
                    PartResult(
                        str(part.path),
                        part.window.time_zones,
                        part.window.rows,
                        part.start.isoformat(),
                        batch,
                        outcome.resumed,
                        scheduled_at,
                    ),
                    outcome,
                )
            )
    first = results[0][0]
    result = RunResult(
        report,
        str(clean_path),
        first.batch,
        all(r.resumed for r, _ in results),
        first.scheduled_at,
        estimate=estimate,
        html_path=str(html_path),
        parts=[part for part, _ in results],
    )
    if first.scheduled_at:
        result.starts_at = _start_text(first.scheduled_at, sending.tz)
    if not wait:
        return result

    deadline = time.monotonic() + timeout
    for part, outcome in results:
        part.batch = client.wait(
            part.batch.batch_id,
            interval=interval,
            timeout=max(0.0, deadline - time.monotonic()),
            on_update=on_update,
            agent_id=agent_id,
        )
        ledger.record(outcome.entry, state=part.batch.status)
        result.executions += _executions_of(client, part.batch, agent_id, on_event)
    result.batch = results[0][0].batch
    write_report_page(html_path, report, _together([part.batch for part, _ in results]))
    if results_path:
        write_executions(result.executions, results_path, variable_order=_variables_of(clean_path))
        result.results_path = str(results_path)
    failed = [part.batch for part, _ in results if not part.batch.succeeded]
    if failed:
        raise BatchFailedError(
            ", ".join(f"batch {b.batch_id} ended {b.status}" for b in failed), batch=failed[0]
        )
    return result


def _together(batches: list[Batch]) -> Batch:
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


def _executions_of(
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


def _already_scheduled(
    ledger: Ledger, client: BatchClient, agent_id: str, clean_path: Path, new_batch: bool
) -> bool:
    """Whether the ledger holds a batch of these exact contacts that was scheduled already (its calls are committed)."""
    if new_batch:
        return False
    entry = ledger.find(client.base_url, agent_id, file_digest(clean_path))
    return bool(entry and entry.batch_id and entry.state not in ("created", "abandoned"))


def _parse_when(when: str) -> datetime:
    return datetime.fromisoformat(when)


def _estimate(
    client: BatchClient,
    contacts: int,
    avg_call_seconds: float,
    cost_per_minute: float | None,
    on_event: EventCallback,
) -> tuple[Estimate, UploaderError | None]:
    """Read the account and estimate; the error, if the account could not be read."""
    try:
        account, error = client.get_account(), None
    except UploaderError as exc:
        account, error = None, exc
        on_event(f"cannot read the account ({exc}); no estimate from its concurrency and wallet")
    estimate = estimate_run(
        contacts, account, avg_call_seconds=avg_call_seconds, cost_per_minute=cost_per_minute
    )
    on_event(estimate.describe())
    return estimate, error


def _check_balance(
    estimate: Estimate, account_error: UploaderError | None, ignore_balance: bool, on_event: EventCallback
) -> None:
    """Refuse calls the wallet cannot cover, or cannot be seen to cover (unless ``ignore_balance``)."""
    if ignore_balance or estimate.cost_per_minute is None:
        if estimate.covered is False:
            on_event("the wallet cannot cover the estimate; going on (--ignore-balance)")
        return
    if account_error is not None:
        raise UploaderError(
            f"cannot read the account's wallet ({account_error}); pass --ignore-balance to go on "
            "without the balance check"
        )
    if estimate.covered is False:
        raise InsufficientBalanceError(
            f"the wallet ({estimate.wallet:.2f}) cannot cover the estimated cost ({estimate.cost:.2f}) of "
            f"{estimate.contacts} calls; top it up, or pass --ignore-balance (the calls past the balance end "
            "balance-low)",
            estimate=estimate,
        )


def _start_text(scheduled_at: str, tz: str | None) -> str | None:
    try:
        return show_start(scheduled_at, tz)
    except (UploaderError, ValueError):
        return scheduled_at  # a shape the API wrote that we cannot read: show it as it came


def _variables_of(clean_path: str | os.PathLike) -> list[str]:
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
