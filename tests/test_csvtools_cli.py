"""The csvtools command line: exit codes, formats, bad files, and parity with the library."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from csvtools import validate_file
from csvtools.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr
    return result


def test_validate_exit_0_when_every_row_is_kept():
    result = run("validate", SAMPLES / "contacts_good.csv")
    assert result.exit_code == 0
    assert "12 rows in, 12 clean, 0 rejected" in result.stdout


def test_validate_exit_1_when_any_row_would_be_rejected(tmp_path):
    result = run("validate", SAMPLES / "seed_example.csv")
    assert result.exit_code == 1
    assert "4 rows in, 0 clean, 4 rejected" in result.stdout
    assert "line 4: invalid_country_code" in result.stdout
    assert os.listdir(tmp_path) == []


def test_validate_exit_2_when_a_file_cannot_be_processed(tmp_path):
    result = run("validate", SAMPLES / "contacts_good.csv", tmp_path / "absent.csv")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"csvtools: {tmp_path / 'absent.csv'}: no such file: {tmp_path / 'absent.csv'}"
    ]
    assert "12 clean" in result.stdout


def test_validate_json_is_exactly_the_library_report():
    result = run("validate", SAMPLES / "spreadsheet_export.csv", "--format", "json")
    assert result.exit_code == 1
    library = validate_file(str(SAMPLES / "spreadsheet_export.csv"))
    assert json.loads(result.stdout) == json.loads(json.dumps(library.to_dict()))


def test_validate_json_for_several_files_is_a_list():
    result = run("validate", SAMPLES / "seed_example.csv", SAMPLES / "contacts_good.csv", "--format", "json")
    reports = json.loads(result.stdout)
    assert [report["valid"] for report in reports] == [False, True]


def test_validate_github_annotations_point_at_lines():
    result = run("validate", SAMPLES / "seed_example.csv", "--format", "github")
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 4
    assert annotations[2] == (
        f"::error file={str(SAMPLES / 'seed_example.csv').replace(':', '%3A')},line=4,"
        "title=invalid_country_code::no known country calling code at the start"
    )


def test_clean_writes_both_files_and_exits_0_even_with_rejects(tmp_path):
    out = tmp_path / "clean.csv"
    result = run("clean", SAMPLES / "seed_example.csv", "-o", out, "--report", tmp_path / "report.json")
    assert result.exit_code == 0
    assert out.read_text() == "contact_number,first_name,last_name\n"
    rejects = tmp_path / "clean.rejects.csv"
    assert len(rejects.read_text().splitlines()) == 5
    assert f"to {rejects}" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["rows"], report["clean"], report["rejected"]) == (4, 0, 4)


def test_clean_with_region_and_column_and_named_rejects(tmp_path):
    result = run(
        "clean",
        SAMPLES / "national_semicolon.csv",
        "-o",
        tmp_path / "de.csv",
        "--rejects",
        tmp_path / "bad.csv",
        "--region",
        "DE",
        "--column",
        "Telefon",
    )
    assert result.exit_code == 0, result.stderr
    assert "7 rows in, 6 clean, 1 rejected" in result.stdout
    assert (tmp_path / "bad.csv").read_text().splitlines()[1].startswith("8,too_short,")


def test_clean_forced_delimiter_and_encoding(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes("contact_number|name\n+919876543210|Zo\xeb\n".encode("latin-1"))
    result = run("clean", source, "-o", tmp_path / "out.csv", "--delimiter", "|", "--encoding", "latin-1")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "contact_number,name\n+919876543210,Zoë\n"


def test_clean_keep_duplicates(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("phone\n+919876543210\n+919876543210\n")
    assert "1 rejected" in run("clean", source, "-o", tmp_path / "a.csv").stdout
    assert "0 rejected" in run("clean", source, "-o", tmp_path / "b.csv", "--keep-duplicates").stdout


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV file"),
        (b"name,email\nA,a@example.com\n", "no phone column found among 'name', 'email'"),
        (b"contact_number\n\x81\x8d\n", "cannot decode"),
    ],
    ids=["empty", "image", "no-phone-column", "undecodable"],
)
def test_clean_bad_file_exit_2_one_line_no_output(tmp_path, content, fragment):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    result = run("clean", source, "-o", tmp_path / "out.csv")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert fragment in result.stderr
    assert os.listdir(tmp_path) == ["in.csv"]


def test_clean_header_only_exit_0(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("contact_number,name\n")
    result = run("clean", source, "-o", tmp_path / "out.csv")
    assert result.exit_code == 0
    assert "0 rows in, 0 clean, 0 rejected" in result.stdout


def test_clean_unwritable_output_exit_2(tmp_path):
    result = run("clean", SAMPLES / "contacts_good.csv", "-o", tmp_path / "no" / "out.csv")
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_unreadable_input_exit_2(tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text("phone\n+919876543210\n")

    def refuse(*args, **kwargs):
        # chmod 0 means nothing to root, who runs CI here; refuse the way the OS would.
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr("csvtools.io.encoding.open", refuse, raising=False)
    result = run("validate", source)
    assert result.exit_code == 2
    assert "permission denied" in result.stderr


def test_directory_as_input_exit_2(tmp_path):
    result = run("validate", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_usage_errors_exit_2():
    assert run("validate", SAMPLES / "seed_example.csv", "--level", "strict").exit_code == 2
    assert run("clean", SAMPLES / "seed_example.csv").exit_code == 2


def test_python_dash_m_and_console_script_work(tmp_path):
    module = subprocess.run(
        [sys.executable, "-m", "csvtools", "validate", str(SAMPLES / "contacts_good.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert module.returncode == 0, module.stderr
    script = Path(sys.executable).with_name(
        "csvtools"
    )  # installed beside the interpreter, as scripts/test does
    assert script.exists(), f"no console script {script}: install the project (pip install -e .)"
    direct = subprocess.run(
        [str(script), "validate", str(SAMPLES / "contacts_good.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout == module.stdout


def test_every_command_has_help_with_an_example():
    for command in ("validate", "clean"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout


def test_summary_notes_how_numbers_were_read(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("phone\n447911123456\n00919876543210\n+14155550123\n", encoding="utf-8")
    result = run("validate", source)
    assert "note: 1 numbers had no + and were read as international; rerun with --region" in result.stdout
    assert "note: 1 numbers began with 00, read as +" in result.stdout


def test_workers_0_is_automatic_and_writes_what_one_process_writes(tmp_path):
    automatic = run(
        "clean", SAMPLES / "spreadsheet_export.csv", "-o", tmp_path / "auto.csv", "--workers", "0"
    )
    inline = run("clean", SAMPLES / "spreadsheet_export.csv", "-o", tmp_path / "one.csv", "--workers", "1")
    assert automatic.exit_code == inline.exit_code == 0
    assert (tmp_path / "auto.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert (tmp_path / "auto.rejects.csv").read_bytes() == (tmp_path / "one.rejects.csv").read_bytes()


def test_validate_decides_the_workers_for_each_file(tmp_path, monkeypatch):
    """Automatic workers are decided per file: a large first file does not set them for the rest."""
    import csvtools.run.pipeline as pipeline

    decided = []
    monkeypatch.setattr(pipeline, "auto_workers", lambda path: decided.append(os.path.basename(path)) or 1)
    result = run("validate", SAMPLES / "contacts_good.csv", SAMPLES / "google_contacts.csv")
    assert result.exit_code in (0, 1)
    assert decided == ["contacts_good.csv", "google_contacts.csv"]


def test_rejections_omitted_counts_what_the_report_does_not_list():
    report = validate_file(SAMPLES / "spreadsheet_export.csv", max_rejections=2)
    assert len(report.rejections) == 2
    assert report.rejections_omitted == report.rejected - 2 > 0
    full = validate_file(SAMPLES / "spreadsheet_export.csv")
    assert full.rejections_omitted == 0 and full.rejections[:2] == report.rejections
