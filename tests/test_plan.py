"""uploader plan: each group's local time at the batch's real start, and whether it is inside the calling hours."""

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import phonenumbers.timezone
import pytest
from click.testing import CliRunner

import csvtools
from csvtools.numbers import reference
from uploader.cli import cli
from uploader.safety.plan import api_start, plan_calls

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # a Tuesday
MONDAY = datetime(2026, 12, 7, tzinfo=timezone.utc)

MIXED = """name,phone
Aarav,+91 98765 43210
Diya,+91 98123 45678
Kabir,+91 87654 32109
Liam,+1 212 555 0143
Emma,+1 347 555 0199
Oliver,+44 20 7946 0018
Ivan,+7 916 123 45 67
Jack,+61 412 345 678
Bad,12
"""


@pytest.fixture
def mixed(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED, encoding="utf-8")
    return path


def test_groups_of_a_mixed_file_at_a_start_inside_for_some(mixed):
    """Monday 14:03 UTC starts at 14:10: evening in India, morning in New York, afternoon in London;
    night in part of Russia and of Australia (mobiles: every zone of the country)."""
    plan = plan_calls(mixed, at=MONDAY.replace(hour=14, minute=3), now=NOW)
    assert plan.start == MONDAY.replace(hour=14, minute=10)
    assert plan.last_call == plan.start + timedelta(seconds=120)  # 8 rows, 10 at once, 120 s a call
    groups = {group.country: group for group in plan.groups}
    assert {country: (group.rows, group.inside) for country, group in groups.items()} == {
        "IN": (3, True),
        "US": (2, True),
        "GB": (1, True),
        "RU": (1, False),
        "AU": (1, False),
    }
    assert groups["IN"].time_zones == ("Asia/Calcutta",)
    assert groups["IN"].local_start.isoformat() == "2026-12-07T19:40:00+05:30"
    assert groups["US"].local_start.isoformat() == "2026-12-07T09:10:00-05:00"
    assert groups["US"].rule == "47 CFR §64.1200(c)(1)"
    assert groups["GB"].local_last_call.isoformat() == "2026-12-07T14:12:00+00:00"
    russia = {check.zone: check.inside for check in groups["RU"].zones}
    assert russia["Europe/Moscow"] and not russia["Asia/Kamchatka"]  # inside only if inside in every zone
    australia = {check.zone: check.inside for check in groups["AU"].zones}
    assert len(australia) > 1 and not australia["Australia/Sydney"] and australia["Indian/Cocos"]
    assert plan.rows_outside == 2
    assert plan.report.rejected == 1 and plan.report.clean == 8


# (number, local start in the number's zone, --calling-hours, --calling-rules, --avg-call-seconds, inside?)
WINDOW_RULES = [
    ("+12125550143", "2026-12-07T08:30", "08:00-21:00", "builtin", 120, True),
    ("+12125550143", "2026-12-07T07:30", "07:00-22:00", "builtin", 120, False),
    ("+12125550143", "2026-12-07T07:30", "07:00-22:00", "none", 120, True),
    ("+12125550143", "2026-12-07T08:30", None, "builtin", 120, False),
    ("+33612345678", "2026-12-07T10:30", None, "builtin", 120, True),
    ("+33612345678", "2026-12-07T13:30", None, "builtin", 120, False),
    ("+33612345678", "2026-12-07T12:50", None, "builtin", 900, False),
    ("+33612345678", "2026-12-05T11:00", None, "builtin", 120, False),
    ("+33612345678", "2026-12-05T11:00", None, "none", 120, True),
    ("+14165550123", "2026-12-05T17:00", None, "builtin", 120, True),
    ("+14165550123", "2026-12-05T18:30", None, "builtin", 120, False),
    ("+442079460018", "2026-12-07T20:50", None, "builtin", 900, False),
    ("+442079460018", "2026-12-07T20:50", None, "builtin", 600, True),
    ("+442079460018", "2026-12-07T03:00", "any", "builtin", 120, True),
    ("+919876543210", "2026-12-07T09:00", None, "builtin", 120, True),
]


@pytest.mark.parametrize(
    "number, local, hours, rules, avg, inside",
    WINDOW_RULES,
    ids=[
        "us-0830-rule-allows",
        "us-0730-rule-refuses",
        "us-0730-rules-none",
        "us-0830-default-hours",
        "fr-morning",
        "fr-lunch",
        "fr-call-runs-into-lunch",
        "fr-saturday",
        "fr-saturday-rules-none",
        "ca-saturday-1700",
        "ca-saturday-after-1800",
        "gb-last-call-after-2100",
        "gb-last-call-at-2100",
        "gb-any-hours",
        "in-0900-opening",
    ],
)
def test_calling_windows(tmp_path, number, local, hours, rules, avg, inside):
    path = tmp_path / "one.csv"
    path.write_text(f"phone\n{number}\n", encoding="utf-8")
    zone = ZoneInfo(csvtools.time_zones_for(number)[0])
    at = datetime.fromisoformat(local).replace(tzinfo=zone)
    plan = plan_calls(path, at=at, calling_hours=hours, calling_rules=rules, avg_call_seconds=avg, now=NOW)
    assert plan.start == at  # on a 10-minute mark already
    [group] = plan.groups
    assert group.inside is inside


@pytest.mark.parametrize(
    "asked, starts",
    [
        ("2026-12-07T10:00:00+00:00", "2026-12-07T10:00:00+00:00"),
        ("2026-12-07T10:00:01+00:00", "2026-12-07T10:10:00+00:00"),
        ("2026-12-07T10:09:59+05:30", "2026-12-07T04:40:00+00:00"),
    ],
    ids=["on-the-mark", "just-after", "offset"],
)
def test_the_api_rounds_the_start_up_to_ten_minutes(asked, starts):
    assert api_start(datetime.fromisoformat(asked)).isoformat() == starts


def test_an_unknown_zone_falls_back_to_every_zone_of_the_country(monkeypatch):
    monkeypatch.setattr(phonenumbers.timezone, "time_zones_for_number", lambda number: ("Etc/Unknown",))
    reference.time_zones_for.cache_clear()
    try:
        assert csvtools.time_zones_for("+447911123456") == (
            "Europe/Guernsey",
            "Europe/Isle_of_Man",
            "Europe/Jersey",
            "Europe/London",
        )
        assert csvtools.time_zones_for("+80012345678") == ("Etc/Unknown",)
    finally:
        reference.time_zones_for.cache_clear()


def test_a_number_of_no_zone_is_never_inside(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("phone\n+80012345678\n", encoding="utf-8")
    [group] = plan_calls(path, at=MONDAY.replace(hour=12), now=NOW).groups
    assert group.time_zones == ("Etc/Unknown",) and group.inside is False and group.local_start is None


def test_cli_plan_json_has_groups_and_the_report(mixed):
    at = (datetime.now(timezone.utc) + timedelta(days=8)).replace(microsecond=0).isoformat()
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(mixed),
            "--agent-id",
            "a",
            "--at",
            at,
            "--json",
            "--concurrency",
            "2",
            "--avg-call-seconds",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sum(group["rows"] for group in data["groups"]) == data["report"]["clean"] == 8
    assert {"time_zones", "rows", "local_start", "local_last_call", "inside"} <= set(data["groups"][0])
    start, last = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["last_call"])
    assert last - start == timedelta(seconds=4 * 60)  # 8 rows, 2 at once, 60 s a call
    assert data["report"]["by_reason"] == {"not_a_number": 1}


def test_cli_plan_text_and_bad_hours(mixed):
    at = (datetime.now(timezone.utc) + timedelta(days=8)).replace(microsecond=0).isoformat()
    result = CliRunner().invoke(cli, ["plan", str(mixed), "--agent-id", "a", "--at", at])
    assert result.exit_code == 0, result.output
    assert "rows would be called outside their calling hours" in result.stdout
    result = CliRunner().invoke(
        cli, ["plan", str(mixed), "--agent-id", "a", "--at", at, "--calling-hours", "9-5"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "uploader: calling hours are HH:MM-HH:MM (e.g. 09:00-21:00) or 'any', not '9-5'"
    ]


def test_plan_writes_nothing_beside_the_file(mixed):
    plan = plan_calls(mixed, at=MONDAY.replace(hour=12), now=NOW)
    assert sorted(path.name for path in mixed.parent.iterdir()) == ["mixed.csv"]
    assert plan.report.clean_path is None and plan.report.rejects_path is None


def test_plan_reads_the_calling_hours_run_reads_from_the_environment(mixed):
    """plan shows what run would do: the same UPLOADER_CALLING_HOURS, unless --calling-hours says otherwise."""
    at = (datetime.now(timezone.utc) + timedelta(days=8)).replace(microsecond=0).isoformat()
    command = ["plan", str(mixed), "--agent-id", "a", "--at", at, "--json", "--concurrency", "2"]
    environment = {"UPLOADER_CALLING_HOURS": "10:00-18:00"}
    result = CliRunner().invoke(cli, command, env=environment)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["calling_hours"] == "10:00-18:00"
    result = CliRunner().invoke(cli, [*command, "--calling-hours", "any"], env=environment)
    assert json.loads(result.stdout)["calling_hours"] == "any"
