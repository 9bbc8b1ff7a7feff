"""The web app's steps one by one through the test client: columns, sheets, suppression, refusals, restarts."""

import io
import re

import pytest

pytest.importorskip("flask")

from helpers.app_client import AGENT, SECRET, Browser, contacts, make_app, secret_standin  # noqa: E402

from uploader.api.client import BatchClient  # noqa: E402

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def standin():
    with secret_standin() as url:
        yield url


def figure(page, name):
    return int(re.search(rf'data-testid="count-{name}">(\d+)<', page).group(1))


def upload(browser, text=None, name=None):
    body, given = contacts(text)
    return browser.post("/upload", data={"file": (body, name or given)}, content_type="multipart/form-data")


def test_the_phone_column_country_column_and_region_can_be_changed(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser, "name,mobile,office,country\nAsha,98765 43210,+49 151 23456789,IN\n")
    page = browser.get("/check").get_data(as_text=True)
    assert (
        "<strong>mobile</strong>" in page and "<strong>country</strong>" in page
    )  # both found by their names
    assert figure(page, "clean") == 1  # the country column reads the national number as Indian
    browser.post("/columns", data={"column": "office", "region_column": "-", "region": ""})
    page = browser.get("/check").get_data(as_text=True)
    assert "<strong>office</strong>" in page and figure(page, "clean") == 1
    browser.post("/columns", data={"column": "mobile", "region_column": "-", "region": ""})
    assert figure(browser.get("/check").get_data(as_text=True), "rejected") == 1  # no country: too short
    browser.post("/columns", data={"column": "mobile", "region_column": "-", "region": "India"})
    assert figure(browser.get("/check").get_data(as_text=True), "clean") == 1


def test_a_workbook_offers_its_sheets(standin, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Readme"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Calls")
    sheet.append(["Name", "Phone"])
    sheet.append(["Asha", "+91 98765 43210"])
    data = io.BytesIO()
    book.save(data)
    browser = Browser(make_app(standin, tmp_path))
    answer = browser.post(
        "/upload",
        data={"file": (io.BytesIO(data.getvalue()), "list.xlsx")},
        content_type="multipart/form-data",
    )
    assert answer.headers["Location"].endswith("/upload")  # the first sheet has no phone column
    page = browser.get("/upload").get_data(as_text=True)
    assert "no phone column" in page and '<option value="Calls"' in page
    browser.post("/columns", data={"sheet": "Calls"})
    page = browser.get("/check").get_data(as_text=True)
    assert "(sheet Calls)" in page and figure(page, "clean") == 1


def test_a_file_that_is_no_contact_list_gets_one_line_on_the_page(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    answer = upload(browser, "\x00\x01\x02binary", name="x.csv")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/upload")
    page = browser.get("/upload").get_data(as_text=True)
    assert re.search(r'data-testid="message"[^>]*>x\.csv: [^<\n]+</p>', page)
    assert "Traceback" not in page


def test_a_suppression_list_removes_its_numbers_and_shows_its_scrub_record(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser)
    before = figure(browser.get("/check").get_data(as_text=True), "clean")
    answer = browser.post(
        "/suppression",
        data={"suppress": (io.BytesIO(b"+49 151 23456789\n"), "dnc.txt")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    plan = browser.get("/plan").get_data(as_text=True)
    assert "dnc.txt: 1 numbers, 1 rows removed" in plan and "SHA-256" in plan
    page = browser.get("/check").get_data(as_text=True)
    assert figure(page, "suppressed") == 1 and figure(page, "clean") == before - 1


def test_rows_outside_their_hours_stop_the_schedule_unless_a_choice_is_made(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser, "name,phone\nMia,+61 412 345 678\n")
    browser.post("/plan", data={"agent_id": AGENT, "tz": "Australia/Sydney", "at": "2027-01-05T03:00"})
    assert 'data-inside="no"' in browser.get("/plan").get_data(as_text=True)
    assert browser.post("/schedule").headers["Location"].endswith("/plan")
    assert "outside" in browser.get("/plan").get_data(as_text=True)
    assert BatchClient(api_key=SECRET, base_url=standin).list_batches(AGENT) == []


def test_a_restart_of_the_app_schedules_the_same_contacts_only_once(standin, tmp_path):
    """Two starts (new secret, new sessions) on one ledger: the second press of the same file resumes the batch."""
    seen = []
    for _ in range(2):
        browser = Browser(make_app(standin, tmp_path))
        upload(browser)
        browser.post("/plan", data={"agent_id": AGENT, "tz": "UTC", "outside": "allow"})
        assert browser.post("/schedule").status_code == 302
        seen.append([batch["batch_id"] for batch in browser.get("/progress.json").json["batches"]])
    assert seen[0] == seen[1]
    api = BatchClient(api_key=SECRET, base_url=standin)
    assert [batch.batch_id for batch in api.list_batches(AGENT)] == seen[0]


def test_an_unexpected_failure_is_one_line_on_the_page_and_in_the_log(standin, tmp_path, monkeypatch, caplog):
    import uploader.app.routes

    def broken(workspace):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(uploader.app.routes, "run_check", broken)
    browser = Browser(make_app(standin, tmp_path))
    answer = upload(browser)
    assert answer.status_code == 500
    assert "RuntimeError: the disk went away" in answer.get_data(as_text=True)
    lines = [record.getMessage() for record in caplog.records if record.name == "uploader.app"]
    assert lines == ["POST /upload failed: RuntimeError: the disk went away"]
    assert "Traceback" not in caplog.text


def test_redials_give_the_worst_case_cost_and_go_to_the_batch(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser)
    form = {"agent_id": AGENT, "tz": "UTC", "outside": "allow", "cost_per_minute": "0.1", "retries": "2"}
    browser.post("/plan", data=form)
    page = browser.get("/plan").get_data(as_text=True)
    cost = float(re.search(r'data-cost="([\d.]+)"', page).group(1))
    assert float(re.search(r'data-cost-max="([\d.]+)"', page).group(1)) == pytest.approx(cost * 3)
    assert "2 rows called, 1 skipped (too_short 1)" in " ".join(
        page.split()
    )  # every row's fate, from the preview
    preview = browser.get("/download/preview").get_data(as_text=True)
    assert preview.splitlines()[0] == "line,contact_number,fate,reason,part,local_start,time_zones"
    browser.post("/schedule")
    [batch] = BatchClient(api_key=SECRET, base_url=standin).list_batches(AGENT)
    assert batch.raw["retry_config"]["max_retries"] == 2
    browser.post("/plan", data={**form, "retries": "7"})
    assert "--retries must be 0" in browser.get("/plan").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("name,phone\nJosé,+91 98765 43210\nRené,98765 43211\n".encode("cp1252"), "José"),
        (
            "name,phone\nJosé,+91 98765 43210\nRené,98765 43211\nBad\xff,+49 151 23456789\n".encode(
                "utf-8", "surrogateescape"
            ).replace(b"\xc3\xbf", b"\xff"),
            "José",
        ),
    ],
    ids=["cp1252", "damaged-utf8"],
)
def test_a_correction_keeps_every_other_byte_of_the_file(standin, tmp_path, data, name):
    browser = Browser(make_app(standin, tmp_path))
    browser.post("/upload", data={"file": (io.BytesIO(data), "list.csv")}, content_type="multipart/form-data")
    before = browser.get("/check").get_data(as_text=True)
    reasons = re.findall(r'data-reason="(\w+)"', before)
    browser.post("/recheck", data={"fix-3": "+91 98765 43211"})
    page = browser.get("/check").get_data(as_text=True)
    assert re.findall(r'data-reason="(\w+)"', page) == [reason for reason in reasons if reason != "too_short"]
    assert figure(page, "clean") == 2
    assert name in browser.get("/download/clean").get_data(as_text=True)


def test_changing_the_phone_column_drops_the_corrections_typed_for_the_other_one(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    text = "name,phone,mobile\nAsha,12345,+91 98765 43210\nLena,+49 151 23456789,+49 151 23456780\n"
    upload(browser, text)
    browser.post("/columns", data={"column": "phone", "region_column": "-", "region": ""})
    browser.post("/recheck", data={"fix-2": "+44 7911 123456"})
    assert figure(browser.get("/check").get_data(as_text=True), "clean") == 2
    browser.post("/columns", data={"column": "mobile", "region_column": "-", "region": ""})
    browser.post("/recheck", data={})
    clean = browser.get("/download/clean").get_data(as_text=True)
    assert "+919876543210,Asha" in clean  # Asha's own mobile, not the number typed for her phone cell
    assert "+447911123456" not in clean


def test_a_press_from_a_tab_showing_an_older_plan_schedules_nothing(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser, "name,phone\nAsha,+91 98765 43210\n")
    browser.post("/plan", data={"agent_id": AGENT, "tz": "UTC", "outside": "allow"})
    first_tab = browser.get("/plan").get_data(as_text=True)
    shown = re.search(r'name="plan" value="([^"]+)"', first_tab).group(1)
    upload(browser, "name,phone\nLena,+49 151 23456789\nMia,+61 412 345 678\n")  # the second tab
    browser.post("/plan", data={"agent_id": AGENT, "tz": "UTC", "outside": "allow"})
    answer = browser.post("/schedule", data={"plan": shown})
    assert answer.headers["Location"].endswith("/plan")
    assert "plan changed" in browser.get("/plan").get_data(as_text=True)
    assert BatchClient(api_key=SECRET, base_url=standin).list_batches(AGENT) == []
    current = re.search(r'name="plan" value="([^"]+)"', browser.get("/plan").get_data(as_text=True)).group(1)
    assert browser.post("/schedule", data={"plan": current}).headers["Location"].endswith("/progress")
    assert len(BatchClient(api_key=SECRET, base_url=standin).list_batches(AGENT)) == 1


@pytest.mark.parametrize(
    "name", ["a" * 300 + ".csv", "b" * 250 + ".csv", "क" * 84 + ".csv"], ids=["300", "250", "devanagari"]
)
def test_a_long_file_name_is_checked_like_any_other(standin, tmp_path, name):
    browser = Browser(make_app(standin, tmp_path))
    answer = upload(browser, "name,phone\nAsha,+91 98765 43210\nBob,12345\n", name=name)
    assert answer.headers["Location"].endswith("/check")
    assert browser.post("/recheck", data={"fix-3": "+49 151 23456789"}).status_code == 302
    page = browser.get("/check").get_data(as_text=True)
    assert figure(page, "clean") == 2 and figure(page, "rejected") == 0


def test_a_suppression_list_with_a_long_file_name_is_taken(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser)
    before = figure(browser.get("/check").get_data(as_text=True), "clean")
    answer = browser.post(
        "/suppression",
        data={"suppress": (io.BytesIO(b"+49 151 23456789\n"), "d" * 300 + ".txt")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    assert figure(browser.get("/check").get_data(as_text=True), "clean") == before - 1


def test_the_check_page_names_the_apps_own_control_not_a_command_line_option(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    upload(browser, "name,phone\nAsha,98765 43210\nRavi,0049 151\n")
    page = browser.get("/check").get_data(as_text=True)
    assert figure(page, "rejected") == 2
    assert "--region" not in page
    assert "choose a default region or a country column" in page  # the national number's hint
