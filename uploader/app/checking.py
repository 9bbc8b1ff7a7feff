"""The check step: csvtools over the upload (with the corrections typed so far), and what the page shows.

The rules are csvtools' own (:func:`csvtools.clean_file`); ``recheck``
writes the corrected copy (:mod:`.sources`) and checks it again, so a fixed
row moves to the clean file exactly as it would in ``csvtools clean``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import csvtools

from .sources import write_corrected
from .workspaces import Workspace

#: Rejected rows listed on the page (every one is in the rejects download).
LISTED_REJECTIONS = 500
#: The longest stem (in bytes) the workspace's file names take from the upload's name.
STEM_BYTES = 120


@dataclass
class Check:
    """One check of the contact file: the report and where its outputs are."""

    source: Path
    report: csvtools.Report
    clean_path: Path
    rejects_path: Path
    html_path: Path

    @property
    def figures(self) -> dict[str, int]:
        report = self.report
        return {
            "clean": report.clean,
            "rejected": report.rejected,
            "duplicates": report.by_reason.get("duplicate", 0),
            "suppressed": report.by_reason.get("suppressed", 0),
            "blank": report.blank,
            "rows": report.rows,
        }

    def rejected_rows(self) -> list[dict[str, Any]]:
        """The listed rejections, each with its reason in words."""
        return [
            {
                "line": rejection.line,
                "value": rejection.value,
                "reason": rejection.reason,
                "words": _in_app_words(
                    csvtools.REASONS.get(rejection.reason, rejection.reason).replace("`", "")
                ),
                "detail": _in_app_words(rejection.detail),
            }
            for rejection in self.report.rejections
        ]


def _in_app_words(text: str | None) -> str | None:
    """csvtools' words for the command line (``--region``) as this page's controls name them."""
    if not text:
        return text
    return text.replace("pass --region", "choose a default region").replace("--region", "a default region")


def clean_options(workspace: Workspace) -> dict[str, Any]:
    """The csvtools options of this workspace, as :func:`csvtools.clean_file` and ``run_campaign`` take them."""
    chosen = workspace.options
    options: dict[str, Any] = {
        "region": chosen.get("region") or None,
        "column": chosen.get("column") or None,
        "region_column": chosen.get("region_column") or None,
        "detect_region_column": chosen.get("region_column") != "",
        "suppress": tuple(chosen.get("suppress", ())),
    }
    if chosen.get("types"):
        options["types"] = tuple(chosen["types"])
    if chosen.get("sheet") and not workspace.corrections:  # the corrected copy is a CSV: no sheets
        options["sheet"] = chosen["sheet"]
    return options


def file_stem(workspace: Workspace) -> str:
    """The upload's name without its suffix, cut to fit in the outputs' file names (255 bytes at most)."""
    stem = Path(workspace.upload_name or "contacts").stem
    return stem.encode("utf-8", "surrogateescape")[:STEM_BYTES].decode("utf-8", "ignore") or "contacts"


def current_source(workspace: Workspace) -> Path:
    """The file to check: the upload itself, or its corrected copy once a correction was typed."""
    assert workspace.upload_path is not None
    if not workspace.corrections:
        return workspace.upload_path
    return workspace.path("work", file_stem(workspace) + ".csv")


def run_check(workspace: Workspace) -> Check:
    """Check the workspace's file with its options; raises csvtools' errors (one line each) when it cannot."""
    assert workspace.upload_path is not None
    source = current_source(workspace)
    if workspace.corrections:
        phone = workspace.check.report.column if workspace.check else workspace.options.get("column")
        write_corrected(
            workspace.upload_path, workspace.options.get("sheet"), phone or "", workspace.corrections, source
        )
    stem = file_stem(workspace)
    out = workspace.path("check", f"{stem}.clean.csv")
    rejects = workspace.path("check", f"{stem}.rejects.csv")
    settings = clean_options(workspace)
    report = csvtools.clean_file(
        source,
        out,
        rejects,
        name=workspace.upload_name,
        workers=0,
        max_rejections=LISTED_REJECTIONS,
        **settings,
    )
    html_path = workspace.path("check", f"{stem}.report.html")
    html_path.write_text(csvtools.render_html(report, title=f"Check of {workspace.upload_name}"), "utf-8")
    return Check(source, report, out, rejects, html_path)


def recheck(workspace: Workspace, typed: dict[int, str]) -> Check:
    """Keep the corrections typed for rejected lines (a blank field keeps the row as it was) and check again."""
    assert workspace.check is not None, "a recheck follows a check"
    listed = {rejection.line: rejection.value for rejection in workspace.check.report.rejections}
    for line, value in typed.items():
        value = value.strip()
        if line in listed and value and value != (listed[line] or ""):
            workspace.corrections[line] = value
    return run_check(workspace)


def for_people(path: Path, keep: str = "contact_number") -> str:
    """A CSV file's text with formula-like cells made inert (all but the ``keep`` column), for a download."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if rows:
        header = rows[0]
        writer.writerow([csvtools.neutralize_formula(name) for name in header])
        skip = header.index(keep) if keep in header else -1
        for row in rows[1:]:
            writer.writerow(
                [cell if at == skip else csvtools.neutralize_formula(cell) for at, cell in enumerate(row)]
            )
    return buffer.getvalue()
