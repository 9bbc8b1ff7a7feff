"""Attempt caps across batches: the ledger counts every number each batch booked; a run past a cap skips it."""

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from conftest import operations, uploader

from uploader.campaign.ledger import Ledger
from uploader.safety.attempts import AttemptCaps, cap_of, capped_numbers

FLORIDA, NEW_YORK, CHICAGO, BOSTON = "+13055550123", "+12125550143", "+13125550188", "+16175550101"


def _at(hours):
    day = datetime.now(timezone.utc).date() + timedelta(days=1)
    return (
        datetime(day.year, day.month, day.day, 15, tzinfo=timezone.utc) + timedelta(hours=hours)
    ).isoformat()


def _file(tmp_path, name, *numbers):
    path = tmp_path / name
    path.write_text("phone,name\n" + "".join(f"{n},P{i}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    return path


def _run(path, at, *options):
    result = uploader("run", path, "--at", at, "--json", *options)
    assert result.exit_code == 0, result.stderr
    return result, json.loads(result.stdout)


def test_a_fourth_call_to_a_florida_number_within_24_hours_across_two_batches_is_skipped(api, tmp_path):
    _, first = _run(_file(tmp_path, "one.csv", FLORIDA, NEW_YORK), _at(0), "--retries", "2")  # 3 calls each
    second_file = _file(tmp_path, "two.csv", FLORIDA, CHICAGO)
    result, second = _run(second_file, _at(1))

    assert second["skipped"] == {
        "rows": 1,
        "by_reason": {"attempt_cap": 1},
        "path": str(tmp_path / "two.skipped.csv"),
    }
    assert "1 of 2 rows skipped, attempt_cap" in result.stderr
    assert (tmp_path / "two.skipped.csv").read_text(
        encoding="utf-8"
    ) == f"contact_number,name\n{FLORIDA},P0\n"
    assert (tmp_path / "two.clean.csv").read_text(encoding="utf-8") == f"contact_number,name\n{CHICAGO},P1\n"
    assert (
        second["batch_id"] != first["batch_id"] and second["clean"] == 2
    )  # csvtools' count; one was skipped
    booked = Ledger().attempts_near(api, datetime.fromisoformat(_at(1)).timestamp())
    assert booked == {FLORIDA: 3, NEW_YORK: 3, CHICAGO: 1}  # nothing booked for the skipped row

    # New York has no state cap; a number a day later is counted afresh.
    _, third = _run(_file(tmp_path, "three.csv", NEW_YORK, FLORIDA), _at(25))
    assert third["skipped"]["rows"] == 0

    # Running the second file again resumes its batch, and still skips the same row.
    operations_before = operations(api).count("create")
    _, again = _run(second_file, _at(1))
    assert again["batch_id"] == second["batch_id"] and again["resumed"]
    assert again["skipped"]["rows"] == 1 and operations(api).count("create") == operations_before


def test_max_attempts_per_day_caps_every_number_and_the_plan_shows_it(api, tmp_path):
    _run(_file(tmp_path, "one.csv", NEW_YORK, BOSTON), _at(0))
    later = _file(tmp_path, "two.csv", NEW_YORK, CHICAGO)
    plan = uploader("plan", later, "--at", _at(2), "--max-attempts-per-day", "1", "--calling-hours", "any")
    assert plan.exit_code == 0, plan.stderr
    assert "1 skipped (attempt_cap 1)" in plan.stdout
    as_json = uploader("plan", later, "--at", _at(2), "--max-attempts-per-day", "1", "--json")
    assert json.loads(as_json.stdout)["skipped"] == {"attempt_cap": 1}
    _, second = _run(later, _at(2), "--max-attempts-per-day", "1")
    assert second["skipped"]["rows"] == 1
    assert NEW_YORK in (tmp_path / "two.skipped.csv").read_text(encoding="utf-8")


def test_the_same_contacts_again_resume_their_batch_and_are_not_capped(api, tmp_path):
    _, first = _run(_file(tmp_path, "one.csv", FLORIDA), _at(0), "--retries", "2")
    _, again = _run(_file(tmp_path, "one.csv", FLORIDA), _at(3), "--retries", "2")
    assert again["batch_id"] == first["batch_id"] and again["skipped"]["rows"] == 0


def test_a_file_of_only_capped_numbers_uploads_nothing(api, tmp_path):
    _run(_file(tmp_path, "one.csv", FLORIDA), _at(0), "--retries", "2")
    (tmp_path / "two.csv").write_text(f"phone,name\n{FLORIDA},Flo\n", encoding="utf-8")  # another contact
    result = uploader("run", tmp_path / "two.csv", "--at", _at(3))
    assert result.exit_code == 1
    assert "no row is left to upload: all 1 are past their attempt cap" in result.stderr
    assert operations(api).count("create") == 1


def test_the_plan_marks_a_capped_number_attempt_cap(api, tmp_path):
    from uploader.campaign.caps import plan_caps
    from uploader.safety.plan import plan_calls

    _run(_file(tmp_path, "one.csv", FLORIDA), _at(0), "--retries", "2")
    plan = plan_calls(
        _file(tmp_path, "two.csv", FLORIDA, NEW_YORK),
        at=_at(1),
        attempt_caps=plan_caps(Ledger(), api, "agent-does-not-matter"),
    )
    assert plan.fate(FLORIDA) == "attempt_cap" and plan.fate(NEW_YORK) is None
    assert sum(group.rows for group in plan.groups) == 1


@pytest.mark.parametrize(
    "number, max_per_day, state_rules, expected",
    [
        (FLORIDA, None, True, 3),
        (FLORIDA, 2, True, 2),
        (FLORIDA, 5, True, 3),
        (FLORIDA, None, False, None),
        (NEW_YORK, None, True, None),
        (NEW_YORK, 4, True, 4),
    ],
    ids=["florida", "stricter-option", "rule-wins", "rules-off", "no-rule", "option-only"],
)
def test_cap_of_a_number(number, max_per_day, state_rules, expected):
    assert cap_of(number, max_per_day, state_rules) == expected


def test_capped_numbers_count_rows_times_attempts():
    caps = AttemptCaps(booked={FLORIDA: 2}, attempts=1)
    assert capped_numbers({FLORIDA: 1, NEW_YORK: 9}, caps) == set()
    assert capped_numbers({FLORIDA: 2}, caps) == {FLORIDA}
    assert capped_numbers({FLORIDA: 1}, AttemptCaps(attempts=4)) == {FLORIDA}


def test_plan_creates_no_ledger_and_still_counts_its_own_redials(tmp_path):
    from uploader.campaign.caps import plan_caps
    from uploader.safety.plan import plan_calls

    path = _file(tmp_path, "one.csv", FLORIDA, NEW_YORK)
    result = uploader("plan", path, "--agent-id", "a", "--at", _at(0), "--calling-hours", "any")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "ledger.sqlite").exists()
    plan = plan_calls(path, at=_at(0), attempt_caps=plan_caps(None, "http://x", "a", attempts=4))
    assert plan.skipped == {FLORIDA: "attempt_cap"}  # 1 call + 3 redials is past Florida's 3


def test_the_preview_shows_attempt_cap_and_a_state_rules_outside_hours(api, tmp_path, monkeypatch):
    import csv

    monkeypatch.delenv("UPLOADER_CALLING_HOURS")
    _run(_file(tmp_path, "one.csv", FLORIDA), _at(0), "--retries", "2")
    oklahoma = "+14055550123"
    later = _file(tmp_path, "two.csv", FLORIDA, NEW_YORK, oklahoma)
    # 01:30 UTC the next day: 20:30 in New York (inside the federal 21:00), 19:30 in Oklahoma.
    evening = (datetime.fromisoformat(_at(0)) + timedelta(hours=10, minutes=30)).isoformat()
    result = uploader(
        "plan", later, "--at", evening, "--preview", tmp_path / "fates.csv", "--calling-hours", "08:00-21:00"
    )
    assert result.exit_code == 0, result.stderr
    with open(tmp_path / "fates.csv", newline="", encoding="utf-8") as handle:
        fates = {row["contact_number"]: (row["fate"], row["reason"]) for row in csv.DictReader(handle)}
    assert fates == {FLORIDA: ("skip", "attempt_cap"), NEW_YORK: ("call", ""), oklahoma: ("call", "")}
    florida_evening = _file(tmp_path, "three.csv", "+13055550199")
    result = uploader(
        "plan",
        florida_evening,
        "--at",
        evening,
        "--preview",
        tmp_path / "f2.csv",
        "--calling-hours",
        "08:00-21:00",
    )
    assert result.exit_code == 0, result.stderr
    assert ",skip,outside_hours," in (tmp_path / "f2.csv").read_text(encoding="utf-8")


# --- Two runs that share numbers, at the same time: the caps are checked again as a run books ---


def test_a_booking_checks_the_caps_again_under_the_ledger_lock(tmp_path):
    from uploader.campaign.caps import caps_for, recheck_of
    from uploader.campaign.ledger import Booking
    from uploader.errors import AttemptCapChangedError

    path, base, moment = tmp_path / "shared.sqlite", "http://api.test", datetime.fromisoformat(_at(0))
    first, second = Ledger(path), Ledger(path)  # two processes' connections to one ledger
    # Both runs check their caps before either books: Florida's 3 calls a day leave room for each alone.
    checked = {
        source: caps_for(ledger, base, "agent", source, at=moment, attempts=2)
        for source, ledger in (("source-a", first), ("source-b", second))
    }
    assert all(not caps.booked for caps in checked.values())

    def book(ledger, source, key):
        booking = Booking(
            source,
            ((key, FLORIDA),),
            attempts=2,
            calls_at=moment.timestamp(),
            recheck=recheck_of(checked[source], source, moment),
        )
        return ledger.begin(base, "agent", f"file-{source}", f"{source}.csv", booking=booking)

    book(first, "source-a", "contact-a")
    with pytest.raises(AttemptCapChangedError, match=r"booked calls to 1 of these numbers \(\+13055550123\)"):
        book(second, "source-b", "contact-b")  # 2 booked + 2 more would pass Florida's 3
    # Nothing of the refused booking was written: neither its upload nor its calls.
    assert [entry.file_name for entry in second.entries()] == ["source-a.csv"]
    assert second.attempts_near(base, moment.timestamp()) == {FLORIDA: 2}
    # A number with room left still books, and a booking without a recheck is written as before.
    room = Booking(
        "source-c",
        (("contact-c", NEW_YORK),),
        calls_at=moment.timestamp(),
        recheck=recheck_of(AttemptCaps(max_per_day=1), "source-c", moment),
    )
    second.begin(base, "agent", "file-c", "c.csv", booking=room)
    assert second.attempts_near(base, moment.timestamp())[NEW_YORK] == 1


def test_two_bookings_at_the_same_moment_are_counted_one_after_the_other(tmp_path):
    # The first booking is inside its recheck (holding the ledger's write lock) when the second starts.
    import threading

    from uploader.campaign.caps import recheck_of
    from uploader.campaign.ledger import Booking
    from uploader.errors import AttemptCapChangedError

    path, base, moment = tmp_path / "shared.sqlite", "http://api.test", datetime.fromisoformat(_at(0))
    inside, go_on = threading.Event(), threading.Event()
    checked = recheck_of(AttemptCaps(attempts=2), "a", moment)

    def slow_check(booked, contacts):
        inside.set()
        go_on.wait(10)
        return checked.past_cap(booked, contacts)

    first_booking = Booking(
        "a", (("k-a", FLORIDA),), 2, moment.timestamp(), replace(checked, past_cap=slow_check)
    )
    first = threading.Thread(  # a connection of its own, as another process would have
        target=lambda: Ledger(path).begin(base, "agent", "f-a", "a.csv", booking=first_booking)
    )
    second_ledger = Ledger(path)  # opened before: opening checks the lock too
    first.start()
    assert inside.wait(10)
    threading.Timer(0.5, go_on.set).start()  # the second booking waits meanwhile, within LOCK_TIMEOUT
    second = Booking(
        "b", (("k-b", FLORIDA),), 2, moment.timestamp(), recheck_of(AttemptCaps(attempts=2), "b", moment)
    )
    with pytest.raises(AttemptCapChangedError):
        second_ledger.begin(base, "agent", "f-b", "b.csv", booking=second)
    first.join(10)
    assert Ledger(path).attempts_near(base, moment.timestamp()) == {FLORIDA: 2}


def test_the_recheck_counts_around_the_start_the_caps_were_checked_at_not_a_parts_opening(tmp_path):
    # A split run books each part at its opening, hours after the start its caps were counted around:
    # calls another source booked near the opening but a day after that start were never counted.
    from uploader.campaign.caps import caps_for, recheck_of
    from uploader.campaign.ledger import Booking

    ledger, base, start = Ledger(tmp_path / "l.sqlite"), "http://api.test", datetime.fromisoformat(_at(0))
    opening, next_day = start + timedelta(hours=11), start + timedelta(hours=30)
    ledger.begin(
        base,
        "agent",
        "f-other",
        "other.csv",
        booking=Booking("other", (("k-other", FLORIDA),), 3, next_day.timestamp()),
    )
    caps = caps_for(ledger, base, "agent", "mine", at=start)
    assert caps.booked == {}  # 30 hours after the start: not counted
    part = Booking("mine", (("k-mine", FLORIDA),), 1, opening.timestamp(), recheck_of(caps, "mine", start))
    ledger.begin(base, "agent", "f-mine", "mine-part-2.csv", booking=part)  # not refused
    assert ledger.attempts_near(base, opening.timestamp()) == {FLORIDA: 4}


def test_a_run_whose_numbers_another_run_booked_meanwhile_uploads_nothing(api, tmp_path, monkeypatch):
    from conftest import AGENT_ID, API_KEY

    import uploader.campaign.run as campaign_run
    from uploader import BatchClient
    from uploader.campaign.run import run_campaign
    from uploader.errors import AttemptCapChangedError

    at = _at(0)
    estimate = campaign_run.estimate_with_account
    interleaved = []

    def run(path, **options):
        client = BatchClient(api_key=API_KEY, base_url=api)
        return run_campaign(
            client, path, agent_id=AGENT_ID, ledger=Ledger(), at=at, calling_hours="any", **options
        )

    def other_run_books_first(*args, **kwargs):
        # Between this run's caps step and its upload, another run of an overlapping file goes through.
        if not interleaved:
            interleaved.append("other run")
            retries = {
                "enabled": True,
                "max_retries": 2,
                "retry_on_statuses": ["no-answer", "busy"],
                "retry_intervals_minutes": [30, 60],
            }
            run(_file(tmp_path, "other.csv", FLORIDA, CHICAGO), retry_config=retries)
        return estimate(*args, **kwargs)

    monkeypatch.setattr(campaign_run, "estimate_with_account", other_run_books_first)
    with pytest.raises(AttemptCapChangedError) as refused:
        run(_file(tmp_path, "mine.csv", FLORIDA, NEW_YORK))
    assert refused.value.numbers == [FLORIDA]
    assert operations(api).count("create") == 1  # the other run's batch only
    assert Ledger().attempts_near(api, datetime.fromisoformat(at).timestamp()) == {FLORIDA: 3, CHICAGO: 3}
    # Run again: the caps step now sees the other run's calls and skips the Florida row.
    again = run(tmp_path / "mine.csv")
    assert again.skipped.rows == 1 and again.skipped.numbers == {FLORIDA: "attempt_cap"}
