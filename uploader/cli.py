"""The ``uploader`` command: a thin layer over the client, the workflow and the stand-in.

Exit codes: 0 success; 1 the API or the batch failed (error status, no
answer, batch stopped or failed, rows rejected); 2 usage or configuration
error; 3 waiting timed out.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from csvtools.errors import CsvToolsError
from csvtools.options import Options

from .client import BatchClient
from .config import AGENT_VARIABLE, BASE_VARIABLE, LAYOUTS
from .errors import (
    AmbiguousCreateError,
    ConfigError,
    ScheduleTimeError,
    UploaderError,
    WaitTimeoutError,
)
from .ledger import Ledger
from .models import Batch
from .times import soonest, to_api_time
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
@click.option("--base-url", envvar=BASE_VARIABLE, metavar="URL",
              help=f"API base URL [env {BASE_VARIABLE}; default https://api.bolna.ai, or .dev for --layout seed].")
@click.option("--layout", type=click.Choice(LAYOUTS), default="current", show_default=True,
              help="'seed' uses the older paths of Bolna's original example script.")
@click.option("--ledger", "ledger_path", envvar="UPLOADER_LEDGER", metavar="PATH",
              help="The upload journal [env UPLOADER_LEDGER; default ~/.local/state/uploader/ledger.sqlite].")
@click.option("-v", "--verbose", count=True, help="Log each request (the API key is never logged).")
@click.version_option(package_name="contact-batch-tools")
@click.pass_context
def cli(ctx: click.Context, base_url: str | None, layout: str, ledger_path: str | None, verbose: int) -> None:
    """Take contact files through the Bolna Batch API: create, schedule, wait, results.

    The API key comes from BOLNA_API_KEY in the environment or in .env.
    """
    if verbose:
        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO, stream=sys.stderr,
                            format="uploader: %(message)s")
    else:
        logging.getLogger("uploader").addHandler(_OneLineWarnings())
        logging.getLogger("uploader").propagate = False
    ctx.obj = _Context(base_url, layout, verbose, ledger_path)


class _OneLineWarnings(logging.Handler):
    """Without -v, retries and passing outages still show, one line each."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"uploader: {record.getMessage()}", err=True)


def _agent_option(required: bool = True) -> Callable:
    return click.option("--agent-id", envvar=AGENT_VARIABLE, required=required, metavar="ID",
                        help=f"The agent's id [env {AGENT_VARIABLE}].")


_json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's answer as JSON.")


def _when_options(command: Callable) -> Callable:
    command = click.option("--now", is_flag=True, help="As soon as the API allows (about 3 minutes ahead).")(command)
    command = click.option("--tz", metavar="ZONE", help="Time zone for an --at without offset, e.g. Asia/Kolkata.")(
        command)
    return click.option("--at", metavar="TIME", help="Start time, ISO 8601, e.g. 2025-06-01T10:00:00+05:30.")(command)


def _when(at: str | None, now: bool) -> str | None:
    if bool(at) == bool(now):
        raise click.UsageError("give exactly one of --at TIME or --now")
    return at


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


@cli.command()
@click.argument("file", type=click.Path())
@_agent_option()
@_when_options
@click.option("--region", metavar="CC", help="Default region for national numbers in FILE.")
@click.option("--column", metavar="NAME", help="The phone column of FILE.")
@click.option("--allow-rejects", is_flag=True, help="Upload the clean rows even when some were rejected.")
@click.option("--out-dir", type=click.Path(file_okay=False), help="Where the clean and rejects CSVs go [FILE's folder].")
@click.option("--new-batch", is_flag=True, help="Upload again even if this file was uploaded before.")
@click.option("--wait", "wait_", is_flag=True, help="Show progress until the batch ends, then fetch executions.")
@click.option("--interval", type=float, default=10.0, show_default=True, help="Seconds between polls.")
@click.option("--timeout", type=float, default=6 * 3600, show_default=True, help="Give up waiting after this.")
@click.option("--results", type=click.Path(dir_okay=False), help="Write executions here (.csv or .json).")
@click.option("--from-number", "from_numbers", multiple=True, metavar="E164", help="Caller id (repeatable).")
@click.option("--retry-config", metavar="JSON", help='e.g. \'{"enabled": true, "max_retries": 2}\'')
@click.option("--webhook-url", metavar="URL", help="Bolna posts the batch here when it finishes.")
@click.option("--bypass-guardrails", is_flag=True, help="Skip the agent's calling-hours check.")
@_json_option
@pass_context
@_run_command
def run(obj: _Context, file: str, agent_id: str, at: str | None, tz: str | None, now: bool, region: str | None,
        column: str | None, allow_rejects: bool, out_dir: str | None, new_batch: bool, wait_: bool,
        interval: float, timeout: float, results: str | None, from_numbers: tuple[str, ...],
        retry_config: str | None, webhook_url: str | None, bypass_guardrails: bool, as_json: bool) -> int:
    """Validate and clean FILE, upload it once, schedule it, and with --wait follow it to the end.

    Running the same command again resumes the same batch instead of making another.

    \b
    Example:
      uploader run contacts.csv --agent-id $AGENT --region IN --now --wait --results calls.csv
    """
    if results and not wait_:
        raise click.UsageError("--results needs --wait")
    try:
        Options(region=region)  # a typo'd region is a usage error before any work
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    at = _when(at, now)
    client, ledger = obj.client(), obj.ledger()
    result = run_campaign(
        client, file, agent_id=agent_id, ledger=ledger, at=at, tz=tz, region=region, column=column,
        allow_rejects=allow_rejects, out_dir=out_dir, new_batch=new_batch, wait=wait_, interval=interval,
        timeout=timeout, results_path=results, bypass_call_guardrails=bypass_guardrails,
        from_phone_numbers=list(from_numbers) or None, retry_config=retry_config, webhook_url=webhook_url,
        on_event=lambda message: click.echo(f"uploader: {message}", err=True),
        on_update=_progress if wait_ else None,
    )
    text = _describe(result.batch)
    if result.results_path:
        text += f"\nwrote {len(result.executions)} executions to {result.results_path}"
    _show(result.to_dict(), as_json, text)
    return EXIT_OK


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_agent_option()
@click.option("--new-batch", is_flag=True, help="Upload again even if this file was uploaded before.")
@click.option("--from-number", "from_numbers", multiple=True, metavar="E164", help="Caller id (repeatable).")
@click.option("--retry-config", metavar="JSON", help="Per-call retry settings as a JSON object.")
@click.option("--webhook-url", metavar="URL", help="Bolna posts the batch here when it finishes.")
@_json_option
@pass_context
@_run_command
def create(obj: _Context, file: str, agent_id: str, new_batch: bool, from_numbers: tuple[str, ...],
           retry_config: str | None, webhook_url: str | None, as_json: bool) -> int:
    """Upload an already clean FILE as a new batch (once: a repeat finds the first).

    \b
    Example:
      uploader create clean.csv --agent-id $AGENT
    """
    outcome = upload_once(obj.client(), obj.ledger(), agent_id, file, new_batch=new_batch,
                          on_event=lambda message: click.echo(f"uploader: {message}", err=True),
                          from_phone_numbers=list(from_numbers) or None, retry_config=retry_config,
                          webhook_url=webhook_url)
    _show({"batch_id": outcome.batch.batch_id, "state": outcome.batch.status, "resumed": outcome.resumed},
          as_json, outcome.batch.batch_id)
    return EXIT_OK


@cli.command()
@click.argument("batch_id")
@_when_options
@_agent_option(required=False)
@click.option("--bypass-guardrails", is_flag=True, help="Skip the agent's calling-hours check.")
@_json_option
@pass_context
@_run_command
def schedule(obj: _Context, batch_id: str, at: str | None, tz: str | None, now: bool, agent_id: str | None,
             bypass_guardrails: bool, as_json: bool) -> int:
    """Schedule a created batch.

    \b
    Example:
      uploader schedule 3c90c3cc0d444b5088888dd25736052a --at 2025-06-01T10:00 --tz Asia/Kolkata
    """
    at = _when(at, now)
    when = to_api_time(at, tz) if at else to_api_time(soonest())
    result = obj.client().schedule_batch(batch_id, when, agent_id, bypass_guardrails)
    _show(result.raw, as_json, f"batch {batch_id}: {result.state} for {when}")
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
@click.option("--timeout", type=float, default=6 * 3600, show_default=True, help="Give up after this many seconds.")
@_json_option
@pass_context
@_run_command
def wait_command(obj: _Context, batch_id: str, agent_id: str | None, interval: float, timeout: float,
                 as_json: bool) -> int:
    """Poll a batch until it ends; exit 3 if it does not end in time.

    \b
    Example:
      uploader wait 3c90c3cc0d444b5088888dd25736052a --timeout 3600
    """
    batch = obj.client().wait(batch_id, interval=interval, timeout=timeout, on_update=_progress, agent_id=agent_id)
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
    lines = [f"{call.to_number}\t{call.status}\t{call.conversation_time or 0:g}s\t{call.hangup_reason or ''}"
             for call in calls]
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
    """Stop a scheduled, queued or running batch.

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
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="0 takes a free port.")
@click.option("--api-key", "api_keys", multiple=True, envvar="STANDIN_API_KEY", metavar="KEY",
              help="A key the stand-in accepts (repeatable) [env STANDIN_API_KEY; default standin-key].")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="How much faster than real time batches run.")
@click.option("--state", "state_path", type=click.Path(dir_okay=False), help="Keep batches in this SQLite file.")
@click.option("--faults", metavar="LIST", help="Scripted faults in order, e.g. 429,503,create:drop-after.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Share of requests given a random fault.")
@click.option("--fault-kinds", metavar="LIST", default="429,500,502,503", show_default=True,
              help="Faults --fault-rate draws from.")
@click.option("--retry-after", type=float, default=1.0, show_default=True, help="Retry-After of 429/503 faults.")
@click.option("--slow-seconds", type=float, default=5.0, show_default=True, help="Delay of a 'slow' fault.")
@click.option("--control", is_flag=True, help="Enable the /_standin/ routes that switch faults at run time.")
@click.option("--lenient-numbers", is_flag=True, help="Count non-E.164 rows out instead of refusing the file.")
@click.option("--ready-file", type=click.Path(dir_okay=False), help="Write the base URL here once listening.")
def serve(host: str, port: int, api_keys: tuple[str, ...], speed: float, state_path: str | None, faults: str | None,
          fault_rate: float, fault_kinds: str, retry_after: float, slow_seconds: float, control: bool,
          lenient_numbers: bool, ready_file: str | None) -> None:
    """Run the local stand-in for the Batch API (offline demos and tests).

    \b
    Example:
      uploader serve --port 8787 --speed 600
      BOLNA_API_BASE=http://127.0.0.1:8787 BOLNA_API_KEY=standin-key uploader list --agent-id $AGENT
    """
    from .standin import DEFAULT_API_KEY, FaultPlan, make_standin_server

    try:
        plan = FaultPlan.from_settings({
            "script": [item for item in (faults or "").split(",") if item],
            "rate": fault_rate, "kinds": [k for k in fault_kinds.split(",") if k],
            "retry_after": retry_after, "slow_seconds": slow_seconds,
        })
        server = make_standin_server(host, port, api_keys=list(api_keys) or [DEFAULT_API_KEY], speed=speed,
                                     state_path=state_path, faults=plan, control=control,
                                     lenient_numbers=lenient_numbers)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        click.echo(f"uploader: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    url = f"http://{host}:{server.server_port}"
    click.echo(f"stand-in Batch API on {url} (speed {speed:g}x); Ctrl-C stops it", err=True)
    if ready_file:
        with open(ready_file, "w", encoding="utf-8") as handle:
            handle.write(url + "\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    """Entry point of the ``uploader`` console script."""
    cli(prog_name="uploader")

