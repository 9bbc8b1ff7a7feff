"""``uploader serve``: the local stand-in of the Batch API, for demos and tests."""

from __future__ import annotations

import contextlib
import io
import sys

import click

from ..errors import (
    ConfigError,
)
from ..files import atomic_write_text
from .common import EXIT_USAGE


@click.command()
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
    help="The account's balance, in currency; calls spend it, and once it is gone the rest end balance-low. "
    "GET /user/me reports it as the live API does, times 100 (--wallet 25 reads 2500).",
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
        from ..standin import DEFAULT_API_KEY, FaultPlan, make_standin_server
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
