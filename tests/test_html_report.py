"""The HTML report: rendered by a real headless Chromium, without console errors, showing the JSON report's figures."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from csvtools import REASONS, Rejection, Report, validate_file
from csvtools.cli import cli
from csvtools.html_report import ADVICE, render_html

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
    None,
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium here: apt-get install chromium (.ci/run does)"
)


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr
    return result


def browse(page, profile):
    """The DOM as headless Chromium leaves it after loading ``page``, and the console messages it logged."""
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


class Figures(HTMLParser):
    """What the page shows, per section (file): its figures, its charts' bars, its rejected rows."""

    def __init__(self):
        super().__init__()
        self.sections, self.errors, self._section, self._chart = {}, {}, None, None
        self.outcome, self.calls = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "report":
            self._section = self.sections.setdefault(
                attrs["data-file"], {"figures": {}, "charts": {}, "rows": []}
            )
        elif tag == "section" and attrs.get("class") == "failed":
            self._file = attrs["data-file"]
        elif tag == "svg" and attrs.get("data-chart") == "calls":
            self._chart = self.calls = {}
        elif tag == "svg" and "data-chart" in attrs:
            self._chart = self._section["charts"].setdefault(attrs["data-chart"], {})
        elif "data-figure" in attrs:
            self._section["figures"][attrs["data-figure"]] = int(attrs["data-value"])
        elif tag in ("g", "rect") and "data-count" in attrs and self._chart is not None:
            self._chart[attrs["data-key"]] = int(attrs["data-count"])
        elif tag == "tr" and "data-line" in attrs:
            self._section["rows"].append((int(attrs["data-line"]), attrs["data-reason"]))
        elif "data-error" in attrs:
            self.errors[self._file] = attrs["data-error"]
        elif "data-outcome" in attrs:
            self.outcome = attrs["data-outcome"]

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = None


def shown(dom):
    parser = Figures()
    parser.feed(dom)
    return parser


def expected_section(report):
    section = {
        "figures": {
            "rows": report["rows"],
            "clean": report["clean"],
            "rejected": report["rejected"],
            "duplicates": report["by_reason"].get("duplicate", 0),
        },
        "charts": {"share": {"clean": report["clean"], "rejected": report["rejected"]}},
        "rows": [(r["line"], r["reason"]) for r in report["rejections"]],
    }
    if "blank" in report:
        section["figures"]["blank"] = report["blank"]
    if report["by_reason"]:
        section["charts"]["by_reason"] = report["by_reason"]
    if report["by_country"]:
        section["charts"]["by_country"] = report["by_country"]
    if report.get("by_type"):
        section["charts"]["by_type"] = report["by_type"]
    return section


@needs_chromium
def test_clean_page_renders_in_chromium_with_the_json_reports_figures(tmp_path):
    page, report_json = tmp_path / "report.html", tmp_path / "report.json"
    result = run(
        "clean",
        SAMPLES / "spreadsheet_export.csv",
        "-o",
        tmp_path / "clean.csv",
        "--report",
        report_json,
        "--html",
        page,
    )
    assert result.exit_code == 0, result.stderr
    dom, console = browse(page, tmp_path / "profile")
    assert console == []
    report = json.loads(report_json.read_text())
    page_shows = shown(dom)
    assert page_shows.sections == {report["file"]: expected_section(report)}
    assert len(re.findall(r'<g class="bar"', dom)) == len(report["by_reason"]) + len(
        report["by_country"]
    ) + len(report["by_type"])


@needs_chromium
def test_validate_page_for_several_files_with_a_workbook_and_a_failure(tmp_path):
    files = [SAMPLES / "seed_example.csv", SAMPLES / "operations_list.xlsx", tmp_path / "absent.csv"]
    page = tmp_path / "all.html"
    result = run("validate", *files, "--region", "IN", "--html", page, "--format", "json")
    assert result.exit_code == 2
    entries = json.loads(result.stdout)
    dom, console = browse(page, tmp_path / "profile")
    assert console == []
    page_shows = shown(dom)
    assert page_shows.sections == {entry["file"]: expected_section(entry) for entry in entries[:2]}
    assert page_shows.errors == {entries[2]["file"]: entries[2]["error"]}


@needs_chromium
def test_the_browser_check_sees_console_errors(tmp_path):
    """The check above can fail: a page whose script throws is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><script>throw new Error("broken page")</script></body></html>'
    )
    _, console = browse(page, tmp_path / "profile")
    assert any("broken page" in line for line in console)


def test_the_page_is_self_contained_and_escapes_values():
    report = Report(
        file="<b>x</b>.csv",
        rows=1,
        rejected=1,
        by_reason={"not_a_number": 1},
        rejections=[
            Rejection(
                line=2,
                reason="not_a_number",
                detail="no phone number in the value",
                value="<script>alert(1)</script>",
            )
        ],
    )
    page = render_html(report)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;.csv" in page
    assert "default-src 'none'" in page
    assert not re.search(r"""(?:src|href)=|url\(|@import|https?://""", page)


def test_every_reason_has_advice():
    assert set(ADVICE) == set(REASONS)


def test_clean_html_is_not_written_when_the_run_fails(tmp_path):
    result = run("clean", tmp_path / "absent.csv", "-o", tmp_path / "out.csv", "--html", tmp_path / "r.html")
    assert result.exit_code == 2
    assert not (tmp_path / "r.html").exists()


@needs_chromium
def test_uploader_run_writes_a_page_with_the_batch_outcome(api, tmp_path):
    from uploader.cli import cli as uploader_cli

    source = tmp_path / "spreadsheet_export.csv"
    source.write_bytes((SAMPLES / "spreadsheet_export.csv").read_bytes())
    result = CliRunner().invoke(
        uploader_cli,
        ["run", str(source), "--allow-rejects", "--now", "--wait", "--interval", "0.2", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    page = tmp_path / "spreadsheet_export.report.html"
    assert summary["html_path"] == str(page)
    dom, console = browse(page, tmp_path / "profile")
    assert console == []
    page_shows = shown(dom)
    assert page_shows.outcome == f"batch {summary['batch_id']}: {summary['status']}"
    assert page_shows.calls == summary["execution_status"] and sum(page_shows.calls.values()) == 10
    report = json.loads(json.dumps(validate_file(source).to_dict()))
    assert page_shows.sections[str(source)]["figures"] == expected_section(report)["figures"]


def test_uploader_run_refusing_rejected_rows_still_writes_the_page(api, tmp_path):
    from uploader.cli import cli as uploader_cli

    source = tmp_path / "spreadsheet_export.csv"
    source.write_bytes((SAMPLES / "spreadsheet_export.csv").read_bytes())
    result = CliRunner().invoke(uploader_cli, ["run", str(source), "--now"])
    assert result.exit_code == 1
    page_shows = shown((tmp_path / "spreadsheet_export.report.html").read_text(encoding="utf-8"))
    assert page_shows.sections[str(source)]["figures"]["rejected"] == 12
    assert page_shows.outcome is None
