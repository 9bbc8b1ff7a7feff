"""US state rules (FL, OK, MD: 08:00-20:00 and 3 calls a day) in the plan and in uploader run."""

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import operations, uploader

import csvtools
from uploader.safety import state_rules
from uploader.safety.plan import OUTSIDE_HOURS, builtin_rule, plan_calls

EASTERN = ZoneInfo("America/New_York")
FLORIDA, NEW_YORK = "+13055550123", "+12125550143"
PAST = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _weekday_evening(first: date) -> datetime:
    """20:30 Eastern on the first weekday on or after ``first``."""
    while first.weekday() > 4:
        first += timedelta(days=1)
    return datetime(first.year, first.month, first.day, 20, 30, tzinfo=EASTERN)


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text(f"name,phone\nFlo,{FLORIDA}\nNed,{NEW_YORK}\n", encoding="utf-8")
    return path


def test_a_florida_number_at_2030_eastern_on_a_weekday_is_skipped_while_new_york_is_called(two):
    plan = plan_calls(two, at=_weekday_evening(date(2026, 12, 8)), now=PAST)
    by_country = {group.country: group for group in plan.groups}
    assert set(by_country) == {"US-FL", "US"}
    assert not by_country["US-FL"].inside and by_country["US"].inside
    assert plan.fate(FLORIDA) == OUTSIDE_HOURS and plan.fate(NEW_YORK) is None
    assert plan.skipped == {FLORIDA: OUTSIDE_HOURS}
    assert "SB 1120" in by_country["US-FL"].rule and "64.1200" in by_country["US-FL"].rule


def test_without_the_builtin_rules_florida_keeps_the_common_window(two):
    plan = plan_calls(two, at=_weekday_evening(date(2026, 12, 8)), now=PAST, calling_rules="none")
    assert all(group.inside for group in plan.groups) and not plan.skipped
    assert {group.country for group in plan.groups} == {"US-FL", "US"}


@pytest.mark.parametrize(
    "number, states, country, hours",
    [
        (FLORIDA, ("FL",), "US-FL", ("08:00", "20:00")),
        ("+14055550123", ("OK",), "US-OK", ("08:00", "20:00")),
        ("+14105550123", ("MD",), "US-MD", ("08:00", "20:00")),
        (NEW_YORK, ("NY",), "US", ("08:00", "21:00")),
        ("+14165550123", ("ON",), "CA", ("09:00", "21:30")),  # Canada keeps the CRTC hours
        ("+18005550123", (), "US", ("08:00", "21:00")),  # toll-free: no place, federal hours
    ],
    ids=["florida", "oklahoma", "maryland", "new-york", "ontario", "toll-free"],
)
def test_the_state_of_a_number_and_its_weekday_hours(number, states, country, hours):
    assert state_rules.states_of(number) == states
    region = csvtools.normalize_number(number).region
    assert state_rules.jurisdiction_of(number, region) == country
    (opens, closes), *_ = builtin_rule(country).intervals(1)
    assert (f"{opens:%H:%M}", f"{closes:%H:%M}") == hours


def test_an_area_code_that_spans_states_takes_every_rule_in_it(monkeypatch):
    monkeypatch.setattr(state_rules.csvtools, "places_for", lambda number: ("Albany, GA", "Florida"))
    assert state_rules.states_of("+12295550123") == ("FL", "GA")
    assert state_rules.jurisdiction_of("+12295550123", "US") == "US-FL"
    monkeypatch.setattr(state_rules.csvtools, "places_for", lambda number: ("Bethesda, MD", "Tulsa, OK"))
    assert state_rules.jurisdiction_of("+12295550123", "US") == "US-MD+US-OK"
    assert (
        "Spam Calls" in builtin_rule("US-MD+US-OK").source
        and "Oklahoma" in builtin_rule("US-MD+US-OK").source
    )


def test_every_rule_names_its_source_and_year():
    assert {rule.state for rule in state_rules.STATE_RULES} == {"FL", "OK", "MD"}
    for rule in state_rules.STATE_RULES:
        assert rule.source and 2021 <= rule.year <= 2023 and rule.max_calls_per_day == 3
        assert (rule.opens, rule.closes) == ("08:00", "20:00")


def test_run_at_2030_eastern_refuses_florida_and_a_split_calls_new_york_now_and_florida_at_8(
    api, two, monkeypatch
):
    monkeypatch.delenv("UPLOADER_CALLING_HOURS")
    evening = _weekday_evening(datetime.now(timezone.utc).date() + timedelta(days=1))
    refused = uploader("run", two, "--at", evening.isoformat(), "--calling-hours", "08:00-21:00")
    assert refused.exit_code == 1, refused.output
    assert "1 of 2 rows would be called outside" in refused.stderr and "US-FL" in refused.stderr
    assert "create" not in operations(api)

    split = uploader(
        "run",
        two,
        "--at",
        evening.isoformat(),
        "--calling-hours",
        "08:00-21:00",
        "--split-by-window",
        "--json",
    )
    assert split.exit_code == 0, split.stderr
    parts = json.loads(split.stdout)["parts"]
    starts = [datetime.fromisoformat(part["start"]).astimezone(EASTERN) for part in parts]
    assert [part["rows"] for part in parts] == [1, 1]
    assert starts[0] == evening
    assert (starts[1].date() - evening.date()).days in (1, 3) and f"{starts[1]:%H:%M}" == "08:00"
    contents = [open(part["clean_path"], encoding="utf-8").read() for part in parts]
    assert NEW_YORK in contents[0] and FLORIDA in contents[1]
