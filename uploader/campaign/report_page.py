"""The page ``uploader run`` writes beside its outputs: csvtools' HTML report, and what became of the batch."""

from __future__ import annotations

import os

import csvtools

from ..api.models import Batch
from ..files import atomic_write_text

__all__ = ["write_report_page"]


def write_report_page(path: str | os.PathLike, report: csvtools.Report, batch: Batch | None = None) -> None:
    """Write the run's page to ``path``: the cleaning report, and the batch's calls by status once known."""
    outcome = f"batch {batch.batch_id}: {batch.status}" if batch is not None else None
    calls = batch.execution_status if batch is not None else None
    atomic_write_text(path, csvtools.render_html(report, title="uploader run", outcome=outcome, calls=calls))
