"""The ``uploader`` command: a thin layer over the client, the campaign and the stand-in.

One module per group of commands: :mod:`.campaign` (run, plan, followup),
:mod:`.batches` (one command per API call), :mod:`.serve` (the stand-in),
:mod:`.app` (the local web app);
:mod:`.common` holds what they share.

Exit codes: 0 success; 1 the API or the batch failed (error status, no
answer, batch stopped or failed, rows rejected); 2 usage or configuration
error; 3 waiting timed out.
"""

from __future__ import annotations

import logging

import click

import csvtools

from ..config import BASE_VARIABLE, LAYOUTS
from . import app, batches, campaign, serve
from .common import Context, show_logs


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
@click.version_option(version=csvtools.__version__, prog_name="uploader")
@click.pass_context
def cli(ctx: click.Context, base_url: str | None, layout: str, ledger_path: str | None, verbose: int) -> None:
    """Take contact files through the Bolna Batch API: create, schedule, wait, results.

    The API key comes from BOLNA_API_KEY in the environment or in .env.
    """
    show_logs(logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    ctx.obj = Context(base_url, layout, verbose, ledger_path)


def main() -> None:
    """Entry point of the ``uploader`` console script."""
    cli(prog_name="uploader")


for _command in (
    campaign.run,
    campaign.plan,
    campaign.followup,
    *(getattr(batches, name) for name in batches.__all__),
    serve.serve,
    app.app,
):
    cli.add_command(_command)
