"""Outputs never destroy data: not the input, not each other, not a device; all of them or none."""

import codecs
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from csvtools import clean_file
from csvtools.cli import cli
from csvtools.errors import OutputFileError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SOURCE = (SAMPLES / "seed_example.csv").read_bytes()


def run(*args, stdin=None):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], input=stdin)
    assert "Traceback" not in result.output + result.stderr
    return result


def one_line(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("csvtools: "), result.stderr
    return lines[0]


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(SOURCE)
    return path


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["-o", "{in}"], "clean file"),
        (["-o", "{dir}/c.csv", "--rejects", "{in}"], "rejects file"),
        (["-o", "{dir}/x.csv", "--rejects", "{dir}/x.csv"], "rejects file"),
        (["-o", "{dir}/c.csv", "--report", "{dir}/c.csv"], "report file"),
        (["-o", "{dir}/c.csv", "--report", "{dir}/c.rejects.csv"], "report file"),
        (["-o", "{dir}/sub/../in.csv"], "clean file"),
        (["-o", "{dir}/hard.csv"], "clean file"),
    ],
    ids=[
        "out-is-input",
        "rejects-is-input",
        "out-is-rejects",
        "report-is-out",
        "report-is-default-rejects",
        "input-by-another-spelling",
        "hard-link-to-input",
    ],
)
def test_an_output_that_is_the_input_or_another_output_is_refused_before_reading(
    tmp_path, source, options, fragment
):
    (tmp_path / "sub").mkdir()
    os.link(source, tmp_path / "hard.csv")
    before = sorted(os.listdir(tmp_path))
    result = run("clean", source, *(option.format(**{"in": source, "dir": tmp_path}) for option in options))
    assert result.exit_code == 2
    assert "is the same file as" in one_line(result) and fragment in result.stderr
    assert source.read_bytes() == SOURCE
    assert sorted(os.listdir(tmp_path)) == before


def test_the_library_refuses_the_same_file_too(tmp_path, source):
    with pytest.raises(OutputFileError, match="same file"):
        clean_file(source, tmp_path / "c.csv", source)
    assert source.read_bytes() == SOURCE


@pytest.mark.parametrize(
    "report", ["{dir}/no/such/dir/report.json", "{dir}"], ids=["no-directory", "a-directory"]
)
def test_an_unwritable_report_leaves_no_clean_or_rejects_file(tmp_path, source, report):
    result = run("clean", source, "-o", tmp_path / "c.csv", "--report", report.format(dir=tmp_path))
    assert result.exit_code == 2
    one_line(result)
    assert sorted(os.listdir(tmp_path)) == ["in.csv"]


def test_the_library_writes_the_report_with_the_other_outputs(tmp_path, source):
    report = clean_file(source, tmp_path / "c.csv", report_path=tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == json.loads(json.dumps(report.to_dict()))
    assert sorted(os.listdir(tmp_path)) == ["c.csv", "c.rejects.csv", "in.csv", "r.json"]


@pytest.fixture
def device(tmp_path):
    """A character device like /dev/null, made in tmp_path (needs root, as the test machines run)."""
    path = tmp_path / "null"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


@pytest.mark.parametrize("option", ["-o", "--rejects", "--report"])
def test_an_output_that_is_a_device_is_refused_and_stays_a_device(tmp_path, source, device, option):
    args = ["-o", device] if option == "-o" else ["-o", tmp_path / "c.csv", option, device]
    result = run("clean", source, *args)
    assert result.exit_code == 2
    assert "not a regular file" in one_line(result)
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "null"]


def test_an_output_that_is_a_fifo_is_refused(tmp_path, source):
    os.mkfifo(tmp_path / "pipe")
    result = run("clean", source, "-o", tmp_path / "pipe")
    assert result.exit_code == 2
    assert "not a regular file" in one_line(result)
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_the_rejects_file_has_a_bom_and_the_clean_file_none(tmp_path, source):
    clean_file(source, tmp_path / "c.csv")
    assert (tmp_path / "c.rejects.csv").read_bytes().startswith(codecs.BOM_UTF8 + b"line,reason,detail,")
    assert (tmp_path / "c.csv").read_bytes().startswith(b"contact_number,")


def test_a_pipe_through_dev_stdin_is_read(tmp_path, source):
    command = f"cat {source} | {sys.executable} -m csvtools clean /dev/stdin -o {tmp_path / 'c.csv'}"
    result = subprocess.run(["bash", "-c", command], capture_output=True)
    assert result.returncode == 0, result.stderr
    assert b"4 rows in, 0 clean, 4 rejected" in result.stdout
    assert (tmp_path / "c.rejects.csv").exists()


def test_a_fifo_given_to_the_library_is_one_input_error(tmp_path):
    from csvtools import validate_file
    from csvtools.errors import InputFileError

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputFileError, match="not a regular file"):
        validate_file(tmp_path / "pipe")


def test_utf16_forced_on_a_file_without_bom_is_one_line(tmp_path, source):
    result = run("validate", source, "--encoding", "utf-16")
    assert result.exit_code == 2
    assert (
        one_line(result)
        == f"csvtools: {source}: cannot decode the file as utf-16: UTF-16 stream does not start with BOM"
    )
    assert "Usage:" not in result.stderr


def test_dash_reads_standard_input_for_validate_and_clean(tmp_path):
    result = run("validate", "-", "--format", "json", stdin=SOURCE)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["file"], report["rows"], report["rejected"]) == ("-", 4, 4)
    result = run("clean", "-", "-o", tmp_path / "c.csv", stdin=SOURCE)
    assert result.exit_code == 0
    assert "-: 4 rows in, 0 clean, 4 rejected" in result.stdout
    assert len((tmp_path / "c.rejects.csv").read_text(encoding="utf-8-sig").splitlines()) == 5


def test_clean_to_standard_output_puts_the_summary_on_stderr(tmp_path):
    good = (SAMPLES / "contacts_good.csv").read_bytes()
    result = run(
        "clean",
        "-",
        "-o",
        "-",
        "--rejects",
        tmp_path / "bad.csv",
        "--report",
        tmp_path / "r.json",
        stdin=good,
    )
    assert result.exit_code == 0, result.stderr
    expected = tmp_path / "expected.csv"
    clean_file(SAMPLES / "contacts_good.csv", expected, tmp_path / "expected.rejects.csv")
    assert result.stdout_bytes == expected.read_bytes()
    assert "12 rows in, 12 clean" in result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["clean_path"] == "-"
    assert not (tmp_path / "-").exists()


def test_clean_to_standard_output_needs_rejects(tmp_path, source):
    result = run("clean", source, "-o", "-")
    assert result.exit_code == 2
    assert "--rejects" in one_line(result)
    assert result.stdout == ""


def test_a_file_named_dash_is_reachable_as_dot_slash_dash(tmp_path, source, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("-").write_bytes(SOURCE)
    result = run("validate", "./-", "--format", "json", stdin=b"")
    assert json.loads(result.stdout)["rows"] == 4
    result = run("clean", source, "-o", "./-")
    assert result.exit_code == 0
    assert Path("-").read_bytes().startswith(b"contact_number,")


@pytest.mark.parametrize(
    "command", [["validate", "{in}"], ["clean", "{in}", "-o", "{dir}/c.csv"]], ids=["validate", "clean"]
)
def test_quiet_prints_nothing_but_errors(tmp_path, source, command):
    args = [part.format(**{"in": source, "dir": tmp_path}) for part in command]
    result = run(*args, "--quiet")
    assert result.exit_code in (0, 1)
    assert result.stdout == "" and result.stderr == ""
    result = run(*[tmp_path / "absent.csv" if part == str(source) else part for part in args], "--quiet")
    assert result.exit_code == 2
    one_line(result)


def test_clean_to_standard_output_checks_the_report_path_first(tmp_path):
    good = (SAMPLES / "contacts_good.csv").read_bytes()
    for report in (tmp_path / "bad.csv", tmp_path / "no" / "dir" / "r.json"):
        result = run(
            "clean", "-", "-o", "-", "--rejects", tmp_path / "bad.csv", "--report", report, stdin=good
        )
        assert result.exit_code == 2
        one_line(result)
        assert result.stdout == "" and os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["clean", "validate"])
def test_the_html_page_never_replaces_the_input_or_another_output(tmp_path, command):
    source = tmp_path / "in.csv"
    source.write_text("phone,name\n+447911123456,Ann\n", encoding="utf-8")
    before = source.read_bytes()
    arguments = [command, source, "--html", source] + (
        ["-o", tmp_path / "c.csv"] if command == "clean" else []
    )
    result = CliRunner().invoke(cli, [str(argument) for argument in arguments])
    assert result.exit_code == 2 and "same file" in result.stderr
    assert source.read_bytes() == before
    if command == "clean":
        clash = CliRunner().invoke(
            cli, ["clean", str(source), "-o", str(tmp_path / "c.csv"), "--html", str(tmp_path / "c.csv")]
        )
        assert clash.exit_code == 2 and "same file" in clash.stderr
        assert not (tmp_path / "c.csv").exists()
