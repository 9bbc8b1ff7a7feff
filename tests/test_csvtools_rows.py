"""What a file's rows become: blank rows skipped and counted, bad headers and binary files refused."""

import json
import random

import pytest
from click.testing import CliRunner

from csvtools import clean_file, knobs, validate_file
from csvtools.cli import cli
from csvtools.errors import ColumnError, InputFileError

GOOD = "+447911123456,Ann,London\n+447911123457,Bob,Leeds\n"


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.mark.parametrize("quoted", [False, True], ids=["blocks", "csv-module"])
@pytest.mark.parametrize("workers", [1, 2])
def test_blank_rows_are_skipped_and_counted_not_rejected(tmp_path, monkeypatch, quoted, workers):
    monkeypatch.setattr(knobs, "CHUNK_ROWS", 2)
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 64)
    name = '"Cy, Jr",York' if quoted else "Cy,York"
    path = tmp_path / "export.csv"
    path.write_text(
        "phone,name,city\n" + GOOD + ",,\n" + f"+447911123458,{name}\n" + ",,\n" * 7 + "bad,Dee,\n",
        encoding="utf-8",
    )
    report = clean_file(path, tmp_path / "c.csv", workers=workers)
    assert (report.rows, report.clean, report.rejected, report.blank) == (12, 3, 1, 8)
    assert report.rows == report.clean + report.rejected + report.blank
    assert report.valid is False and report.by_reason == {"not_a_number": 1}
    assert [rejection.line for rejection in report.rejections] == [13]
    assert (tmp_path / "c.csv").read_text().count("\n") == 4
    assert (tmp_path / "c.rejects.csv").read_text(encoding="utf-8-sig").count("\n") == 2


def test_a_file_whose_only_bad_rows_are_blank_is_valid(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("phone,name,city\n" + GOOD + ",,\n,,\n", encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 0
    assert "4 rows in, 2 clean, 0 rejected, 2 blank (skipped)" in result.stdout
    result = run("validate", path, "--format", "json")
    assert json.loads(result.stdout)["blank"] == 2


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("phone,name,name", "repeats 'name' (columns 2 and 3)"),
        ("phone,,city", "column 2 of the header has no name"),
        ("phone,name, ", "column 3 of the header has no name"),
    ],
    ids=["duplicate", "empty", "blank-space"],
)
def test_empty_and_repeated_header_names_are_refused(tmp_path, header, message):
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + GOOD, encoding="utf-8")
    with pytest.raises(ColumnError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_file(path)
    result = run("clean", path, "-o", tmp_path / "c.csv")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"csvtools: {path}: ") and message in line
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_binary_data_is_not_a_text_csv(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(5000)))  # no NUL byte to give it away
    with pytest.raises(InputFileError, match="not a text CSV"):
        validate_file(path)
