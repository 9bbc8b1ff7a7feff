"""uploader run and calling hours: the refusal, --allow-outside-hours, --split-by-window end to end, and
the stand-in's agent guardrails (rescheduled, unless bypassed)."""

import json
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import AGENT_ID, API_KEY, operations, uploader

import csvtools
from uploader import BatchClient

# India, New York, London, a Sydney landline and an Australian mobile (every zone of the country).
MIXED = """name,phone
Aarav,+91 98765 43210
Diya,+91 98123 45678
Liam,+1 212 555 0143
Oliver,+44 20 7946 0018
Chloe,+61 2 9374 4000
Jack,+61 412 345 678
"""
WINDOW = (time(9), time(21))  # no built-in rule of these countries is stricter (the US one opens at 08:00)


def _tomorrow_at(hour, minute):
    """A start the stand-in accepts (ahead of the real clock): tomorrow at this UTC time."""
    day = datetime.now(timezone.utc).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


# 14:03 UTC starts at 14:10: evening in India, morning in New York, afternoon in London, night in Australia.
AT = _tomorrow_at(14, 3).isoformat()


@pytest.fixture
def guarded(standin_factory, monkeypatch):
    """A very fast stand-in whose agent has calling guardrails of 09:00-21:00."""
    url = standin_factory(speed=500_000, control=True, agent_calling_hours="09:00-21:00")
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", API_KEY)
    monkeypatch.setenv("BOLNA_AGENT_ID", AGENT_ID)
    return url


@pytest.fixture
def mixed(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    return path


def _inside(number, moment):
    """Whether ``moment`` is inside the window in every candidate zone of ``number``."""
    opens, closes = WINDOW
    return all(
        opens <= moment.astimezone(ZoneInfo(zone)).time() < closes for zone in csvtools.time_zones_for(number)
    )


def test_run_refuses_rows_outside_the_default_hours_before_anything_is_created(
    guarded, mixed, tmp_path, monkeypatch
):
    monkeypatch.delenv("UPLOADER_CALLING_HOURS")  # the default window, as a user gets it
    (tmp_path / "out").mkdir()
    result = uploader("run", mixed, "--at", AT, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "2 of 6 rows would be called outside their calling hours (09:00-21:00" in result.stderr
    assert "AU Australia/Sydney: 1 row" in result.stderr and "AU Australia/Adelaide" in result.stderr
    assert "--split-by-window" in result.stderr
    assert not {"create", "schedule"} & set(operations(guarded))
    assert not list((tmp_path / "out").glob("*.part-*.csv"))


def test_calling_hours_any_and_allow_outside_hours_upload_one_batch(guarded, mixed, tmp_path):
    result = uploader(
        "run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--allow-outside-hours", "--json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["parts"] == []
    assert "2 of 6 rows will be called outside" in result.stderr
    assert operations(guarded).count("create") == 1

    other = tmp_path / "other.csv"
    other.write_text(MIXED.replace("Aarav", "Anaya"), encoding="utf-8")
    assert uploader("run", other, "--at", AT, "--calling-hours", "any").exit_code == 0
    assert operations(guarded).count("create") == 2


def test_split_by_window_calls_every_contact_inside_its_hours(guarded, mixed, tmp_path):
    before = mixed.read_bytes()
    (tmp_path / "out").mkdir()
    result = uploader(
        "run",
        mixed,
        "--at",
        AT,
        "--calling-hours",
        "09:00-21:00",
        "--split-by-window",
        "--out-dir",
        tmp_path / "out",
        "--wait",
        "--interval",
        "0.02",
        "--results",
        tmp_path / "calls.csv",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    parts = json.loads(result.stdout)["parts"]
    # India, New York and London now; the Sydney landline at 09:00 Sydney; the mobile once every zone is open.
    assert [part["rows"] for part in parts] == [4, 1, 1]
    assert parts[1]["time_zones"] == ["Australia/Sydney"]
    assert [part["clean_path"] for part in parts] == [
        str(tmp_path / "out" / f"mixed.clean.part-{index}.csv") for index in (1, 2, 3)
    ]
    assert mixed.read_bytes() == before
    assert len({part["batch_id"] for part in parts}) == 3 and operations(guarded).count("create") == 3

    client = BatchClient()
    seen = set()
    for part in parts:
        batch = client.get_batch(part["batch_id"])
        start = datetime.fromisoformat(batch.scheduled_at.replace("Z", "+00:00"))
        assert start == datetime.fromisoformat(part["start"])
        assert batch.status == "completed"
        for call in client.iter_executions(part["batch_id"]):
            assert _inside(call.to_number, start), (call.to_number, start)
            assert call.status != "rescheduled"  # the stand-in's guardrails agree
            seen.add(call.to_number)
    assert len(seen) == 6
    assert len((tmp_path / "calls.csv").read_text(encoding="utf-8").splitlines()) == 7


def test_one_batch_outside_the_hours_gets_rescheduled_calls_where_the_split_gets_none(guarded, mixed):
    result = uploader(
        "run",
        mixed,
        "--at",
        AT,
        "--calling-hours",
        "09:00-21:00",
        "--allow-outside-hours",
        "--wait",
        "--interval",
        "0.02",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    batch_id = json.loads(result.stdout)["batch_id"]
    calls = {call.to_number: call.status for call in BatchClient().iter_executions(batch_id)}
    assert calls["+61293744000"] == calls["+61412345678"] == "rescheduled"
    assert calls["+442079460018"] != "rescheduled"


def test_rerunning_a_split_resumes_every_part_and_creates_nothing(guarded, mixed, tmp_path):
    first = uploader(
        "run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--split-by-window", "--json"
    )
    assert first.exit_code == 0, first.stderr
    requests.delete(f"{guarded}/_standin/requests", timeout=10)

    # 22:03 UTC: a fresh split would put New York with Sydney (new bytes, a second call); the recorded one holds.
    later = (datetime.fromisoformat(AT) + timedelta(hours=8)).isoformat()
    again = uploader(
        "run", mixed, "--at", later, "--calling-hours", "09:00-21:00", "--split-by-window", "--json"
    )
    assert again.exit_code == 0, again.stderr
    assert not {"create", "schedule"} & set(operations(guarded))
    before, after = json.loads(first.stdout)["parts"], json.loads(again.stdout)["parts"]
    assert [p["batch_id"] for p in after] == [p["batch_id"] for p in before] and len(after) == 3
    assert all(part["resumed"] for part in after) and not any(part["resumed"] for part in before)


def test_a_part_interrupted_before_its_schedule_is_scheduled_on_the_rerun(guarded, mixed, tmp_path):
    requests.post(
        f"{guarded}/_standin/faults", json={"script": ["schedule:500"] * 8, "retry_after": 0}, timeout=10
    )
    failed = uploader("run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--split-by-window")
    assert failed.exit_code == 1
    requests.post(f"{guarded}/_standin/faults", json={"retry_after": 0}, timeout=10)
    again = uploader(
        "run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--split-by-window", "--json"
    )
    assert again.exit_code == 0, again.stderr
    parts = json.loads(again.stdout)["parts"]
    assert [part["status"] for part in parts] == ["scheduled"] * 3
    assert operations(guarded).count("create") == 3


def _one_batch(url, tmp_path, numbers, *schedule_options):
    path = tmp_path / "few.csv"
    path.write_text("contact_number\n" + "\n".join(numbers) + "\n", encoding="utf-8")
    created = uploader("create", path, "--json")
    batch_id = json.loads(created.stdout)["batch_id"]
    scheduled = uploader("schedule", batch_id, "--at", AT, *schedule_options)
    assert scheduled.exit_code == 0, scheduled.stderr
    client = BatchClient()
    client.wait(batch_id, interval=0.02, timeout=60)
    return {call.to_number: call for call in client.iter_executions(batch_id)}


def test_standin_reschedules_a_call_outside_the_agents_hours_to_the_next_start_hour(guarded, tmp_path):
    calls = _one_batch(guarded, tmp_path, ["+61293744000", "+442079460018"])
    sydney = calls["+61293744000"]
    assert sydney.status == "rescheduled"
    start = datetime.fromisoformat(AT).replace(minute=10).astimezone(ZoneInfo("Australia/Sydney"))
    day = start.date() if start.time() < time(9) else start.date() + timedelta(days=1)
    next_start = datetime.combine(day, time(9), ZoneInfo("Australia/Sydney")).astimezone(timezone.utc)
    assert sydney.raw["error_message"] == (
        f"Outside the agent's calling hours; rescheduled to {next_start:%Y-%m-%dT%H:%M:%S.%fZ}"
    )
    assert sydney.raw["total_cost"] == 0 and sydney.raw["conversation_duration"] == 0
    assert calls["+442079460018"].status != "rescheduled"


def test_standin_bypass_call_guardrails_places_the_call(guarded, tmp_path):
    calls = _one_batch(guarded, tmp_path, ["+61293744000", "+442079460018"], "--bypass-guardrails")
    assert {call.status for call in calls.values()} & {"rescheduled"} == set()


def test_standin_without_agent_hours_never_reschedules(standin_factory, monkeypatch, tmp_path):
    url = standin_factory(speed=500_000)
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", API_KEY)
    monkeypatch.setenv("BOLNA_AGENT_ID", AGENT_ID)
    calls = _one_batch(url, tmp_path, ["+61293744000"])
    assert calls["+61293744000"].status != "rescheduled"


@pytest.mark.parametrize("hours", ["21:00-09:00", "9-5", "nine"], ids=["reversed", "no-minutes", "words"])
def test_standin_refuses_bad_agent_hours(standin_factory, hours):
    with pytest.raises(ValueError, match="agent calling hours"):
        standin_factory(agent_calling_hours=hours)


def test_a_scheduled_batch_is_followed_on_a_rerun_without_a_new_refusal(guarded, mixed):
    """Its calls were committed by the first run; a re-run that only follows it is not refused."""
    first = uploader(
        "run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--allow-outside-hours", "--json"
    )
    assert first.exit_code == 0, first.stderr
    again = uploader("run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["batch_id"] == json.loads(first.stdout)["batch_id"]
    assert operations(guarded).count("create") == 1


# (number, the start asked for in the number's local time, --calling-hours, the opening in local time)
OPENINGS = [
    ("+33612345678", "2026-12-07T12:55", None, "2026-12-07T14:00"),  # France: the lunch break
    ("+33612345678", "2026-12-11T20:05", None, "2026-12-14T10:00"),  # France: never at weekends
    ("+12125550143", "2026-12-07T07:31", None, "2026-12-07T09:00"),  # the rule never widens the window
    ("+12125550143", "2026-12-07T07:31", "07:00-22:00", "2026-12-07T08:00"),  # the US rule opens at 08:00
    ("+12125550143", "2026-12-07T07:31", "10:00-18:00", "2026-12-07T10:00"),
    ("+442079460018", "2026-12-07T20:59", None, "2026-12-08T09:00"),  # the last call would be after 21:00
    ("+442079460018", "2026-12-07T10:01", None, "2026-12-07T10:10"),  # rounded up to 10 minutes
]


@pytest.mark.parametrize(
    "number, local, hours, expected",
    OPENINGS,
    ids=["fr-lunch", "fr-weekend", "us-default", "us-rule", "window", "gb-late", "rounding"],
)
def test_opening_of_a_group(tmp_path, number, local, hours, expected):
    from uploader.safety.plan import plan_calls, split_by_window

    path = tmp_path / "one.csv"
    path.write_text(f"phone\n{number}\n", encoding="utf-8")
    zone = ZoneInfo(csvtools.time_zones_for(number)[0])
    at = datetime.fromisoformat(local).replace(tzinfo=zone)
    plan = plan_calls(path, at=at, calling_hours=hours, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert (
        plan.opening(plan.groups, plan.requested).astimezone(zone).isoformat(timespec="minutes")[:16]
        == expected
    )
    assert [part.start for part in split_by_window(plan)] == [plan.opening(plan.groups, plan.requested)]


def test_a_number_without_a_zone_has_no_opening(tmp_path):
    from uploader.errors import OutsideCallingHoursError
    from uploader.safety.plan import plan_calls, split_by_window

    path = tmp_path / "free.csv"
    path.write_text("phone\n+80012345678\n+442079460018\n", encoding="utf-8")
    plan = plan_calls(path, at="2026-12-07T10:00:00+00:00", now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    with pytest.raises(
        OutsideCallingHoursError, match="1 row has no opening in its calling hours within 8 days: 001 "
    ):
        split_by_window(plan)


def test_groups_that_open_together_but_do_not_fit_together_are_split(tmp_path):
    """14:40 UTC is 20:10 in India: 200 calls (20 rounds of 10, 40 min) fit before 21:00, 300 do not.
    So the 100 London calls go ten minutes later, rather than everyone the next day."""
    from uploader.safety.plan import plan_calls, split_by_window

    numbers = [f"+9198765{i:05d}" for i in range(200)] + [f"+447911{i:06d}" for i in range(100)]
    path = tmp_path / "two.csv"
    path.write_text("phone\n" + "\n".join(numbers) + "\n", encoding="utf-8")
    plan = plan_calls(path, at="2026-12-07T14:33:00+00:00", now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert plan.report.clean == 300 and plan.rows_outside == 200  # as one batch, India ends after 21:00
    parts = split_by_window(plan)
    assert [(part.start.isoformat(), [g.country for g in part.groups], part.rows) for part in parts] == [
        ("2026-12-07T14:40:00+00:00", ["IN"], 200),
        ("2026-12-07T14:50:00+00:00", ["GB"], 100),
    ]


def test_a_refusal_names_the_largest_groups_and_counts_the_rest(tmp_path):
    from uploader.safety.plan import describe_groups, plan_calls

    numbers = (
        [f"+61293{i:06d}" for i in range(3)]
        + ["+61412345678"]
        + [f"+8190{i:08d}" for i in range(2)]
        + ["+85291234567"]
        + ["+6591234567"]
    )
    path = tmp_path / "asia.csv"
    path.write_text("phone\n" + "\n".join(numbers) + "\n", encoding="utf-8")
    plan = plan_calls(path, at="2026-12-07T15:03:00+00:00", now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    outside = sorted(plan.outside, key=lambda group: -group.rows)
    assert len(outside) >= 4 and outside[0].rows == 3
    rest = sum(group.rows for group in outside[2:])
    text = describe_groups(plan.outside, most=2)
    assert text.startswith("AU Australia/Sydney: 3 rows; ") and text.count(";") == 2, text
    assert text.endswith(f"; and {len(outside) - 2} more groups: {rest} rows"), text


def _contacts_by_batch():
    """Every batch of the agent, followed to its end, with the numbers it called."""
    client = BatchClient()
    return {
        b.batch_id: [
            call.to_number for call in client.iter_executions(client.wait(b.batch_id, interval=0.02).batch_id)
        ]
        for b in client.list_batches(AGENT_ID)
    }


@pytest.mark.parametrize("lose", ["manifest", "out-dir"])
def test_a_split_rerun_without_its_manifest_books_no_contact_twice(guarded, tmp_path, lose):
    """#25 item 2: manifest gone (or another --out-dir), another --at: 6 batches held 11 contacts for 7 people."""
    seven = tmp_path / "seven.csv"
    seven.write_text(MIXED + "Yui,+81 3 1234 5678\n", encoding="utf-8")
    first = uploader(
        "run", seven, "--at", AT, "--calling-hours", "09:00-21:00", "--split-by-window", "--json"
    )
    assert first.exit_code == 0, first.stderr
    options = []
    if lose == "manifest":
        (tmp_path / "seven.clean.parts.json").unlink()
    else:
        (tmp_path / "elsewhere").mkdir()
        options = ["--out-dir", tmp_path / "elsewhere"]
    for hours in (8, 3):
        later = (datetime.fromisoformat(AT) + timedelta(hours=hours)).isoformat()
        again = uploader(
            "run",
            seven,
            "--at",
            later,
            "--calling-hours",
            "09:00-21:00",
            "--split-by-window",
            "--json",
            *options,
        )
        assert again.exit_code == 0, again.stderr
    called = [number for numbers in _contacts_by_batch().values() for number in numbers]
    assert len(called) == 7 and len(set(called)) == 7, called
    before, after = json.loads(first.stdout)["parts"], json.loads(again.stdout)["parts"]
    assert sorted(p["batch_id"] for p in after) == sorted(p["batch_id"] for p in before)
    assert all(part["resumed"] for part in after)


@pytest.mark.parametrize("hours", ["09:00-21:00", "any"])
def test_a_split_rerun_without_split_by_window_resumes_the_parts_rather_than_one_new_batch(
    guarded, mixed, hours
):
    first = uploader(
        "run", mixed, "--at", AT, "--calling-hours", "09:00-21:00", "--split-by-window", "--json"
    )
    assert first.exit_code == 0, first.stderr
    later = (datetime.fromisoformat(AT) + timedelta(hours=1)).isoformat()
    again = uploader("run", mixed, "--at", later, "--calling-hours", hours, "--allow-outside-hours", "--json")
    assert again.exit_code == 0, again.stderr
    assert operations(guarded).count("create") == 3
    after = json.loads(again.stdout)["parts"]
    assert [p["batch_id"] for p in after] == [p["batch_id"] for p in json.loads(first.stdout)["parts"]]
