"""One command per Batch API call: create, schedule, status, wait, executions, list, stop, delete, account."""

from __future__ import annotations

__all__ = [
    "create",
    "schedule",
    "status",
    "wait_command",
    "executions",
    "list_command",
    "stop",
    "delete",
    "account",
]


import click

from ..api.times import show_start, soonest, to_api_time
from ..campaign.run import upload_once, write_executions
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    agent_option,
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


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@agent_option()
@click.option("--new-batch", is_flag=True, help="Upload again even if this file was uploaded before.")
@click.option("--from-number", "from_numbers", multiple=True, metavar="E164", help="Caller id (repeatable).")
@retry_options
@click.option("--webhook-url", metavar="URL", help="Bolna posts the batch here when it finishes.")
@json_option
@pass_context
@run_command
def create(
    obj: Context,
    file: str,
    agent_id: str,
    new_batch: bool,
    from_numbers: tuple[str, ...],
    retry_config: str | None,
    retries: int | None,
    retry_on: str | None,
    retry_intervals: str | None,
    webhook_url: str | None,
    as_json: bool,
) -> int:
    """Upload an already clean FILE as a new batch (once: a repeat finds the first).

    \b
    Example:
      uploader create clean.csv --agent-id $AGENT
    """
    config = retry_config_of(retry_config, retries, retry_on, retry_intervals)
    outcome = upload_once(
        obj.client(),
        obj.ledger(),
        agent_id,
        file,
        new_batch=new_batch,
        on_event=lambda message: click.echo(f"uploader: {message}", err=True),
        from_phone_numbers=list(from_numbers) or None,
        retry_config=config,
        webhook_url=webhook_url,
    )
    show(
        {"batch_id": outcome.batch.batch_id, "state": outcome.batch.status, "resumed": outcome.resumed},
        as_json,
        outcome.batch.batch_id,
    )
    return EXIT_OK


@click.command()
@click.argument("batch_id")
@when_options
@agent_option(required=False)
@click.option("--bypass-guardrails", is_flag=True, help="Skip the agent's calling-hours check.")
@json_option
@pass_context
@run_command
def schedule(
    obj: Context,
    batch_id: str,
    at: str | None,
    tz: str | None,
    now: bool,
    agent_id: str | None,
    bypass_guardrails: bool,
    as_json: bool,
) -> int:
    """Schedule a created batch.

    \b
    Example:
      uploader schedule 3c90c3cc0d444b5088888dd25736052a --at 2025-06-01T10:00 --tz Asia/Kolkata
    """
    at = start_or_now(at, now)
    when = to_api_time(at, tz) if at else to_api_time(soonest())
    result = obj.client().schedule_batch(batch_id, when, agent_id, bypass_guardrails)
    starts = show_start(when, tz)
    show(
        {**result.raw, "state": result.state, "scheduled_at": when, "starts_at": starts},
        as_json,
        f"batch {batch_id}: {result.state} for {when}; the API starts it at {starts}",
    )
    return EXIT_OK


@click.command()
@click.argument("batch_id")
@agent_option(required=False)
@json_option
@pass_context
@run_command
def status(obj: Context, batch_id: str, agent_id: str | None, as_json: bool) -> int:
    """Show a batch's status and call counts.

    \b
    Example:
      uploader status 3c90c3cc0d444b5088888dd25736052a
    """
    batch = obj.client().get_batch(batch_id, agent_id)
    show(batch.raw, as_json, describe(batch))
    return EXIT_OK


@click.command(name="wait")
@click.argument("batch_id")
@agent_option(required=False)
@click.option("--interval", type=float, default=10.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--timeout", type=float, default=6 * 3600, show_default=True, help="Give up after this many seconds."
)
@json_option
@pass_context
@run_command
def wait_command(
    obj: Context, batch_id: str, agent_id: str | None, interval: float, timeout: float, as_json: bool
) -> int:
    """Poll a batch until it ends; exit 3 if it does not end in time.

    \b
    Example:
      uploader wait 3c90c3cc0d444b5088888dd25736052a --timeout 3600
    """
    batch = obj.client().wait(
        batch_id, interval=interval, timeout=timeout, on_update=progress, agent_id=agent_id
    )
    show(batch.raw, as_json, describe(batch))
    return EXIT_OK if batch.succeeded else EXIT_FAILED


@click.command()
@click.argument("batch_id")
@agent_option(required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write them here (.csv or .json).")
@json_option
@pass_context
@run_command
def executions(obj: Context, batch_id: str, agent_id: str | None, output: str | None, as_json: bool) -> int:
    """List the calls of a batch.

    \b
    Example:
      uploader executions 3c90c3cc0d444b5088888dd25736052a -o calls.csv
    """
    calls = list(obj.client().iter_executions(batch_id, agent_id))
    if output:
        write_executions(calls, output)
        click.echo(f"wrote {len(calls)} executions to {output}", err=True)
    lines = [
        f"{call.to_number}\t{call.status}\t{call.conversation_duration or 0:g}s\t{call.hangup_reason or ''}"
        + (f"\tretried {call.retried}" if call.retried else "")
        for call in calls
    ]
    show([call.raw for call in calls], as_json, "\n".join(lines) or "no executions yet")
    return EXIT_OK


@click.command(name="list")
@agent_option()
@json_option
@pass_context
@run_command
def list_command(obj: Context, agent_id: str, as_json: bool) -> int:
    """List an agent's batches.

    \b
    Example:
      uploader list --agent-id $AGENT
    """
    batches = obj.client().list_batches(agent_id)
    lines = [f"{b.batch_id}\t{b.status}\t{b.file_name or ''}\t{b.created_at or ''}" for b in batches]
    show([b.raw for b in batches], as_json, "\n".join(lines) or "no batches")
    return EXIT_OK


@click.command()
@click.argument("batch_id")
@json_option
@pass_context
@run_command
def stop(obj: Context, batch_id: str, as_json: bool) -> int:
    """Stop a queued or running batch (the API documents no stop before the start: delete a scheduled one).

    \b
    Example:
      uploader stop 3c90c3cc0d444b5088888dd25736052a
    """
    result = obj.client().stop_batch(batch_id)
    show(result.raw, as_json, f"batch {batch_id}: {result.state}")
    return EXIT_OK


@click.command()
@click.argument("batch_id")
@json_option
@pass_context
@run_command
def delete(obj: Context, batch_id: str, as_json: bool) -> int:
    """Delete a batch.

    \b
    Example:
      uploader delete 3c90c3cc0d444b5088888dd25736052a
    """
    result = obj.client().delete_batch(batch_id)
    show(result.raw, as_json, f"batch {batch_id}: {result.state}")
    return EXIT_OK


@click.command()
@json_option
@pass_context
@run_command
def account(obj: Context, as_json: bool) -> int:
    """Show the account's wallet balance and call concurrency (GET /user/me).

    \b
    Example:
      uploader account --json
    """
    info = obj.client().get_account()
    wallet = f"{info.wallet:.2f}" if info.wallet is not None else "unknown"
    lines = (
        f"{info.concurrency_current}/{info.concurrency_max} lines busy"
        if info.concurrency_max is not None
        else "concurrency unknown"
    )
    # The API's answer as it came (its wallet is the balance times 100), and the balance in currency.
    show({**info.raw, "balance": info.wallet}, as_json, f"wallet {wallet}; {lines}")
    return EXIT_OK
