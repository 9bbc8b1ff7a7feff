"""``uploader plan``'s money and preview: the options it shares with ``run``, and the preview it writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..files import check_output
from .common import retries_option

if TYPE_CHECKING:  # the preview loads csvtools' reader: only when plan runs, never for --help
    from ..safety.preview import Preview

#: ``--cost-per-minute PRICE``, the same on ``run`` and ``plan``.
cost_per_minute_option = click.option(
    "--cost-per-minute",
    type=click.FloatRange(min=0),
    metavar="PRICE",
    help="What a minute costs, in the wallet's currency: the estimate gets a cost (expected) and a "
    "cost_max (every --retries redial made), checked against the wallet before uploading.",
)


def preview_options(command: Callable) -> Callable:
    """``plan``'s ``--preview``, ``--split-by-window``, ``--retries`` and ``--cost-per-minute``."""
    command = cost_per_minute_option(command)
    command = retries_option(command)
    command = click.option(
        "--split-by-window",
        is_flag=True,
        help="Plan one batch per group of zones that share an opening, as run --split-by-window does; "
        "the preview's part says which.",
    )(command)
    return click.option(
        "--preview",
        "preview_path",
        type=click.Path(dir_okay=False),
        metavar="PREVIEW.csv",
        help="Write every input row's fate here: line, contact_number, fate, reason, part, local_start, "
        "time_zones.",
    )(command)


def plan_preview(file: str, preview_path: str | None, **settings: Any) -> Preview:
    """Plan ``file`` with :func:`preview_plan` and, with ``preview_path``, write its rows (checked first)."""
    from ..safety.preview import preview_plan, write_preview

    if preview_path:
        check_output(preview_path, "preview", (file,))  # before any work
    preview = preview_plan(file, **settings)
    if preview_path:
        write_preview(preview.rows, preview_path, file)
    return preview


def preview_text(preview: Preview, preview_path: str | None) -> str:
    """The lines ``plan`` adds to its text: the rows' fates, the parts, the estimate, the file written."""
    fates = preview.fates
    reasons = ", ".join(f"{reason} {count}" for reason, count in fates["skipped_by_reason"].items())
    lines = [
        f"{fates['call']} rows would be called, {fates['skip']} skipped"
        + (f" ({reasons})" if reasons else "")
    ]
    lines += [
        f"part {index}: {part.rows} rows from {part.start:%Y-%m-%d %H:%M} UTC in {', '.join(part.time_zones)}"
        for index, part in enumerate(preview.parts, 1)
    ]
    lines.append(preview.estimate.describe())
    if preview_path:
        lines.append(f"wrote the fate of {len(preview.rows)} rows to {preview_path}")
    return "\n".join(lines)
