"""Workbooks in: a sheet read as the same records as a CSV, numbers with all their digits, lines as row numbers."""

import csv
import datetime
import json
import os
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from csvtools import InputFileError, Options, clean_file, validate_file
from csvtools.cli import cli
from csvtools.io.workbook import cell_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "tests" / "golden"

CONTACTS = [
    [],  # row 1 left empty, as people do above a table
    ["Name", "Phone", "Joined", "Score"],  # the header on row 2
    ["Asha", 919876543210, datetime.date(2026, 1, 2), 3.5],  # a number typed into a cell
    ["Ravi", "+91 98765 43211", datetime.datetime(2026, 1, 3), 4.0],  # text, a date stored as a datetime
    [],  # an empty row in the middle: skipped, and the lines after it still count it
    ["Zoë", 447400123456, None, None],  # a UK number, valid only without --region IN
    ["Mira", None, datetime.date(2026, 2, 1), 1],  # no number
    ["Dev", 919876543210, None, None],  # the same number as row 3
]
OTHER = [["phone", "city"], ["+14155550123", "San Francisco"], [4930901820, "Berlin"]]


def write_workbook(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def contacts(tmp_path):
    return write_workbook(tmp_path / "contacts.xlsx", {"Contacts": CONTACTS, "Other": OTHER})


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:  # a rejects file starts with a BOM
        return list(csv.reader(handle))


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.mark.parametrize(
    "value, text",
    [
        (919876543210.0, "919876543210"),
        (447911123456, "447911123456"),
        (3.5, "3.5"),
        (0.1, "0.1"),
        (-0.0, "0"),
        (1e20, "1e+20"),
        (True, "TRUE"),
        (None, ""),
        ("00123", "00123"),
        (datetime.date(2026, 1, 2), "2026-01-02"),
        (datetime.datetime(2026, 1, 2), "2026-01-02"),
        (datetime.datetime(2026, 1, 2, 10, 30), "2026-01-02 10:30:00"),
        (datetime.time(9, 15), "09:15:00"),
    ],
    ids=[
        "integral-float",
        "int",
        "fraction",
        "tenth",
        "minus-zero",
        "huge",
        "bool",
        "empty",
        "text",
        "date",
        "midnight-datetime",
        "datetime",
        "time",
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_clean_a_workbook_keeps_every_digit_and_counts_sheet_rows(contacts, tmp_path):
    out = tmp_path / "contacts.clean.csv"
    report = clean_file(contacts, out, region="IN")
    assert read_csv(out) == [
        ["contact_number", "Name", "Joined", "Score"],
        ["+919876543210", "Asha", "2026-01-02", "3.5"],
        ["+919876543211", "Ravi", "2026-01-03", "4"],
    ]
    rejects = read_csv(tmp_path / "contacts.rejects.csv")
    assert [row[:2] + row[3:] for row in rejects] == [
        ["line", "reason", "Name", "Phone", "Joined", "Score"],
        ["6", "invalid_number", "Zoë", "447400123456", "", ""],
        ["7", "missing_number", "Mira", "", "2026-02-01", "1"],
        ["8", "duplicate", "Dev", "919876543210", "", ""],
    ]
    assert rejects[3][2] == "+919876543210 is already on line 3"
    assert (report.rows, report.clean, report.rejected, report.blank) == (6, 2, 3, 1)  # the empty row: blank
    assert (report.sheet, report.column, report.encoding, report.delimiter) == (
        "Contacts",
        "Phone",
        None,
        None,
    )


def test_validate_a_workbook_without_region_reads_digits_as_international(contacts):
    report = validate_file(contacts)
    assert [(r.line, r.reason) for r in report.rejections] == [(7, "missing_number"), (8, "duplicate")]
    assert report.by_country == {"GB": 1, "IN": 2}
    assert report.by_reading == {"plus_added": 2, "international": 1}


@pytest.mark.parametrize("sheet", ["Other", 2, "2"], ids=["name", "index", "index-as-text"])
def test_a_sheet_chosen_by_name_or_position(contacts, tmp_path, sheet):
    out = tmp_path / "other.csv"
    report = clean_file(contacts, out, options=Options(sheet=sheet))
    assert report.sheet == "Other"
    assert read_csv(out) == [
        ["contact_number", "city"],
        ["+14155550123", "San Francisco"],
        ["+4930901820", "Berlin"],
    ]


@pytest.mark.parametrize(
    "sheet, message",
    [
        ("Missing", "no sheet named 'Missing'; the sheets are 'Contacts', 'Other'"),
        (3, "there is no sheet 3: the workbook has 2"),
    ],
    ids=["unknown-name", "index-past-the-end"],
)
def test_an_unknown_sheet_is_an_input_error(contacts, sheet, message):
    with pytest.raises(InputFileError, match=message):
        validate_file(contacts, sheet=sheet)


def test_cli_clean_and_validate_a_workbook(contacts, tmp_path):
    result = run(
        "clean", contacts, "-o", tmp_path / "out.csv", "--sheet", "Other", "--report", tmp_path / "r.json"
    )
    assert result.exit_code == 0, result.stderr
    assert "2 rows in, 2 clean, 0 rejected (phone column 'phone', sheet 'Other')" in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["sheet"] == "Other"
    assert run("validate", contacts, "--sheet", "2").exit_code == 0
    result = run("validate", contacts, "--format", "github")
    assert result.exit_code == 1
    assert ",line=7,title=missing_number::" in result.stdout


def test_cli_unknown_sheet_exit_2_one_line(contacts, tmp_path):
    result = run("clean", contacts, "-o", tmp_path / "out.csv", "--sheet", "Nope")
    assert result.exit_code == 2
    assert (
        result.stderr == f"csvtools: {contacts}: no sheet named 'Nope'; the sheets are 'Contacts', 'Other'\n"
    )
    assert not (tmp_path / "out.csv").exists()


def test_a_value_right_of_the_header_is_a_malformed_row(tmp_path):
    path = write_workbook(
        tmp_path / "wide.xlsx",
        {"S": [["phone", "name"], ["+447911123456", "A", "stray"], ["+447911123457", "B", None]]},
    )
    report = validate_file(path)
    assert [(r.line, r.reason, r.detail) for r in report.rejections] == [
        (2, "malformed_row", "expected 2 fields, found 3; extra fields: 'stray'")
    ]
    assert report.clean == 1


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    source = write_workbook(tmp_path / "export.csv", {"S": [["mobile"], [447911123456]]})
    assert validate_file(source).clean == 1


def test_the_first_visible_sheet_is_the_default(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Hidden"
    book.active.append(["nothing here"])
    book.active.sheet_state = "hidden"
    book.create_sheet("Shown").append(["phone"])
    book["Shown"].append([447911123456])
    book.save(tmp_path / "book.xlsx")
    assert validate_file(tmp_path / "book.xlsx").sheet == "Shown"


@pytest.mark.parametrize(
    "rows, message",
    [([], "sheet 'S' is empty"), ([[None, None], []], "sheet 'S' is empty")],
    ids=["no-cells", "only-empty-cells"],
)
def test_an_empty_sheet_is_an_input_error(tmp_path, rows, message):
    path = write_workbook(tmp_path / "empty.xlsx", {"S": rows})
    with pytest.raises(InputFileError, match=message):
        validate_file(path)


def test_a_damaged_workbook_is_an_input_error(tmp_path):
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError, match=r"cannot read it as a workbook \(\.xlsx, \.xls, \.ods\)"):
        clean_file(source, tmp_path / "out.csv")
    assert os.listdir(tmp_path) == ["broken.xlsx"]


def test_sample_workbook_matches_golden_files(tmp_path):
    out = tmp_path / "operations_list.clean.csv"
    report = clean_file(SAMPLES / "operations_list.xlsx", out, region="IN")
    assert out.read_bytes() == (GOLDEN / "operations_list.clean.csv").read_bytes()
    rejects = tmp_path / "operations_list.rejects.csv"
    assert rejects.read_bytes() == (GOLDEN / "operations_list.clean.rejects.csv").read_bytes()
    assert report.rows == report.clean + report.rejected + report.blank and report.blank == 1


def test_uploader_run_takes_a_workbook_to_a_batch(api, tmp_path):
    from uploader.cli import cli as uploader_cli

    source = tmp_path / "operations_list.xlsx"
    source.write_bytes((SAMPLES / "operations_list.xlsx").read_bytes())
    result = CliRunner().invoke(
        uploader_cli,
        [
            "run",
            str(source),
            "--region",
            "IN",
            "--allow-rejects",
            "--now",
            "--wait",
            "--interval",
            "0.2",
            "--results",
            str(tmp_path / "calls.csv"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "operations_list.clean.csv").read_bytes() == (
        GOLDEN / "operations_list.clean.csv"
    ).read_bytes()
    with open(tmp_path / "calls.csv", newline="", encoding="utf-8") as handle:
        called = {row["to_number"] for row in csv.DictReader(handle)}
    assert called == {row[0] for row in read_csv(GOLDEN / "operations_list.clean.csv")[1:]}


def test_an_ods_spreadsheet_reads_like_an_xlsx(tmp_path):
    from helpers.ods import write_ods

    path = write_ods(
        tmp_path / "calls.ods",
        {
            "Calls": [
                ["phone", "name", "since"],
                [919876543210, "Asha", datetime.date(2026, 1, 2)],
                [],
                ["12345", "Zoë", None],
            ]
        },
    )
    out = tmp_path / "calls.clean.csv"
    report = clean_file(path, out)
    assert read_csv(out) == [["contact_number", "name", "since"], ["+919876543210", "Asha", "2026-01-02"]]
    assert (report.sheet, [(r.line, r.value) for r in report.rejections]) == ("Calls", [(4, "12345")])


def test_a_workbook_in_small_chunks_and_worker_processes_writes_what_one_pass_writes(tmp_path, monkeypatch):
    from csvtools import knobs

    rows = [["phone", "n"]] + [[919876543210 + (i % 40), i] if i % 7 else [f"x{i}", i] for i in range(200)]
    path = write_workbook(tmp_path / "many.xlsx", {"S": rows})
    one = clean_file(path, tmp_path / "one.csv", workers=1)
    monkeypatch.setattr(knobs, "CHUNK_ROWS", 16)  # the forked workers inherit this
    pooled = clean_file(path, tmp_path / "pool.csv", workers=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "pool.csv").read_bytes()
    assert (tmp_path / "one.rejects.csv").read_bytes() == (tmp_path / "pool.rejects.csv").read_bytes()
    assert (pooled.rows, pooled.clean, pooled.by_reason) == (one.rows, one.clean, one.by_reason)
    assert (one.rows, one.clean) == (200, 40)


def test_progress_through_a_sheet_reaches_the_files_size(monkeypatch):
    from csvtools import knobs

    monkeypatch.setattr(knobs, "CHUNK_ROWS", 3)
    seen = []
    validate_file(
        SAMPLES / "operations_list.xlsx", on_progress=lambda done, total: seen.append((done, total))
    )
    size = (SAMPLES / "operations_list.xlsx").stat().st_size
    assert len(seen) == 4 and seen == sorted(seen) and seen[0][0] < size  # 10 rows, 3 a chunk
    assert seen[-1] == (size, size)


def test_blank_rows_of_a_sheet_are_counted_as_a_csv_export_counts_them(tmp_path):
    # Empty rows inside the sheet (openpyxl writes no cell for them); a CSV export writes them as ",".
    rows = [["phone", "name"], ["+447911123456", "Ann"], [None, None], [None, None], ["+447911123457", "Bo"]]
    book = write_workbook(tmp_path / "blank.xlsx", {"Sheet": rows})
    export = tmp_path / "blank.csv"
    export.write_text("phone,name\n+447911123456,Ann\n,\n,\n+447911123457,Bo\n", encoding="utf-8")
    from_sheet, from_csv = validate_file(book), validate_file(export)
    assert (
        (from_sheet.rows, from_sheet.clean, from_sheet.rejected, from_sheet.blank)
        == (from_csv.rows, from_csv.clean, from_csv.rejected, from_csv.blank)
        == (4, 2, 0, 2)
    )


def test_a_float_column_reads_as_a_frames_cells():
    """The Dask engine reads Parquet floats with float_column_text; one machine reads a frame's with column_text."""
    import math

    import pandas as pd
    import pyarrow as pa

    from csvtools.io.frame import column_text, float_column_text

    values = [
        12025550123.0,
        447911123456.0,
        -3.0,
        0.0,
        1.5,
        0.1,
        2.0**53,
        1e16,
        -1e300,
        math.inf,
        math.nan,
        None,
    ]
    expected = column_text(pd.Series(values, dtype="float64")).to_pylist()
    assert float_column_text(pa.array(values, type=pa.float64())).to_pylist() == expected
    assert expected[:3] == ["12025550123", "447911123456", "-3"] and expected[-2:] == ["", ""]
    assert float_column_text(pa.array([919876543210.0], type=pa.float32())).to_pylist() == [
        column_text(pd.Series([919876543210.0], dtype="float32")).to_pylist()[0]
    ]
