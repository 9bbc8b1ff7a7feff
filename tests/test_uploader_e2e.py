"""The uploader command end to end against the stand-in over loopback."""

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import requests
from conftest import AGENT_ID, copy_sample, faults, operations, uploader

from uploader.campaign.ledger import Ledger


def test_full_run_cleans_uploads_schedules_waits_and_writes_results(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    result = uploader(
        "run", source, "--now", "--wait", "--interval", "0.2", "--results", tmp_path / "calls.csv", "--json"
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "completed" and summary["executions"] == 12 and not summary["resumed"]
    with open(tmp_path / "calls.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    assert {row["to_number"] for row in rows} == {
        line.split(",")[0] for line in source.read_text().splitlines()[1:]
    }
    assert rows[0]["var_first_name"] == "Aarav"
    assert "created batch" in result.stderr and "scheduled batch" in result.stderr
    assert operations(api).count("create") == 1


def test_rejected_rows_stop_the_run_unless_allowed(api, tmp_path):
    source = copy_sample(tmp_path, "spreadsheet_export.csv")
    refused = uploader("run", source, "--now")
    assert refused.exit_code == 1
    assert "12 of 22 rows were rejected" in refused.stderr
    assert "create" not in operations(api)
    allowed = uploader("run", source, "--now", "--allow-rejects", "--wait", "--interval", "0.2", "--json")
    assert allowed.exit_code == 0, allowed.stderr
    batch_id = json.loads(allowed.stdout)["batch_id"]
    batch = json.loads(uploader("status", batch_id, "--json").stdout)
    assert batch["total_contacts"] == 10  # only the clean rows went up


def test_rerun_resumes_instead_of_creating_again(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    first = uploader("run", source, "--now", "--json")
    second = uploader("run", source, "--now", "--json")
    assert first.exit_code == second.exit_code == 0
    assert json.loads(first.stdout)["batch_id"] == json.loads(second.stdout)["batch_id"]
    assert json.loads(second.stdout)["resumed"] is True
    assert "not scheduling it again" in second.stderr
    assert operations(api).count("create") == 1
    assert operations(api).count("schedule") == 1
    new = uploader("run", source, "--now", "--new-batch", "--json")
    assert json.loads(new.stdout)["batch_id"] != json.loads(first.stdout)["batch_id"]


def test_interruption_between_create_and_schedule_resumes_the_same_batch(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["schedule:500"] * 4)  # every try of the schedule fails
    interrupted = uploader("run", source, "--now")
    assert interrupted.exit_code == 1
    assert "HTTP 500" in interrupted.stderr
    entry = Ledger().entries()[-1]
    assert entry.batch_id and entry.state == "created"

    resumed = uploader("run", source, "--now", "--wait", "--interval", "0.2", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["batch_id"] == entry.batch_id and summary["resumed"] and summary["status"] == "completed"
    assert operations(api).count("create") == 1


def test_lost_create_answer_adopts_the_batch_instead_of_uploading_again(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["create:drop-after"])
    result = uploader("run", source, "--now", "--json")
    assert result.exit_code == 0, result.stderr
    assert "found the batch it made" in result.stderr
    listed = json.loads(uploader("list", "--json").stdout)
    assert [b["batch_id"] for b in listed] == [json.loads(result.stdout)["batch_id"]]
    assert operations(api).count("create") == 1


def test_create_that_made_nothing_is_uploaded_on_the_next_run(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["create:drop"])
    first = uploader("run", source, "--now")
    assert first.exit_code == 1
    assert re.search(r"no batch of contacts_good\.clean\.[0-9a-f]{16}\.csv was found", first.stderr)
    second = uploader("run", source, "--now", "--json")
    assert second.exit_code == 0, second.stderr
    assert "made no batch; uploading again" in second.stderr
    assert len(json.loads(uploader("list", "--json").stdout)) == 1


def test_flaky_network_still_makes_exactly_one_batch(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, rate=0.3, kinds=["429", "500", "502", "503", "drop"], seed=3)
    result = uploader(
        "run", source, "--now", "--wait", "--interval", "0.1", "--results", tmp_path / "calls.json"
    )
    faults(api)
    # Whatever the faults did to this run, a re-run converges on one batch.
    if result.exit_code != 0:
        result = uploader(
            "run", source, "--now", "--wait", "--interval", "0.1", "--results", tmp_path / "calls.json"
        )
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(uploader("list", "--json").stdout)) == 1
    assert len(json.loads((tmp_path / "calls.json").read_text())) == 12
    assert any(
        entry["fault"] != "ok" for entry in requests.get(f"{api}/_standin/requests", timeout=10).json()
    )


def test_step_by_step_commands(api, tmp_path):
    clean = tmp_path / "clean.csv"
    shutil.copy(Path(__file__).parent / "golden" / "contacts_good.clean.csv", clean)
    created = uploader("create", clean, "--json")
    assert created.exit_code == 0, created.stderr
    batch_id = json.loads(created.stdout)["batch_id"]
    again = uploader("create", clean, "--json")
    assert json.loads(again.stdout)["batch_id"] == batch_id  # the ledger remembers

    assert uploader("schedule", batch_id, "--now").exit_code == 0
    twice = uploader("schedule", batch_id, "--now")
    assert twice.exit_code == 1 and "only a created batch can be scheduled" in twice.stderr
    waited = uploader("wait", batch_id, "--interval", "0.2", "--timeout", "60")
    assert waited.exit_code == 0 and "completed" in waited.stdout
    listed = uploader("executions", batch_id, "-o", tmp_path / "calls.csv")
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 12
    assert uploader("stop", batch_id).exit_code == 1  # nothing left to stop
    assert uploader("delete", batch_id).exit_code == 0
    assert uploader("status", batch_id).exit_code == 1


def test_seed_layout_runs_the_same_flow(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    result = uploader(
        "--layout", "seed", "--base-url", api, "run", source, "--now", "--wait", "--interval", "0.2"
    )
    assert result.exit_code == 0, result.stderr
    assert "/batches/schedule" in [
        e["path"] for e in requests.get(f"{api}/_standin/requests", timeout=10).json()
    ]


def test_wait_timeout_exits_3(api, tmp_path):
    clean = tmp_path / "clean.csv"
    shutil.copy(Path(__file__).parent / "golden" / "contacts_good.clean.csv", clean)
    batch_id = json.loads(uploader("create", clean, "--json").stdout)["batch_id"]
    result = uploader("wait", batch_id, "--interval", "0.1", "--timeout", "0.3")
    assert result.exit_code == 3
    assert "last status 'created'" in result.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "x.csv"], "exactly one of --at TIME or --now"),
        (["run", "x.csv", "--at", "2030-01-01T10:00"], "no UTC offset"),
        (["schedule", "f" * 32, "--at", "2001-01-01T10:00:00+00:00"], "in the past"),
        (["run", "x.csv", "--at", "9999-12-31T23:59:59+00:00"], "is more than a year ahead"),
        (["schedule", "f" * 32, "--at", "9999-12-31T23:59:59+00:00"], "is more than a year ahead"),
        (["run", "x.csv", "--now", "--region", "Germny"], "closest: DE (Germany)"),
    ],
)
def test_usage_errors_exit_2(api, args, fragment):
    result = uploader(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr


def test_missing_key_exits_2_naming_the_variable(monkeypatch):
    monkeypatch.delenv("BOLNA_API_KEY", raising=False)
    result = uploader("list", "--agent-id", AGENT_ID)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "uploader: no API key: set BOLNA_API_KEY in the environment or in .env (see .env.example)"
    )


def test_wrong_key_exits_1_without_showing_it(api, monkeypatch):
    monkeypatch.setenv("BOLNA_API_KEY", "bn-wrong-secret-value")
    result = uploader("-v", "list")
    assert result.exit_code == 1
    assert "Access denied" in result.stderr
    assert "bn-wrong-secret-value" not in result.output + result.stderr


def test_every_command_has_help_with_an_example():
    for command in (
        "run",
        "create",
        "schedule",
        "status",
        "wait",
        "executions",
        "list",
        "stop",
        "delete",
        "serve",
        "account",
        "followup",
    ):
        result = uploader(command, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout


@pytest.mark.parametrize(
    "options, fragment",
    [
        (
            ["--wait", "--results", "/no/such/dir/calls.csv"],
            "cannot write the results /no/such/dir/calls.csv: /no/such/dir does not exist",
        ),
        (["--wait", "--results", "."], "it is a directory"),
        (["--out-dir", "missing"], "missing does not exist"),
        (["--out-dir", "contacts_good.csv"], "contacts_good.csv is not a directory"),
        (["--wait", "--results", "contacts_good.csv"], "would replace the input"),
    ],
    ids=[
        "results-dir-missing",
        "results-is-a-dir",
        "out-dir-missing",
        "out-dir-is-a-file",
        "results-is-the-input",
    ],
)
def test_output_paths_are_checked_before_anything_is_uploaded(api, tmp_path, options, fragment):
    source = copy_sample(tmp_path, "contacts_good.csv")
    result = uploader("run", source, "--now", *options)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and fragment in result.stderr
    assert operations(api) == []
    assert not (tmp_path / "contacts_good.clean.csv").exists()


def test_outputs_follow_csvtools_naming_rule_and_never_replace_the_input(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    assert uploader("run", source, "--now").exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("contacts_good*.csv")) == [
        "contacts_good.clean.csv",
        "contacts_good.csv",
        "contacts_good.rejects.csv",
    ]

    clean = tmp_path / "contacts_good.clean.csv"
    before = clean.read_bytes()
    refused = uploader("run", clean, "--now")
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"uploader: the clean file {clean} would replace the input {clean}; an output never "
        "replaces its input (use --out-dir or another name)\n"
    )
    assert clean.read_bytes() == before
    (tmp_path / "out").mkdir()
    elsewhere = uploader("run", clean, "--now", "--out-dir", tmp_path / "out", "--json")
    assert elsewhere.exit_code == 0, elsewhere.stderr
    assert json.loads(elsewhere.stdout)["resumed"] is True  # the same bytes: the same batch
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "contacts_good.clean.csv",
        "contacts_good.rejects.csv",
        "contacts_good.report.html",
    ]


def test_each_invocation_in_one_process_prints_a_retry_warning_once(api):
    for _ in range(3):
        faults(api, script=["list:503"])
        result = uploader("list")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.count("failed (HTTP 503); retry 1 of 3") == 1, result.stderr


def test_verbose_logs_each_request_in_each_invocation(api):
    for _ in range(2):
        result = uploader("-v", "list")
        assert result.exit_code == 0
        assert result.stderr.count(f"uploader: GET {api}/batches/{AGENT_ID}/all -> 200") == 1, result.stderr
    assert "GET" not in uploader("list").stderr  # and quiet again without -v


def test_run_passes_suppression_and_types_to_csvtools_before_anything_is_uploaded(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    first = source.read_text().splitlines()[1].split(",")[0]
    (tmp_path / "dnc.txt").write_text(f"{first}\n")
    refused = uploader("run", source, "--now", "--suppress", tmp_path / "dnc.txt")
    assert refused.exit_code == 1 and "1 of 12 rows were rejected" in refused.stderr
    assert "create" not in operations(api)
    rejects = (tmp_path / "contacts_good.rejects.csv").read_text(encoding="utf-8-sig")
    assert ",suppressed," in rejects and "dnc.txt, line 1" in rejects
    only_fixed = uploader("run", source, "--now", "--types", "toll_free")
    assert (
        only_fixed.exit_code == 1
        and "disallowed_type" in (tmp_path / "contacts_good.rejects.csv").read_text()
    )


def test_run_reads_a_country_column_and_a_workbook_sheet_as_csvtools_does(api, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Contacts")
    for row in (
        ["Phone", "Country", "name"],
        ["(202) 555-0143", "United States", "Ann"],
        ["07911 123456", "United Kingdom", "Bo"],
    ):
        sheet.append(row)
    book.save(tmp_path / "crm.xlsx")
    result = uploader("run", tmp_path / "crm.xlsx", "--now", "--sheet", "Contacts", "--json")
    assert result.exit_code == 0, result.stderr
    clean = (tmp_path / "crm.clean.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in clean[1:]] == ["+12025550143", "+447911123456"]
    ignored = uploader(
        "run", tmp_path / "crm.xlsx", "--now", "--sheet", "Contacts", "--no-region-column", "--new-batch"
    )
    assert ignored.exit_code == 1 and "2 of 2 rows were rejected" in ignored.stderr
    bad = uploader("run", tmp_path / "crm.xlsx", "--now", "--types", "bogus")
    assert bad.exit_code == 2 and "unknown number type" in bad.stderr


@pytest.mark.parametrize(
    "listed", ["07911123456\n", "+447911123450\n07911 123456\n"], ids=["first-line", "later-line"]
)
def test_run_uploads_nothing_when_a_suppression_list_has_lines_it_cannot_read(api, tmp_path, listed):
    """A do-not-call list's national number without --region suppresses nothing, so nobody is called."""
    source = tmp_path / "crm.csv"
    source.write_text("phone,country,name\n07911123456,GB,Ann\n+447911123457,GB,Bo\n", encoding="utf-8")
    (tmp_path / "dnc.txt").write_text(listed, encoding="utf-8")
    refused = uploader("run", source, "--now", "--suppress", tmp_path / "dnc.txt")
    assert refused.exit_code == 2, refused.stderr
    refusal = refused.stderr.strip().splitlines()[-1]
    assert refusal.startswith("uploader: 1 lines of suppression list ") and "needs --region" in refusal
    assert "create" not in operations(api)
    (tmp_path / "dnc.txt").write_text("+447911123456\n", encoding="utf-8")
    allowed = uploader(
        "run", source, "--now", "--suppress", tmp_path / "dnc.txt", "--allow-rejects", "--json"
    )
    assert allowed.exit_code == 0, allowed.stderr
    batch = json.loads(uploader("status", json.loads(allowed.stdout)["batch_id"], "--json").stdout)
    assert batch["total_contacts"] == 1  # Ann is on the list, Bo is called


@pytest.mark.parametrize("key", ["SEKRET-1\nX: y", "SEKRET-3\u20ac"], ids=["newline", "outside-latin-1"])
def test_a_key_an_http_header_cannot_carry_is_one_line_exit_2_and_no_request(api, monkeypatch, tmp_path, key):
    monkeypatch.setenv("BOLNA_API_KEY", key)
    source = copy_sample(tmp_path, "contacts_good.csv")
    for arguments in (("list",), ("run", source, "--now")):
        result = uploader(*arguments)
        assert result.exit_code == 2, result.stderr
        [line] = result.stderr.splitlines()[-1:]
        assert line.startswith("uploader: the API key in BOLNA_API_KEY holds "), result.stderr
        assert "SEKRET" not in result.output + result.stderr and "X: y" not in result.stderr
    assert operations(api) == []


def _next_clock_changes(zone_name):
    """The next wall times that the zone skips and shows twice, as naive ISO strings (at least 2 days ahead)."""
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    zone, found = ZoneInfo(zone_name), {}
    moment = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    while len(found) < 2:
        before, after = (
            moment.astimezone(zone).utcoffset(),
            (moment + timedelta(hours=1)).astimezone(zone).utcoffset(),
        )
        if before != after:
            change = moment + timedelta(hours=1)  # the first instant of the new offset
            wall = (change + min(before, after)).replace(tzinfo=None) + timedelta(minutes=30)
            found.setdefault("skipped" if after > before else "twice", wall.isoformat())
        moment += timedelta(hours=1)
    return found


def test_run_refuses_an_at_that_the_clocks_skip_or_show_twice_in_one_line(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    changes = _next_clock_changes("America/New_York")
    for kind, expected in (("skipped", "does not happen in America/New_York"), ("twice", "happens twice")):
        result = uploader("run", source, "--at", changes[kind], "--tz", "America/New_York")
        assert result.exit_code == 2, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"uploader: {changes[kind]} {expected}")
    assert operations(api) == []
