"""The ``uploader`` command: a thin layer over the client, the workflow and the stand-in.

Exit codes: 0 success; 1 the API or the batch failed (error status, no
answer, batch stopped or failed, rows rejected); 2 usage or configuration
error; 3 waiting timed out.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from csvtools import CsvToolsError, Options

from .call_retries import check_retry_config, parse_list, parse_minutes
from .call_retries import retry_config as build_retry_config
from .client import BatchClient
from .config import AGENT_VARIABLE, BASE_VARIABLE, LAYOUTS
from .errors import (
    AmbiguousCreateError,
    ConfigError,
    ScheduleTimeError,
    UploaderError,
    WaitTimeoutError,
)
from .estimate import DEFAULT_AVG_CALL_SECONDS
from .files import atomic_write_text, check_output
from .followup import DEFAULT_STATUSES as FOLLOW_UP_STATUSES
from .followup import FINAL_CALL_STATUSES, write_follow_up
from .ledger import Ledger
from .models import Batch
from .times import show_start, soonest, to_api_time
from .workflow import run_campaign, upload_once, write_executions

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


class _Context:
    def __init__(self, base_url: str | None, layout: str, verbose: int, ledger_path: str | None) -> None:
        self.base_url, self.layout, self.verbose, self.ledger_path = base_url, layout, verbose, ledger_path

    def client(self) -> BatchClient:
        return BatchClient(base_url=self.base_url, layout=self.layout)

    def ledger(self) -> Ledger:
        return Ledger(self.ledger_path)


pass_context = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base-url",
    envvar=BASE_VARIABLE,
    metavar="URL",
    help=f"API base URL [env {BASE_VARIABLE}; default https://api.bolna.ai, or .dev for --layout seed].",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="current",
    show_default=True,
    help="'seed' uses the older paths of Bolna's original example script.",
)
@click.option(
    "--ledger",
    "ledger_path",
    envvar="UPLOADER_LEDGER",
    metavar="PATH",
    help="The upload journal [env UPLOADER_LEDGER; default ~/.local/state/uploader/ledger.sqlite].",
)
@click.option("-v", "--verbose", count=True, help="Log each request (the API key is never logged).")
@click.version_option(package_name="contact-batch-tools")
@click.pass_context
def cli(ctx: click.Context, base_url: str | None, layout: str, ledger_path: str | None, verbose: int) -> None:
    """Take contact files through the Bolna Batch API: create, schedule, wait, results.

    The API key comes from BOLNA_API_KEY in the environment or in .env.
    """
    _show_logs(logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    ctx.obj = _Context(base_url, layout, verbose, ledger_path)


class _OneLineLogs(logging.Handler):
    """The uploader's log records on stderr, one line each; without -v only warnings (retries, outages)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"uploader: {record.getMessage()}", err=True)


def _show_logs(level: int) -> None:
    # Replace, never add: a second invocation in one process (tests, scripts) must not print twice.
    logger = logging.getLogger("uploader")
    for handler in [h for h in logger.handlers if isinstance(h, _OneLineLogs)]:
        logger.removeHandler(handler)
    logger.addHandler(_OneLineLogs(level))
    logger.setLevel(level)
    logger.propagate = False


def _agent_option(required: bool = True) -> Callable:
    return click.option(
        "--agent-id",
        envvar=AGENT_VARIABLE,
        required=required,
        metavar="ID",
        help=f"The agent's id [env {AGENT_VARIABLE}].",
    )


_json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's answer as JSON.")


def _when_options(command: Callable) -> Callable:
    command = click.option(
        "--now",
        is_flag=True,
        help="As soon as the API allows: asks for 2.5 minutes ahead, which the API rounds up to the next "
        "10-minute mark, so calls start 3 to 13 minutes from now.",
    )(command)
    command = click.option(
        "--tz", metavar="ZONE", help="Time zone for an --at without offset, e.g. Asia/Kolkata."
    )(command)
    return click.option("--at", metavar="TIME", help="Start time, ISO 8601, e.g. 2025-06-01T10:00:00+05:30.")(
        command
    )


def _when(at: str | None, now: bool) -> str | None:
    if bool(at) == bool(now):
        raise click.UsageError("give exactly one of --at TIME or --now")
    return at


def _retry_options(command: Callable) -> Callable:
    command = click.option(
        "--retry-config",
        metavar="JSON",
        help='Raw retry_config for experts, e.g. \'{"enabled": true, "max_retries": 2}\'.',
    )(command)
    command = click.option(
        "--retry-intervals", metavar="MINUTES", help="Minutes before each redial, e.g. 30,60 [30,60,120]."
    )(command)
    command = click.option(
        "--retry-on",
        metavar="STATUSES",
        help="Redial after these call statuses: no-answer, busy, failed, error [no-answer,busy,failed].",
    )(command)
    return click.option(
        "--retries",
        type=int,
        metavar="N",
        help="Redial unanswered calls up to N times (1 to 3, the API's limit).",
    )(command)


def _retry_config(
    raw: str | None, retries: int | None, retry_on: str | None, intervals: str | None
) -> dict | None:
    """The retry_config of the typed options or of --retry-config, checked before any request."""
    if raw is not None:
        if retries is not None or retry_on or intervals:
            raise click.UsageError("give --retries/--retry-on/--retry-intervals or --retry-config, not both")
        return check_retry_config(raw)
    return build_retry_config(retries, parse_list(retry_on), parse_minutes(intervals))


def _run_command(function: Callable[..., int | None]) -> Callable[..., None]:
    """Turn library errors into one line on stderr and a documented exit code."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = function(*args, **kwargs)
        except (ConfigError, ScheduleTimeError, CsvToolsError) as exc:
            _fail(exc, EXIT_USAGE)
        except WaitTimeoutError as exc:
            _fail(exc, EXIT_TIMEOUT)
        except UploaderError as exc:
            _fail(exc, EXIT_FAILED)
        sys.exit(code or EXIT_OK)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


def _fail(exc: Exception, code: int) -> None:
    click.echo(f"uploader: {exc}", err=True)
    if isinstance(exc, AmbiguousCreateError) and exc.candidates:
        click.echo("uploader: candidates: " + ", ".join(b.batch_id for b in exc.candidates), err=True)
    sys.exit(code)


def _show(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text)


def _describe(batch: Batch) -> str:
    counts = ", ".join(f"{status} {count}" for status, count in sorted(batch.execution_status.items()))
    parts = [f"batch {batch.batch_id}: {batch.status}"]
    if batch.scheduled_at:
        parts.append(f"scheduled at {batch.scheduled_at}")
    if batch.total_contacts is not None:
        parts.append(f"{batch.valid_contacts}/{batch.total_contacts} valid contacts")
    if counts:
        parts.append(f"calls: {counts}")
    return "; ".join(parts)


def _progress(batch: Batch) -> None:
    click.echo(_describe(batch), err=True)


def _contact_file_options(command: Callable) -> Callable:
    """csvtools' options for reading FILE that ``run`` and ``plan`` share, gathered into ``contact_options``
    (only those given, as :class:`csvtools.Options` names them)."""
    options = [
        click.option("--region", metavar="CC", help="Default region for national numbers in FILE."),
        click.option(
            "--column",
            metavar="NAME",
            multiple=True,
            help="The phone column of FILE; repeat for fallbacks (each row's first non-empty one).",
        ),
        click.option(
            "--sheet",
            metavar="NAME|INDEX",
            help="A workbook's sheet [default: the first] (csvtools --sheet).",
        ),
        click.option(
            "--region-column",
            metavar="NAME",
            help="The column holding each row's country [default: a header like Country].",
        ),
        click.option(
            "--no-region-column",
            "detect_region_column",
            is_flag=True,
            flag_value=False,
            default=True,
            help="Do not look for a country column by its header.",
        ),
        click.option(
            "--strict-region",
            is_flag=True,
            help="Reject international numbers of another country than the row's country column says.",
        ),
        click.option(
            "--types",
            metavar="LIST",
            help="Number types to keep (csvtools --types; default all but premium_rate).",
        ),
        click.option(
            "--suppress",
            metavar="FILE",
            multiple=True,
            help="A do-not-call list (csvtools --suppress; repeatable).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    names = (
        "region",
        "column",
        "sheet",
        "region_column",
        "detect_region_column",
        "strict_region",
        "types",
        "suppress",
    )

    @functools.wraps(command)
    def gathered(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in names}
        contact_options = {name: value for name, value in given.items() if value not in (None, ())}
        return command(*args, contact_options=contact_options, **kwargs)

    return gathered


@cli.command()
@click.argument("file", type=click.Path())
@_agent_option()
@_when_options
@_contact_file_options
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
@_retry_options
@click.option("--webhook-url", metavar="URL", help="Bolna posts the batch here when it finishes.")
@click.option("--bypass-guardrails", is_flag=True, help="Skip the agent's calling-hours check.")
@click.option(
    "--avg-call-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_AVG_CALL_SECONDS,
    show_default=True,
    help="A call's expected length, for the estimate.",
)
@click.option(
    "--cost-per-minute",
    type=click.FloatRange(min=0),
    metavar="PRICE",
    help="What a minute costs, in the wallet's currency: the estimate gets a cost, checked against the "
    "wallet before uploading.",
)
@click.option("--ignore-balance", is_flag=True, help="Go on when the wallet cannot cover the estimated cost.")
@click.option(
    "--calling-hours",
    metavar="HH:MM-HH:MM",
    envvar="UPLOADER_CALLING_HOURS",
    help="Recipient-local window every call must fall in [env UPLOADER_CALLING_HOURS; default "
    "09:00-21:00]; 'any' checks nothing.",
)
@click.option(
    "--calling-rules",
    type=click.Choice(["builtin", "none"]),
    default="builtin",
    show_default=True,
    help="'none' turns off the built-in country rules (US, CA, FR).",
)
@click.option(
    "--split-by-window",
    is_flag=True,
    help="Rows outside their hours: one batch per group of zones that share an opening, each at it.",
)
@click.option(
    "--allow-outside-hours", is_flag=True, help="Upload one batch even when rows are outside their hours."
)
@_json_option
@pass_context
@_run_command
def run(
    obj: _Context,
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
    calling_hours: str | None,
    calling_rules: str,
    split_by_window: bool,
    allow_outside_hours: bool,
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
    at = _when(at, now)
    config = _retry_config(retry_config, retries, retry_on, retry_intervals)
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
        calling_hours=calling_hours,
        calling_rules=calling_rules,
        split_by_window=split_by_window,
        allow_outside_hours=allow_outside_hours,
        from_phone_numbers=list(from_numbers) or None,
        retry_config=config,
        webhook_url=webhook_url,
        on_event=lambda message: click.echo(f"uploader: {message}", err=True),
        on_update=_progress if wait_ else None,
    )
    text = _describe(result.batch)
    if result.parts:
        text = "\n".join(
            f"part {index}: {_describe(part.batch)}; {part.rows} row{'' if part.rows == 1 else 's'} in "
            f"{', '.join(part.time_zones)}; "
            f"starts at {show_start(part.start, tz)}"
            for index, part in enumerate(result.parts, 1)
        )
    elif result.starts_at and not wait_ and not result.batch.is_terminal:
        text += f"\nstarts at {result.starts_at}"
    if result.estimate:
        text += f"\n{result.estimate.describe()}"
    if result.results_path:
        text += f"\nwrote {len(result.executions)} executions to {result.results_path}"
    _show(result.to_dict(), as_json, text)
    return EXIT_OK


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_agent_option()
@click.option("--new-batch", is_flag=True, help="Upload again even if this file was uploaded before.")
@click.option("--from-number", "from_numbers", multiple=True, metavar="E164", help="Caller id (repeatable).")
@_retry_options
@click.option("--webhook-url", metavar="URL", help="Bolna posts the batch here when it finishes.")
@_json_option
@pass_context
@_run_command
def create(
    obj: _Context,
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
    config = _retry_config(retry_config, retries, retry_on, retry_intervals)
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
    _show(
        {"batch_id": outcome.batch.batch_id, "state": outcome.batch.status, "resumed": outcome.resumed},
        as_json,
        outcome.batch.batch_id,
    )
    return EXIT_OK


@cli.command()
@click.argument("batch_id")
@_when_options
@_agent_option(required=False)
@click.option("--bypass-guardrails", is_flag=True, help="Skip the agent's calling-hours check.")
@_json_option
@pass_context
@_run_command
def schedule(
    obj: _Context,
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
    at = _when(at, now)
    when = to_api_time(at, tz) if at else to_api_time(soonest())
    result = obj.client().schedule_batch(batch_id, when, agent_id, bypass_guardrails)
    starts = show_start(when, tz)
    _show(
        {**result.raw, "state": result.state, "scheduled_at": when, "starts_at": starts},
        as_json,
        f"batch {batch_id}: {result.state} for {when}; the API starts it at {starts}",
    )
    return EXIT_OK


@cli.command()
@click.argument("batch_id")
@_agent_option(required=False)
@_json_option
@pass_context
@_run_command
def status(obj: _Context, batch_id: str, agent_id: str | None, as_json: bool) -> int:
    """Show a batch's status and call counts.

    \b
    Example:
      uploader status 3c90c3cc0d444b5088888dd25736052a
    """
    batch = obj.client().get_batch(batch_id, agent_id)
    _show(batch.raw, as_json, _describe(batch))
    return EXIT_OK


@cli.command(name="wait")
@click.argument("batch_id")
@_agent_option(required=False)
@click.option("--interval", type=float, default=10.0, show_default=True, help="Seconds between polls.")
@click.option(
    "--timeout", type=float, default=6 * 3600, show_default=True, help="Give up after this many seconds."
)
@_json_option
@pass_context
@_run_command
def wait_command(
    obj: _Context, batch_id: str, agent_id: str | None, interval: float, timeout: float, as_json: bool
) -> int:
    """Poll a batch until it ends; exit 3 if it does not end in time.

    \b
    Example:
      uploader wait 3c90c3cc0d444b5088888dd25736052a --timeout 3600
    """
    batch = obj.client().wait(
        batch_id, interval=interval, timeout=timeout, on_update=_progress, agent_id=agent_id
    )
    _show(batch.raw, as_json, _describe(batch))
    return EXIT_OK if batch.succeeded else EXIT_FAILED


@cli.command()
@click.argument("batch_id")
@_agent_option(required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write them here (.csv or .json).")
@_json_option
@pass_context
@_run_command
def executions(obj: _Context, batch_id: str, agent_id: str | None, output: str | None, as_json: bool) -> int:
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
    _show([call.raw for call in calls], as_json, "\n".join(lines) or "no executions yet")
    return EXIT_OK


@cli.command(name="list")
@_agent_option()
@_json_option
@pass_context
@_run_command
def list_command(obj: _Context, agent_id: str, as_json: bool) -> int:
    """List an agent's batches.

    \b
    Example:
      uploader list --agent-id $AGENT
    """
    batches = obj.client().list_batches(agent_id)
    lines = [f"{b.batch_id}\t{b.status}\t{b.file_name or ''}\t{b.created_at or ''}" for b in batches]
    _show([b.raw for b in batches], as_json, "\n".join(lines) or "no batches")
    return EXIT_OK


@cli.command()
@click.argument("batch_id")
@_json_option
@pass_context
@_run_command
def stop(obj: _Context, batch_id: str, as_json: bool) -> int:
    """Stop a queued or running batch (the API documents no stop before the start: delete a scheduled one).

    \b
    Example:
      uploader stop 3c90c3cc0d444b5088888dd25736052a
    """
    result = obj.client().stop_batch(batch_id)
    _show(result.raw, as_json, f"batch {batch_id}: {result.state}")
    return EXIT_OK


@cli.command()
@click.argument("batch_id")
@_json_option
@pass_context
@_run_command
def delete(obj: _Context, batch_id: str, as_json: bool) -> int:
    """Delete a batch.

    \b
    Example:
      uploader delete 3c90c3cc0d444b5088888dd25736052a
    """
    result = obj.client().delete_batch(batch_id)
    _show(result.raw, as_json, f"batch {batch_id}: {result.state}")
    return EXIT_OK


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="0 takes a free port."
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    envvar="STANDIN_API_KEY",
    metavar="KEY",
    help="A key the stand-in accepts (repeatable) [env STANDIN_API_KEY; default standin-key].",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="How much faster than real time batches run.",
)
@click.option(
    "--state", "state_path", type=click.Path(dir_okay=False), help="Keep batches in this SQLite file."
)
@click.option("--faults", metavar="LIST", help="Scripted faults in order, e.g. 429,503,create:drop-after.")
@click.option(
    "--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests given a random fault."
)
@click.option(
    "--fault-kinds",
    metavar="LIST",
    default="429,500,502,503",
    show_default=True,
    help="Faults --fault-rate draws from.",
)
@click.option(
    "--retry-after", type=float, default=1.0, show_default=True, help="Retry-After of 429/503 faults."
)
@click.option("--slow-seconds", type=float, default=5.0, show_default=True, help="Delay of a 'slow' fault.")
@click.option("--control", is_flag=True, help="Enable the /_standin/ routes that switch faults at run time.")
@click.option(
    "--strict-upload",
    is_flag=True,
    help="Refuse a whole file with a bad row (the API counts such rows out: valid_contacts < total_contacts).",
)
@click.option("--ready-file", type=click.Path(dir_okay=False), help="Write the base URL here once listening.")
@click.option(
    "--auth-style",
    type=click.Choice(["docs", "live"]),
    default="docs",
    show_default=True,
    help="A bad key gets 401 'Access denied' (as documented) or 403 {\"detail\": ...} (as the live API).",
)
@click.option(
    "--wallet",
    type=click.FloatRange(min=0),
    default=10_000.0,
    show_default=True,
    help="The account's balance; calls spend it, and once it is gone the rest end balance-low.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Calls dialled at once (GET /user/me shows it).",
)
@click.option(
    "--price-per-minute",
    type=click.FloatRange(min=0),
    default=0.095,
    show_default=True,
    help="What a minute of talk costs, in the wallet's currency.",
)
@click.option(
    "--final-status",
    type=click.Choice(["completed", "executed"]),
    default="completed",
    show_default=True,
    help="The status a finished batch reads (the docs name both).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Answer 429 with Retry-After past N requests a minute per key (the API documents 1000).",
)
@click.option(
    "--agent-calling-hours",
    metavar="HH:MM-HH:MM",
    help="Every agent's calling guardrails, in the recipient's zone from the number: calls outside end "
    "'rescheduled' unless the schedule bypasses them [default: no guardrails].",
)
def serve(
    host: str,
    port: int,
    api_keys: tuple[str, ...],
    speed: float,
    state_path: str | None,
    faults: str | None,
    fault_rate: float,
    fault_kinds: str,
    retry_after: float,
    slow_seconds: float,
    control: bool,
    strict_upload: bool,
    ready_file: str | None,
    auth_style: str,
    wallet: float,
    concurrency: int,
    price_per_minute: float,
    final_status: str,
    rate_limit: int | None,
    agent_calling_hours: str | None,
) -> None:
    """Run the local stand-in for the Batch API (offline demos and tests).

    \b
    Example:
      uploader serve --port 8787 --speed 600
      BOLNA_API_BASE=http://127.0.0.1:8787 BOLNA_API_KEY=standin-key uploader list --agent-id $AGENT
    """
    try:
        from .standin import DEFAULT_API_KEY, FaultPlan, make_standin_server
    except ImportError as exc:
        if exc.name not in ("flask", "werkzeug"):
            raise
        click.echo(
            "uploader: serve needs Flask, which comes with the stand-in extra: pip install '.[standin]'",
            err=True,
        )
        sys.exit(EXIT_USAGE)

    try:
        plan = FaultPlan.from_settings(
            {
                "script": [item for item in (faults or "").split(",") if item],
                "rate": fault_rate,
                "kinds": [k for k in fault_kinds.split(",") if k],
                "retry_after": retry_after,
                "slow_seconds": slow_seconds,
            }
        )
        # Werkzeug prints two lines of its own and exits when the port is taken: one line of ours instead.
        with contextlib.redirect_stderr(io.StringIO()):
            server = make_standin_server(
                host,
                port,
                api_keys=list(api_keys) or [DEFAULT_API_KEY],
                speed=speed,
                state_path=state_path,
                faults=plan,
                control=control,
                strict_upload=strict_upload,
                auth_style=auth_style,
                wallet=wallet,
                concurrency=concurrency,
                price_per_minute=price_per_minute,
                final_status=final_status,
                rate_limit=rate_limit,
                agent_calling_hours=agent_calling_hours,
            )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except (OSError, SystemExit) as exc:
        why = (
            exc.strerror
            if isinstance(exc, OSError) and exc.strerror
            else "the address is in use or not available"
        )
        click.echo(f"uploader: cannot listen on {host}:{port}: {why}", err=True)
        sys.exit(EXIT_USAGE)
    url = f"http://{host}:{server.server_port}"
    if ready_file:
        try:
            atomic_write_text(ready_file, url + "\n")
        except ConfigError as exc:
            server.server_close()
            click.echo(f"uploader: the ready file: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    click.echo(f"stand-in Batch API on {url} (speed {speed:g}x); Ctrl-C stops it", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@_json_option
@pass_context
@_run_command
def account(obj: _Context, as_json: bool) -> int:
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
    _show(info.raw, as_json, f"wallet {wallet}; {lines}")
    return EXIT_OK


@cli.command()
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
@_agent_option(required=False)
@_json_option
@pass_context
@_run_command
def followup(
    obj: _Context, batch_id: str, output: str, statuses: str, agent_id: str | None, as_json: bool
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
    _show(
        summary,
        as_json,
        f"wrote {len(result.rows)} contacts to {output} ({result.reached} reached, "
        f"{result.not_final} not finished, left out)",
    )
    return EXIT_OK


def main() -> None:
    """Entry point of the ``uploader`` console script."""
    cli(prog_name="uploader")


@cli.command()
@click.argument("file", type=click.Path())
@_agent_option()
@_when_options
@click.option(
    "--calling-hours",
    metavar="HH:MM-HH:MM",
    default=None,
    help="Recipient-local window [default 09:00-21:00]; 'any' checks nothing.",
)
@click.option(
    "--calling-rules",
    type=click.Choice(["builtin", "none"]),
    default="builtin",
    show_default=True,
    help="'none' turns off the built-in country rules (US, CA, FR).",
)
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
@_contact_file_options
@_json_option
@pass_context
@_run_command
def plan(
    obj: _Context,
    file: str,
    agent_id: str,
    at: str | None,
    tz: str | None,
    now: bool,
    calling_hours: str | None,
    calling_rules: str,
    concurrency: int | None,
    avg_call_seconds: float | None,
    contact_options: dict[str, Any],
    as_json: bool,
) -> int:
    """Show who would be called at what local time, and who is outside the calling hours; uploads nothing.

    \b
    Example:
      uploader plan contacts.csv --agent-id $AGENT --at 2025-06-02T10:00:00+05:30 --calling-hours 09:00-20:00
    """
    from .plan import DEFAULT_AVG_CALL_SECONDS, DEFAULT_CONCURRENCY, plan_calls

    at = _when(at, now)
    try:
        result = plan_calls(
            file,
            at=at,
            tz=tz,
            calling_hours=calling_hours,
            calling_rules=calling_rules,
            concurrency=concurrency or DEFAULT_CONCURRENCY,
            avg_call_seconds=avg_call_seconds or DEFAULT_AVG_CALL_SECONDS,
            **contact_options,
        )
    except ValueError as exc:
        if isinstance(exc, UploaderError):
            raise
        raise click.UsageError(str(exc)) from None
    _show(result.to_dict(), as_json, _plan_text(result))
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
