"""The web app's whole journey in a real headless browser: upload a workbook, fix two numbers, plan with a
group outside its calling hours split by window, schedule once (reload, second press, second tab), watch it
finish, download the results.

Set ``APP_SCREENSHOTS=docs/img/app`` to save a screenshot of each step (the docs use them).
"""

import csv
import io
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin

import pytest

from uploader.api.client import BatchClient
from uploader.app import AppSettings, running_app
from uploader.standin import DEFAULT_API_KEY

CHROMIUM = "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [dev] extra")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None,
    reason="no /usr/bin/chromium here: apt-get install chromium (.ci/run does)",
)
openpyxl = pytest.importorskip("openpyxl")
expect = sync_api.expect

AGENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def workbook(path):
    """Two sheets; the contacts' sheet has two damaged numbers and a group (Australia) that is asleep at noon UTC."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["read me"])
    sheet = book.create_sheet("Calls")
    sheet.append(["Name", "Phone", "City"])
    sheet.append(["Asha", "+91 98765 43210", "Pune"])
    sheet.append(["Ravi", "98765 43211", "Pune"])  # no country code: rejected until corrected
    sheet.append(["Mia", "+61 412 345 678", "Sydney"])
    sheet.append(["<script>alert(1)</script>", "+91 98765", "Delhi"])  # too short: rejected until corrected
    sheet.append(["Noah", "+61 412 345 679", "@SUM(1+1)*cmd|' /C calc'!A0"])
    sheet.append(["Lena", "+49 151 23456789", "Berlin"])
    book.save(path)
    return path


def shoot(page, name, full_page=True):
    folder = os.environ.get("APP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


@pytest.fixture
def app_url():
    settings = AppSettings(host="127.0.0.1", port=0, practice=True, practice_speed=50_000, agent_id=AGENT)
    with running_app(settings) as app:
        yield app.url, app.state.settings.base_url


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def download(page, test_id):
    """What the download link gives, fetched with the page's own cookies (every wait here is bounded)."""
    link = page.get_by_test_id(test_id)
    expect(link).to_be_visible()
    answer = page.request.get(urljoin(page.url, link.get_attribute("href")), timeout=30_000)
    assert answer.ok and answer.headers["content-disposition"].startswith("attachment")
    return answer.text()


def test_the_whole_journey_in_a_browser(app_url, browser, tmp_path):
    url, standin = app_url
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # 1. Upload: a workbook; the contacts are on its second sheet.
    page.goto(url)
    expect(page.get_by_test_id("practice-mode")).to_have_text("practice mode: no real calls")
    page.get_by_test_id("upload-file").set_input_files(str(workbook(tmp_path / "december.xlsx")))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("message")).to_contain_text("no phone column")  # the first sheet is notes
    page.get_by_test_id("sheet").select_option("Calls")
    shoot(page, "1-upload", full_page=False)
    page.get_by_role("button", name="Check again with these").click()

    # 2. Check: 4 clean, 2 rejected; correct both, re-check: 6 clean.
    expect(page.get_by_test_id("count-clean")).to_have_text("4")
    expect(page.get_by_test_id("count-rejected")).to_have_text("2")
    expect(page.get_by_text("<script>alert(1)</script>")).to_have_count(0)  # a name is never markup
    fixes = page.get_by_test_id("fix-input")
    expect(fixes).to_have_count(2)
    fixes.nth(0).fill("+91 98765 43211")
    fixes.nth(1).fill("+91 98765 43213")
    page.get_by_test_id("recheck").click()
    expect(page.get_by_test_id("count-clean")).to_have_text("6")
    expect(page.get_by_test_id("count-rejected")).to_have_text("0")
    shoot(page, "2-check", full_page=False)
    clean = download(page, "download-clean")
    assert "+919876543211" in clean and "+919876543213" in clean
    assert "'@SUM(1+1)" in clean  # a formula in a contact's cell is made inert in the download
    page.reload()
    expect(page.get_by_test_id("count-clean")).to_have_text("6")  # the step is there again after a reload

    # 3. Plan: tomorrow noon UTC; India and Germany are awake, Australia is not: split by window.
    page.get_by_test_id("to-plan").click()
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    expect(page.get_by_test_id("agent-id")).to_have_value(AGENT)
    page.get_by_test_id("start-at").fill(f"{tomorrow}T12:00")
    page.get_by_test_id("start-tz").fill("UTC")
    page.get_by_test_id("split-by-window").check()
    page.get_by_test_id("plan-submit").click()
    summary = page.get_by_test_id("plan-summary")
    expect(summary).to_contain_text("6 contacts")
    expect(summary).to_contain_text("0.85")  # 6 calls × 90 s × 0.095 a minute
    expect(summary).to_contain_text("2 batches")
    expect(page.locator("tr[data-inside=no]")).to_have_count(1)
    expect(page.get_by_test_id("preview-fates")).to_contain_text("6 rows called, 0 skipped")
    expect(page.locator("table.preview tr[data-fate=call]")).to_have_count(6)
    shoot(page, "3-plan")

    # 4. Schedule: once, whatever happens next.
    page.get_by_test_id("schedule-submit").click()
    expect(page.get_by_test_id("batch-status")).to_be_visible()
    api = BatchClient(api_key=DEFAULT_API_KEY, base_url=standin)
    first = sorted(batch.batch_id for batch in api.list_batches(AGENT))
    assert len(first) == 2  # one per part of the split
    page.reload()
    page.goto(url + "plan")
    page.get_by_test_id("schedule-submit").click()  # a second press
    other = context.new_page()  # a second tab
    other.goto(url + "plan")
    other.get_by_test_id("schedule-submit").click()
    # Close the tab only once its answer has loaded: Page.close() has no timeout, and closing a tab
    # while its POST is still in flight hung the test now and then.
    other.wait_for_url("**/progress")
    other.wait_for_load_state()
    other.close()
    assert sorted(batch.batch_id for batch in api.list_batches(AGENT)) == first

    # 5. Progress, until the API says the batches completed; then the results and the follow-up list.
    page.goto(url + "progress")
    expect(page.get_by_test_id("batch-status")).to_have_text("completed", timeout=90_000)
    expect(page.get_by_test_id("download-results")).to_be_visible()
    shoot(page, "4-progress", full_page=False)
    results = list(csv.DictReader(io.StringIO(download(page, "download-results"))))
    assert len(results) == 6
    assert {row["to_number"] for row in results} >= {"+919876543211", "+919876543213"}
    follow_up = download(page, "download-followup")
    assert follow_up.startswith("contact_number")
    assert errors == []
    context.close()


def test_a_file_dropped_on_the_page_is_uploaded(app_url, browser):
    url, _ = app_url
    page = browser.new_page()
    page.goto(url + "upload")
    dropped = page.evaluate_handle(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "dropped.csv", { type: "text/csv" }));
            return transfer;
        }""",
        "name,phone\nAsha,+91 98765 43210\nBad,12\n",
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("count-clean")).to_have_text("1")
    expect(page.get_by_test_id("count-rejected")).to_have_text("1")
    expect(page.locator("h2")).to_contain_text("dropped.csv")
    page.close()
