"""The library takes more than paths: binary file objects, and pandas DataFrames (clean_frame)."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csvtools import ColumnError, clean_file, clean_frame, validate_file

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_validate_a_binary_stream():
    report = validate_file(io.BytesIO(b"phone,name\n+447400123456,A\n12,B\n"))
    assert (report.file, report.rows, report.clean, report.rejected) == ("<stream>", 2, 1, 1)
    assert [(r.line, r.reason) for r in report.rejections] == [(3, "not_a_number")]


def test_an_open_file_is_reported_by_its_name_and_gives_what_its_path_gives(tmp_path):
    path = SAMPLES / "spreadsheet_export.csv"
    with open(path, "rb") as handle:
        from_stream = clean_file(handle, tmp_path / "a.csv")
    from_path = clean_file(path, tmp_path / "b.csv")
    assert from_stream.file == str(path)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.rejects.csv").read_bytes() == (tmp_path / "b.rejects.csv").read_bytes()
    assert from_stream.by_reason == from_path.by_reason


def test_a_workbook_stream_is_known_by_its_first_bytes():
    report = validate_file(io.BytesIO((SAMPLES / "operations_list.xlsx").read_bytes()), region="IN")
    assert (report.sheet, report.rows, report.clean, report.blank) == ("December calls", 10, 5, 1)


def test_a_text_stream_is_a_type_error():
    with pytest.raises(TypeError, match="binary file object"):
        validate_file(io.StringIO("phone\n+447400123456\n"))


@pytest.fixture
def frame():
    # As pandas reads a CSV by default: a phone column with a gap becomes floats.
    return pd.DataFrame(
        {
            "name": ["Asha", "Ravi", "Zoë", "Dev", "NA"],
            "phone": [919876543210.0, np.nan, 447400123456.0, 919876543210.0, 4930901820.0],
            "visits": [3, 1, 4, 1, 5],
        },
        index=["a", "b", "c", "d", "e"],
    )


def test_clean_frame_returns_clean_rejects_and_report(frame):
    clean, rejects, report = clean_frame(frame)
    assert list(clean.columns) == ["contact_number", "name", "visits"]
    assert list(clean.index) == ["a", "c", "e"]
    assert list(clean["contact_number"]) == ["+919876543210", "+447400123456", "+4930901820"]
    assert clean["visits"].dtype == frame["visits"].dtype
    assert list(clean["name"]) == ["Asha", "Zoë", "NA"]
    assert list(rejects.columns) == ["line", "reason", "detail", "name", "phone", "visits"]
    assert list(rejects.index) == ["b", "d"]
    assert list(rejects["line"]) == [3, 5]
    assert list(rejects["reason"]) == ["missing_number", "duplicate"]
    assert rejects.loc["d", "detail"] == "+919876543210 is already on line 2"
    assert (report.rows, report.clean, report.rejected, report.file) == (5, 3, 2, "<DataFrame>")
    assert report.clean_path is None and report.rejects_path is None


def test_clean_frame_gives_what_clean_file_gives_for_the_same_rows(frame, tmp_path):
    text = frame.assign(phone=["919876543210", "", "447400123456", "919876543210", "4930901820"])
    text.to_csv(tmp_path / "in.csv", index=False)
    file_report = clean_file(tmp_path / "in.csv", tmp_path / "out.csv", region="IN")
    clean, _, frame_report = clean_frame(frame, region="IN")
    assert (
        list(clean["contact_number"])
        == pd.read_csv(tmp_path / "out.csv", dtype=str)["contact_number"].tolist()
    )
    assert frame_report.rejections == file_report.rejections
    assert (frame_report.by_reason, frame_report.by_country) == (
        file_report.by_reason,
        file_report.by_country,
    )


def test_clean_frame_with_column_and_region():
    frame = pd.DataFrame({"Mobile": ["07400 123456", "+44 7400 123457"], "Phone": ["", ""]})
    with pytest.raises(ColumnError):
        clean_frame(frame)
    clean, rejects, report = clean_frame(frame, column="Mobile", region="GB")
    assert list(clean["contact_number"]) == ["+447400123456", "+447400123457"]
    assert rejects.empty and list(rejects.columns) == ["line", "reason", "detail", "Mobile", "Phone"]
    assert report.region == "GB"


def test_clean_frame_of_no_rows():
    clean, rejects, report = clean_frame(pd.DataFrame({"phone": pd.Series([], dtype=object), "x": []}))
    assert (len(clean), len(rejects), report.rows) == (0, 0, 0)
    assert list(clean.columns) == ["contact_number", "x"]


def test_clean_frame_skips_blank_rows_and_counts_them():
    frame = pd.DataFrame({"phone": ["+447911123456", None, ""], "name": ["Ann", None, ""]})
    clean, rejects, report = clean_frame(frame, column="phone")
    assert (report.rows, report.clean, report.rejected, report.blank) == (3, 1, 0, 2)
    assert len(clean) == 1 and rejects.empty
