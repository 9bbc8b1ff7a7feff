"""The whole campaign: clean → upload once → schedule → wait → results.

No printing here: progress is reported through ``on_event(message)`` and
``on_update(batch)`` callbacks, and failures are the package's exceptions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import csvtools

from ..api.client import BatchClient
from ..api.models import Batch
from ..api.times import show_start, soonest, to_api_time
from ..errors import (
    BatchFailedError,
    OutsideCallingHoursError,
    RejectedRowsError,
    SuppressionListError,
    UploaderError,
)
from ..files import check_output
from ..safety.calling_hours import check_calling_hours, has_split, split_before, split_clean_file
from ..safety.contacts import contacts_digest
from ..safety.estimate import DEFAULT_AVG_CALL_SECONDS, Estimate
from ..safety.plan import (
    DEFAULT_CALLING_HOURS,
    DEFAULT_CONCURRENCY,
    CallPlan,
    api_start,
    describe_groups,
    parse_calling_hours,
    plan_clean_file,
)
from ..safety.wallet import estimate_with_account, refuse_uncovered_cost
from .caps import skip_past_caps, skipped_path_for
from .events import EventCallback, quiet
from .ledger import CapRecheck, Ledger, file_digest
from .redials import redials_of
from .report_page import write_report_page
from .results import PartResult, RunResult, batches_together, executions_of, variables_of, write_executions
from .upload import UploadOutcome, upload_once

#: Rejected rows the run's report lists (all of them are in the rejects file); the HTML page shows them.
LISTED_REJECTIONS = 100


def refuse_unreadable_suppression(report: csvtools.Report) -> None:
    """Raise :class:`SuppressionListError` if a suppression list had lines csvtools could not read.

    Such a line suppresses nothing, so the person it names could be called:
    even ``allow_rejects`` does not pass it.
    """
    for scrub in report.suppression:
        if scrub.get("unreadable"):
            raise SuppressionListError(
                f"{scrub['unreadable']} lines of suppression list {scrub['path']} are no number csvtools"
                " can read, so they would suppress nothing; fix the list (a national number needs --region"
                " or a + and its country code); nothing was uploaded"
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
    accept_worst_case: bool = False,
    calling_hours: str | None = None,
    calling_rules: str = "builtin",
    split_by_window: bool = False,
    allow_outside_hours: bool = False,
    max_attempts_per_day: int | None = None,
    on_event: EventCallback = quiet,
    on_update: Callable[[Batch], None] | None = None,
    **create_options: Any,
) -> RunResult:
    """Validate and clean ``source``, estimate, upload it once, schedule it, and optionally wait.

    ``at=None`` means as soon as the API allows. Rows rejected by csvtools
    stop the run unless ``allow_rejects`` (then only the clean rows go up);
    ``types``, ``suppress`` and ``clean_options`` (any :class:`csvtools.Options`
    field, given ones winning over the named arguments) are csvtools'.
    Before the upload, the account's concurrency and wallet give an estimate
    (:func:`uploader.safety.estimate.estimate_run`); with ``cost_per_minute``, a
    wallet that cannot cover it raises :class:`InsufficientBalanceError`
    unless ``ignore_balance``; so does one that cannot cover the worst case,
    every redial of ``retry_config`` made, unless ``accept_worst_case``. A batch of these contacts that already ended
    is not scheduled again for a new ``at``: that needs ``new_batch``.
    Outputs are named by :func:`csvtools.output_paths` (``x.clean.csv``,
    ``x.rejects.csv``, beside ``source`` or in ``out_dir``); every output path
    is checked before anything is read or uploaded, and none may be the input.

    Calling hours (:mod:`uploader.safety.plan`; ``calling_hours`` None is 09:00-21:00
    recipient local time, ``"any"`` checks nothing; ``calling_rules`` "builtin"
    or "none"): after cleaning and before any upload, rows that the batch would
    call outside their hours raise :class:`OutsideCallingHoursError`, unless
    ``allow_outside_hours``, or ``split_by_window``, which uploads one batch
    per group of zones that share an opening, each scheduled at that opening
    (:mod:`uploader.safety.calling_hours`; listed in ``RunResult.parts``).

    Attempt caps (:mod:`uploader.safety.attempts`): rows of a number that other
    batches in the ledger already booked so often within 24 hours of the start
    that this run would pass its cap (``max_attempts_per_day``, and with the
    built-in rules its state's) leave the clean file for ``x.skipped.csv``
    (``RunResult.skipped``) before anything is uploaded.
    """
    when = to_api_time(at, tz) if at is not None else None  # fail before any work
    hours = parse_calling_hours(calling_hours)
    clean_path, rejects_path = (Path(p) for p in csvtools.output_paths(source, out_dir))
    check_output(clean_path, "clean file", (source,))
    check_output(rejects_path, "rejects file", (source,))
    check_output(skipped_path_for(clean_path), "skipped file", (source,))
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
    refuse_unreadable_suppression(report)
    if report.rejected and not allow_rejects:
        raise RejectedRowsError(
            f"{report.rejected} of {report.rows} rows were rejected (see {report.rejects_path}); fix them, "
            "or pass --allow-rejects to upload only the clean rows",
            report=report,
        )
    if not report.clean:
        raise RejectedRowsError("no row is left to upload", report=report)
    skipped = skip_past_caps(
        ledger,
        client.base_url,
        agent_id,
        clean_path,
        report,
        at=_parse_when(when) if when else soonest(),
        retry_config=create_options.get("retry_config"),
        max_per_day=max_attempts_per_day,
        state_rules=calling_rules == "builtin",
        new_batch=new_batch,
        on_event=on_event,
    )
    estimate, account_error = estimate_with_account(
        client,
        report.clean - skipped.rows,
        avg_call_seconds,
        cost_per_minute,
        on_event,
        retries=redials_of(create_options.get("retry_config")),
    )

    def check_balance() -> None:  # only where calls would be committed: a new upload, or scheduling
        refuse_uncovered_cost(estimate, account_error, ignore_balance, on_event, accept_worst_case)

    # Contacts of this source already in several batches (a split) resume part by part, whatever the flags.
    booked = {} if new_batch else ledger.booked(client.base_url, agent_id, skipped.source_sha256)
    split_earlier = split_before(booked, clean_path)
    plan = None
    if (
        hours is not None
        and not split_by_window
        and not split_earlier
        and _already_scheduled(ledger, client, agent_id, clean_path, new_batch)
    ):
        on_event("these contacts' batch is already past 'created'; resuming it without a calling-hours check")
        hours = None
    if hours is None and split_by_window:
        on_event("--split-by-window does nothing without calling hours (--calling-hours any)")
    if hours is not None or split_earlier:
        plan = plan_clean_file(
            clean_path,
            report,
            requested=_parse_when(when) if when else soonest(),
            calling_hours=calling_hours if hours is not None else "any",
            calling_rules=calling_rules,
            concurrency=estimate.lines or DEFAULT_CONCURRENCY,
            avg_call_seconds=avg_call_seconds,
        )
        text = calling_hours or DEFAULT_CALLING_HOURS
        # A split made before is resumed part by part, even if the whole file would now be inside.
        if split_earlier or (
            split_by_window
            and not new_batch
            and not plan.outside
            and has_split(clean_path, contacts_digest(clean_path))
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
        skipped.source_sha256,
        skipped.attempts,
        skipped.recheck,
    )
    if plan is not None:
        split = _run_split(
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
        split.skipped = skipped
        return split

    outcome, batch, scheduled_at = sending.send(clean_path, when)
    result = RunResult(
        report,
        str(clean_path),
        batch,
        outcome.resumed,
        scheduled_at,
        estimate=estimate,
        html_path=str(html_path),
        skipped=skipped,
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
    result.executions = executions_of(client, result.batch, agent_id, on_event)
    if results_path:
        write_executions(result.executions, results_path, variable_order=variables_of(clean_path))
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
    source_sha256: str | None = None
    attempts: int = 1
    recheck: CapRecheck | None = None

    def send(
        self, clean_path: str | os.PathLike, when: str | None, reschedule: Callable[[], str] | None = None
    ) -> tuple[UploadOutcome, Batch, str | None]:
        """Upload ``clean_path`` once and schedule it for ``when`` (None: as soon as allowed).

        ``reschedule`` gives a new time for a created batch whose ``when`` has
        become too near or past (a part resumed later than planned).
        """
        client, ledger, agent_id = self.client, self.ledger, self.agent_id
        # Held through the schedule too: a second run must not schedule the batch the first just made.
        with ledger.claim(client.base_url, agent_id, contacts_digest(clean_path)):
            outcome = upload_once(
                client,
                ledger,
                agent_id,
                clean_path,
                new_batch=self.new_batch,
                on_event=self.on_event,
                before_create=self.check_balance,
                source_sha256=self.source_sha256,
                attempts=self.attempts,
                recheck=self.recheck,
                calls_at=(_parse_when(when) if when else soonest()).timestamp(),
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
                ledger.reschedule_calls(outcome.entry, api_start(_parse_when(scheduled_at)).timestamp())
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
    digest = contacts_digest(clean_path)
    with ledger.claim(client.base_url, agent_id, digest):  # one split of these contacts at a time
        source_sha256 = sending.source_sha256 or digest
        booked = {} if sending.new_batch else ledger.booked(client.base_url, agent_id, source_sha256)
        parts = split_clean_file(
            plan, clean_path, digest, protect=(source,), fresh=sending.new_batch, booked=booked
        )
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
    for waited, outcome in results:
        waited.batch = client.wait(
            waited.batch.batch_id,
            interval=interval,
            timeout=max(0.0, deadline - time.monotonic()),
            on_update=on_update,
            agent_id=agent_id,
        )
        ledger.record(outcome.entry, state=waited.batch.status)
        result.executions += executions_of(client, waited.batch, agent_id, on_event)
    result.batch = results[0][0].batch
    write_report_page(html_path, report, batches_together([part.batch for part, _ in results]))
    if results_path:
        write_executions(result.executions, results_path, variable_order=variables_of(clean_path))
        result.results_path = str(results_path)
    failed = [part.batch for part, _ in results if not part.batch.succeeded]
    if failed:
        raise BatchFailedError(
            ", ".join(f"batch {b.batch_id} ended {b.status}" for b in failed), batch=failed[0]
        )
    return result


def _already_scheduled(
    ledger: Ledger, client: BatchClient, agent_id: str, clean_path: Path, new_batch: bool
) -> bool:
    """Whether the ledger holds a batch of these exact contacts that was scheduled already (its calls are committed)."""
    if new_batch:
        return False
    entry = ledger.find(client.base_url, agent_id, contacts_digest(clean_path), file_digest(clean_path))
    return bool(entry and entry.batch_id and entry.state not in ("created", "abandoned"))


def _parse_when(when: str) -> datetime:
    return datetime.fromisoformat(when)


def _start_text(scheduled_at: str, tz: str | None) -> str | None:
    try:
        return show_start(scheduled_at, tz)
    except (UploaderError, ValueError):
        return scheduled_at  # a shape the API wrote that we cannot read: show it as it came
