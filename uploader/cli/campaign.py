"""The campaign commands: ``run`` (the whole flow), ``plan`` (before anything is paid for), ``followup``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from csvtools import Options, file_options

from ..api.times import show_start
from ..campaign.followup import DEFAULT_STATUSES as FOLLOW_UP_STATUSES
from ..campaign.followup import FINAL_CALL_STATUSES, write_follow_up
from ..campaign.redials import parse_list
from ..campaign.run import run_campaign
from ..errors import (
    UploaderError,
)
from ..files import check_output
from ..safety.estimate import DEFAULT_AVG_CALL_SECONDS
from .common import (
    EXIT_OK,
    Context,
    agent_option,
    calling_hours_option,
    calling_rules_option,
    describe,
    json_option,
    pass_context,
    progress,
    retry_config_of,
    retry_options,
    run_command,
    show,
    start_or_now,
    when_options,
)
from .preview import cost_per_minute_option, plan_preview, preview_options, preview_text

max_attempts_option = click.option(
    "--max-attempts-per-day",
    type=click.IntRange(1),
    metavar="N",
    help="Skip (attempt_cap) a number the ledger's batches and this one would call more than N times within "
    "24 hours [the state rules' 3 in FL, OK, MD].",
)


@click.command()
@click.argument("file", type=click.Path())
@agent_option()
@when_options
@file_options(gather="contact_options")
@click.option("--allow-rejects", is_flag=True, help="Upload the clean rows even when some were rejected.")
@click.option("--out-dir", type=click.Path(), help="Where the clean and rejects CSVs go [FILE's folder].")
@click.option("--new-batch", is_flag=True, help="Upload again even if this file was uploaded before.")
@click.option(
    "--wait", "wait_", is_flag=True, help="Show progress until the batch ends, then fetch executions."
)
@click.option("--interval", type=float, default=10.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--timeout", type=float, default=6 * 3600, show_default=True, help="Give up waiting after this."
)
@click.option("--results", type=click.Path(), help="Write executions here (.csv or .json).")
@click.option("--from-number", "from_numbers", multiple=True, metavar="E164", help="Caller id (repeatable).")
@retry_options
@click.option("--webhook-url", metavar="URL", help="Bolna posts the batch here when it finishes.")
@click.option("--bypass-guardrails", is_flag=True, help="Skip the agent's calling-hours check.")
@click.option(
    "--avg-call-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_AVG_CALL_SECONDS,
    show_default=True,
    help="A call's expected length, for the estimate.",
)
@cost_per_minute_option
@click.option("--ignore-balance", is_flag=True, help="Go on when the wallet cannot cover the estimated cost.")
@click.option(
    "--accept-worst-case",
    is_flag=True,
    help="Go on when the wallet covers the expected cost but not the worst case, every --retries redial made.",
)
@calling_hours_option
@calling_rules_option
@click.option(
    "--split-by-window",
    is_flag=True,
    help="Rows outside their hours: one batch per group of zones that share an opening, each at it.",
)
@click.option(
    "--allow-outside-hours", is_flag=True, help="Upload one batch even when rows are outside their hours."
)
@max_attempts_option
@json_option
@pass_context
@run_command
def run(
    obj: Context,
    file: str,
    agent_id: str,
    at: str | None,
    tz: str | None,
    now: bool,
    contact_options: dict[str, Any],
    allow_rejects: bool,
    out_dir: str | None,
    new_batch: bool,
    wait_: bool,
    interval: float,
    timeout: float,
    results: str | None,
    from_numbers: tuple[str, ...],
    retry_config: str | None,
    retries: int | None,
    retry_on: str | None,
    retry_intervals: str | None,
    webhook_url: str | None,
    bypass_guardrails: bool,
    avg_call_seconds: float,
    cost_per_minute: float | None,
    ignore_balance: bool,
    accept_worst_case: bool,
    calling_hours: str | None,
    calling_rules: str,
    split_by_window: bool,
    allow_outside_hours: bool,
    max_attempts_per_day: int | None,
    as_json: bool,
) -> int:
    """Validate and clean FILE, upload it once, schedule it, and with --wait follow it to the end.

    Running the same command again resumes the same batch instead of making another. Before
    anything is uploaded, rows that would be called outside their calling hours (09:00-21:00
    recipient local time and the built-in country rules, by default) stop the run (exit 1),
    unless --split-by-window or --allow-outside-hours.

    \b
    Example:
      uploader run contacts.csv --agent-id $AGENT --region IN --now --wait --results calls.csv
    """
    if results and not wait_:
        raise click.UsageError("--results needs --wait")
    if split_by_window and allow_outside_hours:
        raise click.UsageError("give --split-by-window or --allow-outside-hours, not both")
    try:
        Options(**contact_options)  # a typo'd region or type is a usage error before any work
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    at = start_or_now(at, now)
    config = retry_config_of(retry_config, retries, retry_on, retry_intervals)
    client, ledger = obj.client(), obj.ledger()
    result = run_campaign(
        client,
        file,
        agent_id=agent_id,
        ledger=ledger,
        at=at,
        tz=tz,
        clean_options=contact_options,
        allow_rejects=allow_rejects,
        out_dir=out_dir,
        new_batch=new_batch,
        wait=wait_,
        interval=interval,
        timeout=timeout,
        results_path=results,
        bypass_call_guardrails=bypass_guardrails,
        avg_call_seconds=avg_call_seconds,
        cost_per_minute=cost_per_minute,
        ignore_balance=ignore_balance,
        accept_worst_case=accept_worst_case,
        calling_hours=calling_hours,
        calling_rules=calling_rules,
        split_by_window=split_by_window,
        allow_outside_hours=allow_outside_hours,
        max_attempts_per_day=max_attempts_per_day,
        from_phone_numbers=list(from_numbers) or None,
        retry_config=config,
        webhook_url=webhook_url,
        on_event=lambda message: click.echo(f"uploader: {message}", err=True),
        on_update=progress if wait_ else None,
    )
    text = describe(result.batch)
    if result.parts:
        text = "\n".join(
            f"part {index}: {describe(part.batch)}; {part.rows} row{'' if part.rows == 1 else 's'} in "
            f"{', '.join(part.time_zones)}; "
            f"starts at {show_start(part.start, tz)}"
            for index, part in enumerate(result.parts, 1)
        )
    elif result.starts_at and not wait_ and not result.batch.is_terminal:
        text += f"\nstarts at {result.starts_at}"
    if result.skipped and result.skipped.rows:
        rows = result.skipped.rows
        text += f"\n{rows} row{'' if rows == 1 else 's'} skipped (attempt_cap), kept in {result.skipped.path}"
    if result.estimate:
        text += f"\n{result.estimate.describe()}"
    if result.results_path:
        text += f"\nwrote {len(result.executions)} executions to {result.results_path}"
    show(result.to_dict(), as_json, text)
    return EXIT_OK


@click.command()
@click.argument("file", type=click.Path())
@agent_option()
@when_options
@calling_hours_option
@calling_rules_option
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    default=None,
    help="Calls at once, for the estimate [default 10; your account's concurrency.max].",
)
@click.option(
    "--avg-call-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Average call length in seconds, for the estimate [default 120].",
)
@max_attempts_option
@preview_options
@file_options(gather="contact_options")
@json_option
@pass_context
@run_command
def plan(
    obj: Context,
    file: str,
    agent_id: str,
    at: str | None,
    tz: str | None,
    now: bool,
    calling_hours: str | None,
    calling_rules: str,
    concurrency: int | None,
    avg_call_seconds: float | None,
    max_attempts_per_day: int | None,
    preview_path: str | None,
    split_by_window: bool,
    retries: int | None,
    cost_per_minute: float | None,
    contact_options: dict[str, Any],
    as_json: bool,
) -> int:
    """Show who would be called at what local time, and who is outside the calling hours; uploads nothing.

    With --preview, write every input row's fate (call or skip, and why) to a CSV.

    \b
    Example:
      uploader plan contacts.csv --agent-id $AGENT --at 2025-06-02T10:00:00+05:30 --calling-hours 09:00-20:00
      uploader plan contacts.csv --agent-id $AGENT --now --retries 2 --cost-per-minute 0.1 --preview fates.csv
    """
    from ..campaign.caps import plan_caps
    from ..campaign.ledger import default_ledger_path
    from ..config import resolve_base_url
    from ..safety.plan import DEFAULT_AVG_CALL_SECONDS, DEFAULT_CONCURRENCY

    at = start_or_now(at, now)
    ledger_path = Path(obj.ledger_path) if obj.ledger_path else default_ledger_path()
    caps = plan_caps(
        obj.ledger() if ledger_path.exists() else None,  # planning never creates a ledger
        resolve_base_url(obj.base_url, obj.layout),
        agent_id,
        attempts=1 + (retries or 0),
        max_per_day=max_attempts_per_day,
        state_rules=calling_rules == "builtin",
    )
    try:
        preview = plan_preview(
            file,
            preview_path,
            split_by_window=split_by_window,
            retries=retries or 0,
            cost_per_minute=cost_per_minute,
            at=at,
            tz=tz,
            calling_hours=calling_hours,
            calling_rules=calling_rules,
            concurrency=concurrency or DEFAULT_CONCURRENCY,
            avg_call_seconds=avg_call_seconds or DEFAULT_AVG_CALL_SECONDS,
            attempt_caps=caps,
            **contact_options,
        )
    except ValueError as exc:
        if isinstance(exc, UploaderError):
            raise
        raise click.UsageError(str(exc)) from None
    show(preview.to_dict(), as_json, _plan_text(preview.plan) + "\n" + preview_text(preview, preview_path))
    return EXIT_OK


def _plan_text(result: Any) -> str:

    report = result.report
    lines = [
        f"{report.file}: {report.rows} rows, {report.clean} clean, {report.rejected} rejected"
        + (
            " (" + ", ".join(f"{reason} {count}" for reason, count in report.by_reason.items()) + ")"
            if report.by_reason
            else ""
        ),
        f"batch would start {result.start:%Y-%m-%d %H:%M} UTC (the API rounds up to 10 minutes); last call by "
        f"about {result.last_call:%Y-%m-%d %H:%M} UTC ({result.concurrency} at once, "
        f"{result.avg_call_seconds:g} s a call)",
    ]
    for group in result.groups:
        zones = ", ".join(group.time_zones)
        span = (
            f"{group.local_start:%a %H:%M} to {group.local_last_call:%a %H:%M} local"
            if group.local_start
            else "no local time known"
        )
        verdict = "inside" if group.inside else "OUTSIDE the calling hours"
        rule = f" [{group.rule}]" if group.rule else ""
        rows = f"{group.rows} row" + ("" if group.rows == 1 else "s")
        lines.append(f"  {group.country or '??'} {zones}: {rows}, {span}: {verdict}{rule}")
    total = sum(group.rows for group in result.groups)
    lines.append(f"{result.rows_outside} of {total} rows would be called outside their calling hours")
    return "\n".join(lines)


@click.command()
@click.argument("batch_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="The follow-up contact file to write (CSV, ready for 'uploader run').",
)
@click.option(
    "--statuses",
    default=",".join(FOLLOW_UP_STATUSES),
    show_default=True,
    metavar="LIST",
    help="Call statuses that make a contact a follow-up (all its calls must have ended in them).",
)
@agent_option(required=False)
@json_option
@pass_context
@run_command
def followup(
    obj: Context, batch_id: str, output: str, statuses: str, agent_id: str | None, as_json: bool
) -> int:
    """Write the contacts of a batch nobody reached, as a clean file for the next batch.

    A contact goes in when every call to it ended in one of --statuses and
    none completed; anyone reached (a completed call, a voicemail) never does.

    \b
    Example:
      uploader followup 3c90c3cc0d444b5088888dd25736052a -o next.csv && uploader run next.csv --now
    """
    wanted = parse_list(statuses)
    unknown = [status for status in wanted if status not in FINAL_CALL_STATUSES]
    if not wanted or unknown:
        raise click.UsageError(
            f"--statuses takes call statuses a call ends in ({', '.join(sorted(FINAL_CALL_STATUSES))})"
            + (f"; not {', '.join(unknown)}" if unknown else "")
        )
    check_output(output, "follow-up file")
    client = obj.client()
    batch = client.get_batch(batch_id, agent_id)
    if not batch.is_terminal:
        click.echo(
            f"uploader: batch {batch_id} is {batch.status}; contacts still being called are left out",
            err=True,
        )
    result = write_follow_up(client.iter_executions(batch_id, agent_id), output, wanted)
    summary = {
        "batch_id": batch_id,
        "batch_status": batch.status,
        "output": output,
        "contacts": len(result.rows),
        "reached": result.reached,
        "not_final": result.not_final,
        "statuses": wanted,
    }
    show(
        summary,
        as_json,
        f"wrote {len(result.rows)} contacts to {output} ({result.reached} reached, "
        f"{result.not_final} not finished, left out)",
    )
    return EXIT_OK
