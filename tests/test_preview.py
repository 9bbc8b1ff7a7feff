"""Issue 23: ``uploader plan --preview``, every input row's fate, the same decisions ``run`` then makes."""

import csv
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import AGENT_ID, API_KEY, uploader

from uploader.safety.preview import PREVIEW_COLUMNS, preview_plan

CONTACTS = (
    "contact_number,name\n"
    "+12025550143,New York\n"  # 2
    '+919876543210,"Two\nlines"\n'  # 3-4: one record over two lines
    "+1 202 555 0143,again\n"  # 5: duplicate of line 2
    "not a number,x\n"  # 6
    ",\n"  # 7: blank, counted, no row
    "+447911123456,London\n"  # 8
    '"=HYPERLINK(""http://x"")",formula\n'  # 9
    "+449098790000,premium\n"  # 10: premium rate, not allowed by default
    "+447400123456,on the list\n"  # 11: suppressed
    "+61412345678,Sydney\n"  # 12: 01:00 in Sydney at the start
)


def next_monday_1400_utc():
    today = datetime.now(timezone.utc).replace(hour=14, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 + (7 - today.weekday()) % 7)  # a Monday at least a week ahead


@pytest.fixture
def contacts(tmp_path):
    (tmp_path / "dnc.txt").write_text("+447400123456\n", encoding="utf-8")
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS, encoding="utf-8")
    return path


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_the_preview_has_one_row_per_input_row_in_order_with_its_fate(contacts, tmp_path, monkeypatch):
    monkeypatch.delenv("UPLOADER_CALLING_HOURS")  # the default window, as a user gets it
    at = next_monday_1400_utc()
    shown = uploader(
        "plan",
        contacts,
        "--agent-id",
        AGENT_ID,
        "--at",
        at.isoformat(),
        "--suppress",
        tmp_path / "dnc.txt",
        "--preview",
        tmp_path / "fates.csv",
    )
    assert shown.exit_code == 0, shown.stderr
    rows = read(tmp_path / "fates.csv")
    assert tuple(rows[0]) == PREVIEW_COLUMNS
    fates = [(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows[1:]]
    assert fates == [
        (2, "+12025550143", "call", "", "1"),
        (3, "+919876543210", "call", "", "1"),
        (5, "+1 202 555 0143", "skip", "duplicate", ""),
        (6, "not a number", "skip", "not_a_number", ""),
        (8, "+447911123456", "call", "", "1"),
        (9, '\'=HYPERLINK("http://x")', "skip", "not_a_number", ""),  # made inert, as in the results file
        (10, "+449098790000", "skip", "disallowed_type", ""),
        (11, "+447400123456", "skip", "suppressed", ""),
        (12, "+61412345678", "skip", "outside_hours", ""),
    ]
    by_line = {int(r[0]): r for r in rows[1:]}
    new_york = at.astimezone(ZoneInfo("America/New_York"))
    assert by_line[2][5:] == [new_york.isoformat(timespec="minutes"), "America/New_York"]  # 09:00 there
    sydney = datetime.fromisoformat(by_line[12][5])  # its next opening, in its earliest zone
    assert sydney > at and 9 <= sydney.hour < 21
    assert "Australia/Sydney" in by_line[12][6].split(" ") and by_line[6][5:] == ["", ""]
    assert "3 rows would be called, 6 skipped" in shown.stdout


def test_the_preview_says_what_run_then_uploads_part_by_part(
    contacts, tmp_path, standin_factory, monkeypatch
):
    url = standin_factory(speed=3000, control=True)
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", API_KEY)
    at = next_monday_1400_utc().isoformat()
    options = ("--agent-id", AGENT_ID, "--at", at, "--suppress", tmp_path / "dnc.txt")
    options += ("--calling-hours", "09:00-21:00", "--split-by-window")
    planned = uploader("plan", contacts, *options, "--preview", tmp_path / "fates.csv", "--json")
    assert planned.exit_code == 0, planned.stderr
    plan = json.loads(planned.stdout)
    calls = [row for row in read(tmp_path / "fates.csv")[1:] if row[2] == "call"]
    assert [row[0] for row in calls] == ["2", "3", "8", "12"]  # Sydney now waits for its opening

    ran = uploader("run", contacts, *options, "--allow-rejects", "--json")
    assert ran.exit_code == 0, ran.stderr
    parts = json.loads(ran.stdout)["parts"]
    assert len(parts) == len(plan["parts"]) == 2
    for index, (uploaded, planned_part) in enumerate(zip(parts, plan["parts"]), 1):
        numbers = sorted(row[0] for row in read(uploaded["clean_path"])[1:])
        assert numbers == sorted(row[1] for row in calls if row[4] == str(index))
        assert uploaded["start"] == planned_part["start"]
    batches = requests.get(
        f"{url}/batches/{AGENT_ID}/all", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    ).json()
    assert sorted(b["valid_contacts"] for b in batches) == sorted(p["rows"] for p in plan["parts"])


def test_plan_json_gives_the_whole_plan_with_the_expected_cost_and_the_worst_case(contacts, tmp_path):
    at = next_monday_1400_utc().isoformat()
    shown = uploader(
        "plan",
        contacts,
        "--agent-id",
        AGENT_ID,
        "--at",
        at,
        "--calling-hours",
        "any",
        "--retries",
        "3",
        "--cost-per-minute",
        "0.5",
        "--avg-call-seconds",
        "60",
        "--json",
    )
    assert shown.exit_code == 0, shown.stderr
    plan = json.loads(shown.stdout)
    assert plan["fates"] == {
        "call": 5,
        "skip": 4,
        "skipped_by_reason": {"not_a_number": 2, "duplicate": 1, "disallowed_type": 1},
    }
    assert (plan["estimate"]["cost"], plan["estimate"]["cost_max"]) == (2.5, 10.0)  # 5 x 1 x 0.5, x (1 + 3)
    assert plan["groups"] and plan["report"]["rows"] == 10  # the plan as before, the estimate beside it


def test_rows_past_their_attempt_cap_are_skipped_as_the_plan_decides(contacts, tmp_path):
    at = next_monday_1400_utc()
    preview = preview_plan(
        contacts, at=at, calling_hours="any", attempt_caps=lambda path, start: {"+447911123456"}
    )
    row = next(row for row in preview.rows if row.line == 8)
    assert (row.fate, row.reason, row.part) == ("skip", "attempt_cap", None)
    assert preview.estimate.contacts == preview.fates["call"] == 4


@pytest.mark.parametrize("target", ["contacts.csv", "."], ids=["the-input", "a-directory"])
def test_a_preview_that_cannot_be_written_is_refused_before_any_work(contacts, tmp_path, target):
    before = contacts.read_bytes()
    shown = uploader("plan", contacts, "--agent-id", AGENT_ID, "--now", "--preview", tmp_path / target)
    assert shown.exit_code == 2
    assert "Traceback" not in shown.stderr and "preview" in shown.stderr.lower()
    assert contacts.read_bytes() == before


FLORIDA, NEW_YORK = "+13055550123", "+12125550143"


def _us_file(tmp_path, name, *numbers):
    path = tmp_path / name
    path.write_text("phone,name\n" + "".join(f"{n},P{i}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    return path


def test_a_florida_number_at_2030_eastern_is_skipped_outside_hours_beside_a_new_york_number(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("UPLOADER_CALLING_HOURS")  # the default window, as a user gets it
    monday = next_monday_1400_utc().astimezone(ZoneInfo("America/New_York")).replace(hour=20, minute=30)
    shown = uploader(
        "plan", _us_file(tmp_path, "us.csv", FLORIDA, NEW_YORK), "--agent-id", AGENT_ID,
        "--at", monday.isoformat(), "--preview", tmp_path / "fates.csv",
    )  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    rows = {row[1]: row for row in read(tmp_path / "fates.csv")[1:]}
    assert rows[FLORIDA][2:5] == ["skip", "outside_hours", ""]  # the state's 08:00-20:00
    assert datetime.fromisoformat(rows[FLORIDA][5]).hour == 9  # its next opening: the next morning, 09:00
    assert rows[NEW_YORK][2:5] == ["call", "", "1"]  # federal 08:00-21:00
    assert rows[NEW_YORK][5] == monday.isoformat(timespec="minutes")


def test_a_fourth_call_to_a_florida_number_shows_attempt_cap_in_the_preview(api, tmp_path):
    first = next_monday_1400_utc()
    ran = uploader("run", _us_file(tmp_path, "one.csv", FLORIDA), "--at", first.isoformat(), "--retries", "2")
    assert ran.exit_code == 0, ran.stderr  # three calls booked to the Florida number
    later = (first + timedelta(hours=1)).isoformat()
    shown = uploader(
        "plan", _us_file(tmp_path, "two.csv", FLORIDA, NEW_YORK), "--agent-id", AGENT_ID, "--at", later,
        "--calling-hours", "any", "--preview", tmp_path / "fates.csv", "--json",
    )  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    rows = [row[:5] for row in read(tmp_path / "fates.csv")[1:]]
    assert rows == [["2", FLORIDA, "skip", "attempt_cap", ""], ["3", NEW_YORK, "call", "", "1"]]
    assert json.loads(shown.stdout)["estimate"]["contacts"] == 1
