"""``uploader app``: start the local web app (upload, check, plan, schedule, progress)."""

from __future__ import annotations

import signal
import sys
import webbrowser
from typing import NoReturn

import click

from ..errors import ConfigError
from ..files import atomic_write_text
from .common import EXIT_USAGE, Context, pass_context


@click.command("app")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 takes a free port."
)
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False),
    help="Write the app's URL here (one line) once listening.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the default browser.")
@click.option(
    "--token",
    metavar="T",
    help="An access token every request must carry (needed for a --host other than loopback); "
    "'auto' makes one and prints the link once.",
)
@click.option(
    "--max-upload-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=50,
    show_default=True,
    help="The largest contact file or suppression list the app takes.",
)
@click.option(
    "--practice-speed",
    type=click.FloatRange(min=0, min_open=True),
    default=60,
    show_default=True,
    help="In practice mode (no BOLNA_API_KEY): how much faster than real time the stand-in calls.",
)
@click.option(
    "--practice",
    "force_practice",
    is_flag=True,
    help="Use the embedded stand-in even when BOLNA_API_KEY is set.",
)
@pass_context
def app(
    obj: Context,
    host: str,
    port: int,
    ready_file: str | None,
    no_browser: bool,
    token: str | None,
    max_upload_mb: float,
    practice_speed: float,
    force_practice: bool,
) -> None:
    """Start the local web app: drop a list, fix it, see the plan, schedule it once, watch it run.

    Without BOLNA_API_KEY it runs against an embedded stand-in ("practice mode: no real
    calls"); with it, against BOLNA_API_BASE or the real API, exactly as 'uploader run'.

    \b
    Example:
      uploader app            # opens http://127.0.0.1:8765/ in the browser
      uploader app --port 0 --no-browser --ready-file app.url
    """
    try:
        from ..app import AppSettings, serving
        from ..app.server import has_api_key
        from ..app.settings import resolve_token
    except ImportError as exc:
        if exc.name not in ("flask", "werkzeug", "jinja2"):
            raise
        _fail("app needs Flask, which comes with the app extra: pip install '.[app]'")
    try:
        token, generated = resolve_token(host, token)
    except ConfigError as exc:
        _fail(str(exc))
    settings = AppSettings(
        host=host,
        port=port,
        token=token,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        practice=force_practice or not has_api_key(),
        base_url=obj.base_url,
        layout=obj.layout,
        practice_speed=practice_speed,
        ledger_path=obj.ledger_path,
    )
    try:
        with serving(settings) as server:
            if ready_file:
                atomic_write_text(ready_file, server.url + "\n")
            mode = "practice mode: no real calls" if settings.practice else "real API: calls cost money"
            shown = server.url if generated or not token else server.url.split("?", 1)[0]
            click.echo(f"uploader app on {shown} ({mode}); Ctrl-C stops it", err=True)
            if not no_browser:
                webbrowser.open(server.url)
            # A stop by SIGTERM (a service manager, kill) still removes the session files on the way out.
            signal.signal(signal.SIGTERM, _interrupt)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    except ConfigError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _fail(text: str) -> NoReturn:
    click.echo(f"uploader: {text}", err=True)
    sys.exit(EXIT_USAGE)
