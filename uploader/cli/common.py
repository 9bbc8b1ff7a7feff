"""What every uploader command shares: the context, the common options, one-line errors and exit codes.

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

from csvtools import CsvToolsError

from ..api.client import BatchClient
from ..api.models import Batch
from ..campaign.ledger import Ledger
from ..campaign.redials import MAX_RETRIES, check_retry_config, parse_list, parse_minutes
from ..campaign.redials import retry_config as build_retry_config
from ..config import AGENT_VARIABLE
from ..errors import (
    AmbiguousCreateError,
    ConfigError,
    ScheduleTimeError,
    UploaderError,
    WaitTimeoutError,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


class Context:
    def __init__(self, base_url: str | None, layout: str, verbose: int, ledger_path: str | None) -> None:
        self.base_url, self.layout, self.verbose, self.ledger_path = base_url, layout, verbose, ledger_path

    def client(self) -> BatchClient:
        return BatchClient(base_url=self.base_url, layout=self.layout)

    def ledger(self) -> Ledger:
        return Ledger(self.ledger_path)


pass_context = click.make_pass_decorator(Context)


class OneLineLogs(logging.Handler):
    """The uploader's log records on stderr, one line each; without -v only warnings (retries, outages)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"uploader: {record.getMessage()}", err=True)


def show_logs(level: int) -> None:
    # Replace, never add: a second invocation in one process (tests, scripts) must not print twice.
    logger = logging.getLogger("uploader")
    for handler in [h for h in logger.handlers if isinstance(h, OneLineLogs)]:
        logger.removeHandler(handler)
    logger.addHandler(OneLineLogs(level))
    logger.setLevel(level)
    logger.propagate = False


def agent_option(required: bool = True) -> Callable:
    return click.option(
        "--agent-id",
        envvar=AGENT_VARIABLE,
        required=required,
        metavar="ID",
        help=f"The agent's id [env {AGENT_VARIABLE}].",
    )


# run and plan take the same hours and rules from the same places, so that plan shows what run would do.
calling_hours_option = click.option(
    "--calling-hours",
    metavar="HH:MM-HH:MM",
    envvar="UPLOADER_CALLING_HOURS",
    help="Recipient-local window every call must fall in [env UPLOADER_CALLING_HOURS; default "
    "09:00-21:00]; 'any' checks nothing.",
)
calling_rules_option = click.option(
    "--calling-rules",
    type=click.Choice(["builtin", "none"]),
    default="builtin",
    show_default=True,
    help="'none' turns off the built-in rules (US and the states FL, OK, MD; CA; FR).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's answer as JSON.")


def when_options(command: Callable) -> Callable:
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


def start_or_now(at: str | None, now: bool) -> str | None:
    if bool(at) == bool(now):
        raise click.UsageError("give exactly one of --at TIME or --now")
    return at


def retry_options(command: Callable) -> Callable:
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
    return retries_option(command)


#: ``--retries N``: alone on ``plan`` (for the worst case), with the other retry options on ``run``.
retries_option = click.option(
    "--retries",
    type=click.IntRange(0, MAX_RETRIES),
    metavar="N",
    help="Redial unanswered calls up to N times (0 to 3, the API's limit; 0 sends no retry_config). "
    "The estimate's worst case counts every redial.",
)


def retry_config_of(
    raw: str | None, retries: int | None, retry_on: str | None, intervals: str | None
) -> dict | None:
    """The retry_config of the typed options or of --retry-config, checked before any request."""
    if raw is not None:
        if retries is not None or retry_on or intervals:
            raise click.UsageError("give --retries/--retry-on/--retry-intervals or --retry-config, not both")
        return check_retry_config(raw)
    return build_retry_config(retries, parse_list(retry_on), parse_minutes(intervals))


def run_command(function: Callable[..., int | None]) -> Callable[..., None]:
    """Turn library errors into one line on stderr and a documented exit code."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = function(*args, **kwargs)
        except (ConfigError, ScheduleTimeError, CsvToolsError) as exc:
            fail(exc, EXIT_USAGE)
        except WaitTimeoutError as exc:
            fail(exc, EXIT_TIMEOUT)
        except UploaderError as exc:
            fail(exc, EXIT_FAILED)
        sys.exit(code or EXIT_OK)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


def fail(exc: Exception, code: int) -> None:
    click.echo(f"uploader: {exc}", err=True)
    if isinstance(exc, AmbiguousCreateError) and exc.candidates:
        click.echo("uploader: candidates: " + ", ".join(b.batch_id for b in exc.candidates), err=True)
    sys.exit(code)


def show(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text)


def describe(batch: Batch) -> str:
    counts = ", ".join(f"{status} {count}" for status, count in sorted(batch.execution_status.items()))
    parts = [f"batch {batch.batch_id}: {batch.status}"]
    if batch.scheduled_at:
        parts.append(f"scheduled at {batch.scheduled_at}")
    if batch.total_contacts is not None:
        parts.append(f"{batch.valid_contacts}/{batch.total_contacts} valid contacts")
    if counts:
        parts.append(f"calls: {counts}")
    return "; ".join(parts)


def progress(batch: Batch) -> None:
    click.echo(describe(batch), err=True)
