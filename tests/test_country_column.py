"""A country per row: the country column, the mismatch check, a refused --region, fallback phone columns."""

import csv
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools import ColumnError, clean_file, validate_file
from csvtools.cli import cli

# The CRM export: a US and a UK contact in national spellings, and their countries.
MIXED = """Name,Phone Number,Country/Region
Ann,(202) 555-0143,United States
Bob,07911 123456,United Kingdom
Cid,98765 43210,
Dev,+91 98765 43211,IN
"""


def write(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def numbers_of(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return [row["contact_number"] for row in csv.DictReader(handle)]


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.mark.parametrize("workers", [1, 2], ids=["inline", "pool"])
def test_each_national_number_is_read_in_its_rows_country(tmp_path, workers):
    out = tmp_path / "clean.csv"
    report = clean_file(write(tmp_path, MIXED), out, region="IN", workers=workers)
    assert numbers_of(out) == ["+12025550143", "+447911123456", "+919876543210", "+919876543211"]
    assert (report.region_column, report.region_column_detected) == ("Country/Region", True)
    assert report.region_mismatches == 0
    # The country column stays a per-contact variable.
    assert [row["Country/Region"] for row in rows_of(out)] == ["United States", "United Kingdom", "", "IN"]


def test_without_the_country_column_one_region_reads_every_number(tmp_path):
    out = tmp_path / "clean.csv"
    report = clean_file(write(tmp_path, MIXED), out, region="IN", detect_region_column=False)
    assert numbers_of(out) == ["+912025550143", "+917911123456", "+919876543210", "+919876543211"]
    assert report.region_column is None


def test_an_empty_country_cell_without_region_reads_the_number_as_international(tmp_path):
    report = validate_file(write(tmp_path, MIXED))
    assert [r.line for r in report.rejections] == [4]  # 98765 43210 has no country
    assert "pass --region or a country column" in report.rejections[0].detail


def test_a_cell_naming_no_country_rejects_only_numbers_that_need_one(tmp_path):
    path = write(
        tmp_path,
        "phone,country\n07911 123456,Narnia\n+44 7911 123457,Narnia\n0044 7911 123458,Narnia\n"
        "447911123459,Narnia\n",
    )
    report = validate_file(path, region="GB")
    assert [(r.line, r.reason) for r in report.rejections] == [(2, "unknown_country"), (5, "unknown_country")]
    assert "'Narnia'" in report.rejections[0].detail
    assert report.clean == 2


def test_an_explicit_country_column_is_used_and_said_so(tmp_path):
    path = write(tmp_path, "phone,Land\n030 1234567,Germany\n0221 1234567,deu\n")
    report = validate_file(path, region_column="Land")
    assert (report.clean, report.region_column, report.region_column_detected) == (2, "Land", False)


def test_country_cells_may_be_codes_names_or_calling_codes(tmp_path):
    path = write(
        tmp_path,
        "phone,country\n"
        "07911 123456,gb\n07911 123457,GBR\n07911 123458,U.K.\n07911 123459,+44\n07911 123450,44\n",
    )
    out = tmp_path / "clean.csv"
    clean_file(path, out)
    assert numbers_of(out) == [f"+44791112345{digit}" for digit in "67890"]


MISMATCHED = (
    "phone,country\n+44 7911 123456,India\n+44 7911 123457,GB\n07911 123458,GB\n+91 98765 43210,India\n"
)


def test_an_international_number_of_another_country_is_kept_and_listed(tmp_path):
    report = validate_file(write(tmp_path, MISMATCHED))
    assert report.valid
    assert report.region_mismatches == 1
    # Calling codes are compared: +44 7911… is GG to libphonenumber, and no mismatch under GB.
    assert [(m.line, m.reason, m.value) for m in report.mismatches] == [
        (2, "region_mismatch", "+44 7911 123456")
    ]
    assert "+44" in report.mismatches[0].detail and "IN" in report.mismatches[0].detail


def test_strict_region_rejects_the_mismatches(tmp_path):
    out = tmp_path / "clean.csv"
    report = clean_file(write(tmp_path, MISMATCHED), out, strict_region=True)
    assert [(r.line, r.reason) for r in report.rejections] == [(2, "region_mismatch")]
    assert report.region_mismatches == 0
    assert numbers_of(out) == ["+447911123457", "+447911123458", "+919876543210"]


def test_a_duplicate_of_a_mismatch_is_counted_once(tmp_path):
    report = validate_file(write(tmp_path, "phone,country\n+44 7911 123456,IN\n+447911123456,IN\n"))
    assert report.region_mismatches == 1
    assert report.by_reason == {"duplicate": 1}


def test_mismatches_are_capped_like_rejections(tmp_path):
    rows = "".join(f"+44 7911 12345{digit},IN\n" for digit in range(5))
    report = validate_file(write(tmp_path, "phone,country\n" + rows), max_rejections=2)
    assert (report.region_mismatches, len(report.mismatches), report.mismatches_omitted) == (5, 2, 3)


def test_rows_whose_country_is_only_the_region_option_are_not_checked(tmp_path):
    report = validate_file(write(tmp_path, "phone\n+44 7911 123456\n"), region="IN")
    assert report.region_mismatches == 0


def test_two_country_headers_are_a_column_error(tmp_path):
    path = write(tmp_path, "phone,Country,Nation\n+447911123456,GB,GB\n")
    with pytest.raises(ColumnError, match="--region-column"):
        validate_file(path)
    assert validate_file(path, region_column="Nation").clean == 1
    assert validate_file(path, detect_region_column=False).clean == 1


def test_the_country_column_cannot_be_the_phone_column(tmp_path):
    with pytest.raises(ColumnError, match="both"):
        validate_file(write(tmp_path, "phone,country\n+447911123456,GB\n"), region_column="phone")


def test_cli_says_which_country_column_it_used_and_lists_mismatches(tmp_path):
    result = run("validate", write(tmp_path, MISMATCHED))
    assert result.exit_code == 0
    assert "country column 'country' (found by its header" in result.stdout
    assert "1 kept numbers are of another country" in result.stdout
    assert "line 2: region_mismatch:" in result.stdout


def test_cli_strict_region_and_no_region_column(tmp_path):
    path = write(tmp_path, MISMATCHED)
    assert run("validate", path, "--strict-region").exit_code == 1
    result = run("validate", path, "--strict-region", "--no-region-column", "--region", "GB")
    assert result.exit_code == 0
    assert "country column" not in result.stdout


def test_cli_json_carries_the_mismatches_as_the_library_does(tmp_path):
    path = write(tmp_path, MISMATCHED)
    result = run("validate", path, "--format", "json")
    assert json.loads(result.stdout) == json.loads(json.dumps(validate_file(path).to_dict()))
    assert json.loads(result.stdout)["region_mismatches"] == 1


@pytest.mark.parametrize("region", ["Germny", "XX", "001"], ids=str)
def test_cli_refuses_a_region_that_names_no_country(tmp_path, region):
    result = run("validate", write(tmp_path, MIXED), "--region", region)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and repr(region) in errors[0]


def test_cli_region_takes_a_country_name(tmp_path):
    path = write(tmp_path, "phone\n030 1234567\n")
    result = run("validate", path, "--region", "Germany", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["region"] == "DE"


FALLBACK = "Name,Mobile,Phone\nAnn,+44 7911 123456,+44 20 7946 0018\nBob,,+44 20 7946 0019\nCid, ,12\nDee,,\n"


def test_fallback_columns_take_the_first_non_empty_cell(tmp_path):
    out = tmp_path / "clean.csv"
    report = clean_file(write(tmp_path, FALLBACK), out, column=("Mobile", "Phone"), region="GB")
    assert numbers_of(out) == ["+447911123456", "+442079460019"]
    # The other listed column stays a variable: nothing is lost.
    assert [row["Phone"] for row in rows_of(out)] == ["+44 20 7946 0018", "+44 20 7946 0019"]
    assert report.by_column == {"Mobile": 1, "Phone": 1}
    assert report.column == "Mobile"
    assert [(r.line, r.reason, r.value) for r in report.rejections] == [
        (4, "too_short", "12"),
        (5, "missing_number", ""),
    ]
    assert report.rejections[0].detail.endswith("(column 'Phone')")


def test_a_duplicate_from_a_fallback_column_lists_that_cell(tmp_path):
    path = write(tmp_path, "Mobile,Phone\n+447911123456,\n,+44 7911 123456\n")
    report = validate_file(path, column=("Mobile", "Phone"))
    assert [(r.reason, r.value) for r in report.rejections] == [("duplicate", "+44 7911 123456")]


def test_cli_repeated_column_option_and_the_hint_for_several_phone_headers(tmp_path):
    path = write(tmp_path, FALLBACK)
    result = run("validate", path, "--region", "GB")
    assert result.exit_code == 2
    assert "--column Mobile --column Phone" in result.stderr
    result = run("validate", path, "--region", "GB", "--column", "Mobile", "--column", "Phone")
    assert result.exit_code == 1
    assert "numbers by column: Mobile 1, Phone 1" in result.stdout


COUNTRY_CELLS = ["GB", "us", "India", "DEU", "+33", "", "Narnia", "AU", "Argentina", "BR"]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "07911 123456",
                    "(202) 555-0143",
                    "98765 43210",
                    "030 1234567",
                    "06 12 34 56 78",
                    "+44 7911 123456",
                    "0011 44 7911 123456",
                    "+61 2 9876 5432",
                    "12",
                    "N/A",
                    "",
                    "447911123456",
                    "=+447911123456",
                    "'07911 123456",
                    "011 15 2345 6789",
                    "0 21 2345 6789",
                ]
            ),
            st.sampled_from(COUNTRY_CELLS),
        ),
        min_size=1,
        max_size=30,
    ),
    region=st.sampled_from([None, "IN", "GB"]),
)
def test_a_country_column_judges_each_row_as_the_reference_does_in_that_country(rows, region):
    """Every row's verdict is normalize_number's in the row's country (unknown cells aside)."""
    import pyarrow as pa

    from csvtools import normalize_number
    from csvtools.numbers.chunk import judge_column
    from csvtools.numbers.countries import resolve_country

    values, cells = zip(*(rows * 6))  # repeated: enough numbers per code for the vectorized path
    verdicts = judge_column(pa.array(values), region, "valid", pa.array(cells)).to_pylist()
    for value, cell, verdict in zip(values, cells, verdicts):
        if cell == "Narnia":
            continue
        expected = normalize_number(value, resolve_country(cell) if cell else region)
        got = tuple(verdict[name] for name in ("number", "reason", "detail", "region", "reading"))
        assert got == (expected.number, expected.reason, expected.detail, expected.region, expected.reading)


def test_cli_github_format_shows_mismatches_as_warnings(tmp_path):
    result = run("validate", write(tmp_path, MISMATCHED), "--format", "github")
    assert result.exit_code == 0
    assert any(
        line.startswith("::warning file=") and ",line=2,title=region_mismatch::" in line
        for line in result.stdout.splitlines()
    )


def test_clean_chunk_reads_each_row_in_its_country_column():
    import pandas as pd

    from csvtools import clean_chunk

    frame = pd.DataFrame(
        {
            "phone": ["(202) 555-0143", "07911 123456", "+44 7911 123456", None],
            "country": ["USA", "UK", "IN", "GB"],
        },
        index=pd.RangeIndex(2, 6, name="line"),
    )
    verdicts = clean_chunk(frame, "phone", country_column="country")
    assert list(verdicts.index) == [2, 3, 4, 5]
    assert list(
        verdicts["contact_number"].astype(object).where(verdicts["contact_number"].notna(), None)
    ) == ["+12025550143", "+447911123456", "+447911123456", None]
    assert verdicts["mismatch"].notna().tolist() == [False, False, True, False]
