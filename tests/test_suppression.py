"""--suppress: numbers on do-not-call lists are rejected as `suppressed`, and the report keeps a scrub record."""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from csvtools import ColumnError, InputFileError, Options, clean_file, knobs, validate_file
from csvtools.cli import cli
from csvtools.numbers.chunk import judge_column
from csvtools.run.dedupe import number_keys
from csvtools.run.suppress import SuppressionLists

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "tests" / "golden"

# (list file name, its text, region, the input's phone value, expected (reason, detail) or None for kept)
LIST_RULES = [
    (
        "dnc.csv",
        "name,phone\nAsha,+919876543210\n",
        None,
        "+919876543210",
        ("suppressed", "+919876543210 is on suppression list dnc.csv, line 2"),
    ),
    (
        "dnc.txt",
        "+919876543210\n",
        None,
        "+91 98765 43210",
        ("suppressed", "+919876543210 is on suppression list dnc.txt, line 1"),
    ),
    (
        "dnc.txt",
        "number\n\n+91-98765-43210\n",
        None,
        "0091 98765 43210",
        ("suppressed", "+919876543210 is on suppression list dnc.txt, line 3"),
    ),
    (
        "dnc.txt",
        "07911 123456\n",
        "GB",
        "+447911123456",
        ("suppressed", "+447911123456 is on suppression list dnc.txt, line 1"),
    ),
    (
        "dnc.txt",
        "tel:+44-7911-123456\n",
        "GB",
        "07911 123456",
        ("suppressed", "+447911123456 is on suppression list dnc.txt, line 1"),
    ),
    ("dnc.txt", "+447911123457\n", None, "+447911123456", None),
    (
        "dnc.txt",
        "07911 123456\n",
        None,
        "+447911123456",
        None,
    ),  # no --region: the list's national number is unreadable
    (
        "dnc.tsv",
        "id\tmobile\n7\t+447911123456\n",
        None,
        "+447911123456",
        ("suppressed", "+447911123456 is on suppression list dnc.tsv, line 2"),
    ),
    (
        "dnc.txt",
        "+1 202 555 0143\n+1 202 555 0143\n",
        None,
        "+12025550143",
        ("suppressed", "+12025550143 is on suppression list dnc.txt, line 1"),
    ),
]


@pytest.mark.parametrize(
    "name, text, region, value, expected",
    LIST_RULES,
    ids=[
        "csv-column",
        "plain-list",
        "plain-list-with-header",
        "national-under-region",
        "tel-uri-in-list",
        "not-on-list",
        "national-without-region",
        "tsv",
        "list-repeats",
    ],
)
def test_suppression_lists(tmp_path, monkeypatch, name, text, region, value, expected):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    Path("in.csv").write_text(f"phone\n{value}\n", encoding="utf-8")
    report = validate_file("in.csv", region=region, suppress=[name])
    if expected is None:
        assert report.clean == 1 and report.suppression[0]["removed"] == 0
    else:
        assert [(r.reason, r.detail) for r in report.rejections] == [expected]
        assert report.suppression[0]["removed"] == 1


def test_a_suppressed_number_is_suppressed_on_every_line_never_a_duplicate(tmp_path):
    (tmp_path / "dnc.txt").write_text("+447911123456\n", encoding="utf-8")
    (tmp_path / "in.csv").write_text(
        "phone\n+447911123456\n+447911123457\n+447911123456\n+447911123457\n", encoding="utf-8"
    )
    report = validate_file(tmp_path / "in.csv", suppress=[tmp_path / "dnc.txt"])
    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, "suppressed"),
        (4, "suppressed"),
        (5, "duplicate"),
    ]
    assert report.by_reason == {"suppressed": 2, "duplicate": 1}


def test_the_first_list_that_holds_a_number_names_it(tmp_path):
    (tmp_path / "a.txt").write_text("+447911123456\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("+447911123457\n+447911123456\n", encoding="utf-8")
    (tmp_path / "in.csv").write_text("phone\n+447911123456\n+447911123457\n", encoding="utf-8")
    report = validate_file(tmp_path / "in.csv", suppress=[tmp_path / "a.txt", tmp_path / "b.txt"])
    assert [r.detail.split(" list ")[1] for r in report.rejections] == [
        f"{tmp_path / 'a.txt'}, line 1",
        f"{tmp_path / 'b.txt'}, line 1",
    ]
    assert [(s["numbers"], s["removed"]) for s in report.suppression] == [(1, 1), (2, 1)]


def test_sample_with_a_suppression_list_matches_golden_files(tmp_path, monkeypatch):
    monkeypatch.chdir(SAMPLES)  # the list is named in the details as it was given
    out = tmp_path / "campaign_gb.clean.csv"
    report = clean_file("campaign_gb.csv", out, region="GB", suppress=["campaign_gb.dnc.txt"])
    assert out.read_bytes() == (GOLDEN / "campaign_gb.clean.csv").read_bytes()
    assert (tmp_path / "campaign_gb.rejects.csv").read_bytes() == (
        GOLDEN / "campaign_gb.rejects.csv"
    ).read_bytes()
    assert report.rows == report.clean + report.rejected
    assert report.by_reason["suppressed"] == 4
    [scrub] = report.suppression
    assert (scrub["numbers"], scrub["rows"], scrub["unreadable"], scrub["removed"]) == (3, 4, 1, 4)


def test_the_json_report_holds_the_scrub_record(tmp_path, monkeypatch):
    monkeypatch.chdir(SAMPLES)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = CliRunner().invoke(
        cli,
        [
            "clean",
            "campaign_gb.csv",
            "-o",
            str(tmp_path / "c.csv"),
            "--region",
            "GB",
            "--suppress",
            "campaign_gb.dnc.txt",
            "--report",
            str(tmp_path / "r.json"),
        ],
    )
    after = datetime.now(timezone.utc)
    assert result.exit_code == 0, result.output
    assert "suppression list campaign_gb.dnc.txt: 3 numbers, removed 4 rows" in result.stdout
    [scrub] = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["suppression"]
    checked_at = datetime.strptime(scrub.pop("checked_at"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= checked_at <= after
    assert scrub == {
        "path": "campaign_gb.dnc.txt",
        "sha256": hashlib.sha256((SAMPLES / "campaign_gb.dnc.txt").read_bytes()).hexdigest(),
        "numbers": 3,
        "rows": 4,
        "unreadable": 1,
        "removed": 4,
    }


@pytest.mark.parametrize(
    "text, error, message",
    [
        (None, InputFileError, "suppression list {list}: "),
        ("", InputFileError, "suppression list {list}: the file is empty"),
        (
            "phone,mobile\n+447911123456,+447911123457\n",
            ColumnError,
            "suppression list {list}: several phone columns",
        ),
    ],
    ids=["missing", "empty", "two-phone-columns"],
)
def test_an_unreadable_list_stops_the_run_naming_the_list(tmp_path, text, error, message):
    listed = tmp_path / "dnc.csv"
    if text is not None:
        listed.write_text(text, encoding="utf-8")
    (tmp_path / "in.csv").write_text("phone\n+447911123456\n", encoding="utf-8")
    with pytest.raises(error, match=message.format(list=listed)):
        clean_file(tmp_path / "in.csv", tmp_path / "out.csv", suppress=[listed])
    # No output appears: only what the test wrote is there.
    assert sorted(path.name for path in tmp_path.iterdir()) == (["dnc.csv"] if text is not None else []) + [
        "in.csv"
    ]


def test_a_list_of_300k_numbers_on_disk_suppresses_exactly_its_numbers(tmp_path, monkeypatch):
    """A small spill size moves most of the list's index to disk; every lookup still finds its line."""
    monkeypatch.setattr(knobs, "SPILL_AT", 4096)
    monkeypatch.setattr(knobs, "SPILL_SEGMENT", 512)
    rng = np.random.default_rng(5)
    candidates = [f"+4479{digits:08d}" for digits in rng.choice(10**8, 300_000, replace=False)]
    (tmp_path / "dnc.csv").write_text("phone\n" + "\n".join(candidates) + "\n", encoding="utf-8")
    listed = judge_column(pa.array(candidates)).column("number").to_pylist()
    line_of = {number: line for line, number in enumerate(listed, start=2) if number}
    assert len(line_of) > 250_000

    on_list = [candidates[i] for i in rng.choice(len(candidates), 2000, replace=False)]
    elsewhere = [f"+4478{digits:08d}" for digits in rng.choice(10**8, 2000, replace=False)]
    values = on_list + elsewhere
    rng.shuffle(values)
    (tmp_path / "in.csv").write_text("phone\n" + "\n".join(values) + "\n", encoding="utf-8")

    with SuppressionLists.load([str(tmp_path / "dnc.csv")], Options()) as lists:
        index = lists.lists[0].index
        assert lists.lists[0].numbers == len(line_of)
        assert index.in_memory < 2 * 4096  # the rest is on disk

    report = validate_file(tmp_path / "in.csv", suppress=[tmp_path / "dnc.csv"])
    judged = judge_column(pa.array(values)).column("number").to_pylist()
    expected = {
        line: f"{number} is on suppression list {tmp_path / 'dnc.csv'}, line {line_of[number]}"
        for line, number in enumerate(judged, start=2)
        if number in line_of
    }
    assert {r.line: r.detail for r in report.rejections if r.reason == "suppressed"} == expected
    assert report.suppression[0]["removed"] == len(expected) > 1500


def test_a_list_read_by_worker_processes_holds_what_one_process_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 4096)  # many blocks, so that both workers get some
    numbers = [f"+4479111{digits:05d}" for digits in range(3000)]
    (tmp_path / "dnc.txt").write_text("\n".join(numbers) + "\n", encoding="utf-8")
    keys = number_keys(pa.array(numbers))
    found = []
    for workers in (1, 2):
        with SuppressionLists.load([str(tmp_path / "dnc.txt")], Options(workers=workers)) as lists:
            found.append((lists.lists[0].numbers, lists.find(keys)[1].tolist()))
    assert found[0] == found[1]
    assert found[0][1] == list(range(1, 3001))


def test_unreadable_list_lines_are_a_warning_in_the_summary_and_the_page_shows_the_record(tmp_path):
    from click.testing import CliRunner

    from csvtools import render_html
    from csvtools.cli import cli

    (tmp_path / "in.csv").write_text("phone\n+447911123456\n+447911123457\n", encoding="utf-8")
    (tmp_path / "dnc.txt").write_text("+447911123456\nnot a number\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "clean",
            str(tmp_path / "in.csv"),
            "-o",
            str(tmp_path / "c.csv"),
            "--suppress",
            str(tmp_path / "dnc.txt"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "warning: 1 lines of" in result.stdout and "suppress nothing" in result.stdout
    report = clean_file(tmp_path / "in.csv", tmp_path / "d.csv", suppress=[tmp_path / "dnc.txt"])
    page = render_html(report)
    assert "Suppression lists checked" in page and report.suppression[0]["sha256"] in page


@pytest.mark.parametrize(
    "first_line",
    ["07911123456", "(0)7911 123456", "12"],
    ids=["national-without-region", "national-with-punctuation", "too-short"],
)
def test_a_plain_lists_first_line_that_is_no_column_name_is_data_counted_as_unreadable(tmp_path, first_line):
    """A header names a column; a first line shaped like a number is a line of the list, so it is counted."""
    (tmp_path / "dnc.txt").write_text(f"{first_line}\n+447911123457\n", encoding="utf-8")
    (tmp_path / "in.csv").write_text("phone,country\n07911123456,GB\n+447911123457,GB\n", encoding="utf-8")
    report = validate_file(tmp_path / "in.csv", region_column="country", suppress=[tmp_path / "dnc.txt"])
    [scrub] = report.suppression
    assert (scrub["numbers"], scrub["rows"], scrub["unreadable"], scrub["removed"]) == (1, 2, 1, 1)
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(tmp_path / "in.csv"),
            "--region-column",
            "country",
            "--suppress",
            str(tmp_path / "dnc.txt"),
        ],
    )
    assert f"warning: 1 lines of {tmp_path / 'dnc.txt'} are no number" in result.stdout, result.output


@pytest.mark.parametrize("header", ["phone", '"Phone Number"', "msisdn"])
def test_a_plain_lists_first_line_that_names_a_column_is_its_header(tmp_path, header):
    (tmp_path / "dnc.txt").write_text(f"{header}\n+447911123457\n", encoding="utf-8")
    (tmp_path / "in.csv").write_text("phone\n+447911123457\n", encoding="utf-8")
    [scrub] = validate_file(tmp_path / "in.csv", suppress=[tmp_path / "dnc.txt"]).suppression
    assert (scrub["numbers"], scrub["rows"], scrub["unreadable"], scrub["removed"]) == (1, 1, 0, 1)


@pytest.mark.parametrize(
    "stray",
    ['"+447911123450\n', '+447911123450"\n', '"\n+447911123450\n'],
    ids=["opening-quote", "closing-quote", "quote-alone-on-a-line"],
)
def test_a_stray_quote_in_a_plain_list_swallows_no_later_line(tmp_path, stray):
    later = ["+447911123451", "+447911123452", "+447911123453"]
    (tmp_path / "dnc.txt").write_text("+447911123449\n" + stray + "\n".join(later) + "\n", encoding="utf-8")
    contacts = ["+447911123449", "+447911123450", *later, "+447911123454"]
    (tmp_path / "in.csv").write_text("phone\n" + "\n".join(contacts) + "\n", encoding="utf-8")
    report = validate_file(tmp_path / "in.csv", suppress=[tmp_path / "dnc.txt"])
    suppressed = {r.value for r in report.rejections if r.reason == "suppressed"}
    assert suppressed == set(contacts[:-1])
    assert report.clean == 1 and report.suppression[0]["numbers"] == 5
