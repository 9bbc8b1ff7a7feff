"""A run's report as one self-contained HTML page, for people: counts, charts, duplicates, what to fix.

Everything is inline (CSS, SVG charts drawn here): the page loads nothing at
view time, and its Content-Security-Policy forbids it to. Each figure shown
carries a ``data-*`` attribute with its value, so a test (or a script) can
read the page's numbers back and compare them with the JSON report.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from . import reasons
from .report import Report

__all__ = ["ADVICE", "SHOWN_ROWS", "render_html"]

#: The first rejected rows a page lists (per file).
SHOWN_ROWS = 100

#: What to do about each reason, for the person who fixes the list.
ADVICE: dict[str, str] = {
    reasons.MISSING_NUMBER: "Fill in the number, or delete the row if the contact has none.",
    reasons.NOT_A_NUMBER: "Put the phone number itself in the cell (not a note, a name or a formula).",
    reasons.INVALID_COUNTRY_CODE: "Write the number with its country code (+91 …), or rerun with --region "
    "if the list holds national numbers of one country.",
    reasons.TOO_SHORT: "Check for missing digits or a missing area code.",
    reasons.TOO_LONG: "Check for extra digits, or two numbers run together.",
    reasons.INVALID_NUMBER: "Check the digits: the number is in no range of its country. A wrong --region "
    "also gives this.",
    reasons.EXCEL_MANGLED: "The spreadsheet turned the number into 9.19877E+11 and lost digits: format the "
    "column as text and re-type or re-export it, or give csvtools the workbook itself.",
    reasons.HAS_EXTENSION: "A batch cannot dial an extension: use a direct number.",
    reasons.MULTIPLE_NUMBERS: "Keep one number per cell; put others in rows of their own.",
    reasons.DUPLICATE: "Nothing to do unless the row should win: the first row with the number is kept.",
    reasons.MALFORMED_ROW: "The row has more or fewer fields than the header: look for a stray delimiter "
    "or an unclosed quote, or a value right of the last column.",
    reasons.DISALLOWED_TYPE: "The number is of a type this run does not call (premium-rate by default): "
    "use another number, or widen --types if the campaign may call it.",
    reasons.SUPPRESSED: "The contact is on a do-not-call list: do not call, and leave the row out of the list.",
    reasons.ENCODING_ERROR: "The line holds bytes that are not UTF-8 (a stray Windows character): fix or re-type "
    "the cell shown in the detail, or pass --encoding if the whole file is another encoding.",
    reasons.UNKNOWN_COUNTRY: "Fix the row's country cell (a code like GB, a name like United Kingdom, or +44), "
    "or write the number with its country code.",
    reasons.REGION_MISMATCH: "The number's country code is not the row's country: check which one is wrong "
    "before calling (or drop --strict-region to keep such rows).",
}

_READINGS = {
    "international": "written with + (or read as international)",
    "plus_added": "had no + and got one by guess: rerun with --region if they are national",
    "00_as_plus": "began with 00, read as +",
    "national": "read as national numbers of the region",
}

_CSS = """
:root { --ok: #2f855a; --bad: #c53030; --bar: #3b6fb6; --ink: #1a202c; --muted: #5a6473; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 2rem auto;
       max-width: 62rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
.meta { color: var(--muted); margin-top: 0; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.figure { border: 1px solid #d5dae1; border-radius: .5rem; padding: .6rem 1rem; min-width: 8rem; }
.figure .value { display: block; font-size: 1.8rem; font-weight: 600; }
.figure.clean .value { color: var(--ok); } .figure.rejected .value { color: var(--bad); }
svg text { font: 13px system-ui, sans-serif; fill: var(--ink); }
svg .bar rect { fill: var(--bar); } svg .share-clean { fill: var(--ok); } svg .share-rejected { fill: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e2e6eb; vertical-align: top; }
th { background: #f4f6f8; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: .92em; } .note { color: var(--muted); } .error { color: var(--bad); font-weight: 600; }
"""

_BAR_HEIGHT, _BAR_GAP, _LABEL_WIDTH, _CHART_WIDTH = 22, 6, 190, 640


def render_html(
    reports: Report | Sequence[Report],
    errors: Mapping[str, str] | None = None,
    title: str = "csvtools report",
    *,
    outcome: str | None = None,
    calls: Mapping[str, int] | None = None,
) -> str:
    """One HTML page for one report or several (one section each); ``errors`` maps files that failed to why.

    ``outcome`` (a line such as "batch 3c90…: completed") and ``calls`` (calls
    by status) add a section on what became of the upload, for ``uploader run``.
    """
    reports = [reports] if isinstance(reports, Report) else list(reports)
    sections = [_outcome(outcome, calls)] if outcome or calls else []
    sections += [_section(report) for report in reports]
    sections += [
        f'<section class="failed" data-file="{_e(name)}"><h2>{_e(name)}</h2>'
        f'<p class="error" data-error="{_e(message)}">Not processed: {_e(message)}</p></section>'
        for name, message in (errors or {}).items()
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style></head>\n<body>\n<h1>{_e(title)}</h1>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


def _outcome(outcome: str | None, calls: Mapping[str, int] | None) -> str:
    chart = (
        _bar_chart("calls", dict(sorted(calls.items(), key=lambda item: (-item[1], item[0]))))
        if calls
        else '<p class="note">No calls yet.</p>'
    )
    return (
        f'<section class="outcome"><h2>The batch</h2><p class="meta" data-outcome="{_e(outcome or "")}">'
        f"{_e(outcome or '')}</p><h3>Calls by status</h3>{chart}</section>"
    )


def _section(report: Report) -> str:
    figures = [
        ("rows", "rows in", report.rows),
        ("clean", "clean", report.clean),
        ("rejected", "rejected", report.rejected),
        ("blank", "blank (skipped)", report.blank),
    ]
    figures.append(("duplicates", "duplicates", report.by_reason.get(reasons.DUPLICATE, 0)))
    parts = [
        f'<section class="report" data-file="{_e(report.file)}">',
        f"<h2>{_e(report.file)}</h2>",
        f'<p class="meta">{_e(_read_as(report))}</p>',
        '<div class="figures">'
        + "".join(
            f'<div class="figure {key}"><span class="value" data-figure="{key}" data-value="{value}">{value:,}</span>'
            f"{_e(label)}</div>"
            for key, label, value in figures
        )
        + "</div>",
        _share_chart(report),
        "<h3>Rejected rows by reason</h3>",
        _bar_chart("by_reason", report.by_reason)
        if report.by_reason
        else '<p class="note">No row was rejected.</p>',
        "<h3>Kept numbers by country</h3>",
        _bar_chart("by_country", report.by_country)
        if report.by_country
        else '<p class="note">No number kept.</p>',
        _readings(report.by_reading),
        _bar_chart("by_type", report.by_type) if report.by_type else "",
        _scrub_record(report),
        _advice(report.by_reason),
        _rejected_rows(report),
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _read_as(report: Report) -> str:
    where = (
        f"sheet {report.sheet!r}"
        if report.sheet
        else f"encoding {report.encoding}, delimiter {report.delimiter!r}"
        if report.encoding
        else ""
    )
    region = f"region {report.region}" if report.region else "no region (every number read as international)"
    return ", ".join(
        part for part in (f"phone column {report.column!r}", where, region, f"level {report.level}") if part
    )


def _share_chart(report: Report) -> str:
    """One bar split into clean and rejected rows (blank rows, skipped, are not drawn)."""
    judged = report.clean + report.rejected
    if not judged:
        return '<p class="note">The file has no rows to judge.</p>'
    width = _CHART_WIDTH
    clean = round(width * report.clean / judged)
    return (
        f'<svg class="chart" data-chart="share" width="{width}" height="28" role="img" '
        f'aria-label="{report.clean} clean, {report.rejected} rejected" viewBox="0 0 {width} 28">'
        f'<rect class="share-clean" data-key="clean" data-count="{report.clean}" x="0" y="0" '
        f'width="{clean}" height="28"><title>{report.clean:,} clean</title></rect>'
        f'<rect class="share-rejected" data-key="rejected" data-count="{report.rejected}" x="{clean}" y="0" '
        f'width="{width - clean}" height="28"><title>{report.rejected:,} rejected</title></rect></svg>'
    )


def _bar_chart(name: str, counts: Mapping[str, int]) -> str:
    """Horizontal bars, largest first (as the report orders them), each labelled with its count."""
    largest = max(counts.values())
    room = _CHART_WIDTH - _LABEL_WIDTH - 70
    height = len(counts) * (_BAR_HEIGHT + _BAR_GAP)
    bars = []
    for row, (key, count) in enumerate(counts.items()):
        y = row * (_BAR_HEIGHT + _BAR_GAP)
        width = max(1, round(room * count / largest))
        bars.append(
            f'<g class="bar" data-key="{_e(key)}" data-count="{count}">'
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{_e(key)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{width}" height="{_BAR_HEIGHT}"><title>{_e(key)}: {count:,}'
            f'</title></rect><text x="{_LABEL_WIDTH + width + 6}" y="{y + 16}">{count:,}</text></g>'
        )
    return (
        f'<svg class="chart" data-chart="{name}" width="{_CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_CHART_WIDTH} {height}" role="img" aria-label="{_e(name)}">'
        + "".join(bars)
        + "</svg>"
    )


def _readings(by_reading: Mapping[str, int]) -> str:
    return _explained("How the kept numbers were read", "reading", "numbers", "", by_reading, _READINGS)


def _advice(by_reason: Mapping[str, int]) -> str:
    return _explained("What to do", "reason", "rows", "what to do", by_reason, {**reasons.REASONS, **ADVICE})


def _explained(
    heading: str, name: str, unit: str, note: str, counts: Mapping[str, int], notes: Mapping[str, str]
) -> str:
    """A table of counts, each with its note: ``<tr data-{name}="key" data-count="n">``."""
    if not counts:
        return ""
    rows = "".join(
        f'<tr data-{name}="{_e(key)}" data-count="{count}"><td><code>{_e(key)}</code></td>'
        f'<td class="num">{count:,}</td><td>{_e(notes.get(key, ""))}</td></tr>'
        for key, count in counts.items()
    )
    return (
        f'<h3>{_e(heading)}</h3><table><tr><th>{name}</th><th class="num">{unit}</th><th>{note}</th></tr>'
        f"{rows}</table>"
    )


def _rejected_rows(report: Report) -> str:
    shown = report.rejections[:SHOWN_ROWS]
    if not shown:
        return ""
    rows = "".join(
        f'<tr class="rejection" data-line="{r.line}" data-reason="{_e(r.reason)}"><td class="num">{r.line}</td>'
        f"<td><code>{_e(r.reason)}</code></td><td>{_e(r.detail)}</td>"
        f"<td>{'' if r.value is None else _e(r.value)}</td></tr>"
        for r in shown
    )
    more = report.rejected - len(shown)
    tail = f'<p class="note">… and {more:,} more rows in the rejects file.</p>' if more > 0 else ""
    return (
        f'<h3>The first {len(shown):,} rejected rows</h3><table><tr><th class="num">line</th><th>reason</th>'
        f"<th>detail</th><th>value</th></tr>{rows}</table>{tail}"
    )


def _scrub_record(report: Report) -> str:
    """The suppression lists checked, as a violation review reads them: which list, its digest, what it removed."""
    if not report.suppression:
        return ""
    rows = "".join(
        f'<tr data-list="{_e(scrub["path"])}"><td>{_e(scrub["path"])}</td><td><code>{_e(scrub["sha256"])}</code></td>'
        f'<td>{scrub["numbers"]:,}</td><td data-value="{scrub["removed"]}">{scrub["removed"]:,}</td>'
        f"<td>{scrub.get('unreadable', 0):,}</td><td>{_e(scrub['checked_at'])}</td></tr>"
        for scrub in report.suppression
    )
    return (
        "<h3>Suppression lists checked</h3><table><tr><th>list</th><th>SHA-256</th><th>numbers</th>"
        f"<th>rows removed</th><th>unreadable lines</th><th>checked (UTC)</th></tr>{rows}</table>"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
