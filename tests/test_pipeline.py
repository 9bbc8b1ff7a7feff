"""The whole-file pipeline: golden outputs for the samples, nothing lost, files in any shape."""

import csv
import os
from pathlib import Path

import pytest

from csvtools import ColumnError, InputFileError, OutputFileError, clean_file, knobs, validate_file
from csvtools.io.naming import rejects_path_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "tests" / "golden"

SAMPLE_RUNS = {
    "seed_example": {},
    "contacts_good": {},
    "spreadsheet_export": {},
    "google_contacts": {},
    "national_semicolon": {"region": "DE", "column": "Telefon"},
}


def count_records(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.mark.parametrize("name", sorted(SAMPLE_RUNS))
def test_sample_outputs_match_golden_files(tmp_path, name):
    out = tmp_path / f"{name}.clean.csv"
    report = clean_file(SAMPLES / f"{name}.csv", out, **SAMPLE_RUNS[name])
    assert out.read_bytes() == (GOLDEN / f"{name}.clean.csv").read_bytes()
    rejects = Path(rejects_path_for(out))
    assert rejects.read_bytes() == (GOLDEN / f"{name}.clean.rejects.csv").read_bytes()
    # Nothing lost: every record is in exactly one of the two files.
    assert report.rows == report.clean + report.rejected
    assert count_records(out) == report.clean
    assert count_records(rejects) == report.rejected


def test_seed_example_is_rejected_with_reasons():
    report = validate_file(SAMPLES / "seed_example.csv")
    assert (report.rows, report.clean, report.rejected) == (4, 0, 4)
    assert report.by_reason == {"invalid_number": 3, "invalid_country_code": 1}
    assert [r.line for r in report.rejections] == [2, 3, 4, 5]


def test_messy_export_report_counts_every_reason_and_reading():
    report = validate_file(SAMPLES / "spreadsheet_export.csv")
    assert report.column == "Phone"
    assert report.rows == 22
    assert report.by_reason["malformed_row"] == 2
    assert report.by_reason["duplicate"] == 1
    assert report.by_reading == {"international": 7, "plus_added": 2, "00_as_plus": 1}
    assert sum(report.by_reason.values()) == report.rejected
    assert sum(report.by_country.values()) == report.clean


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_line_numbers_are_physical_lines_across_quoted_newlines(tmp_path):
    source = write(
        tmp_path / "in.csv", 'phone,note\n+919876543210,"a\nb\nc"\nnope,x\n\n+447911123456,y\nbad\n'
    )
    report = validate_file(source)
    assert [(r.line, r.reason) for r in report.rejections] == [(5, "not_a_number"), (8, "malformed_row")]
    assert report.rows == 4


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 1000])
@pytest.mark.parametrize("workers", [1, 2])
def test_chunking_and_workers_do_not_change_the_result(tmp_path, monkeypatch, chunk_rows, workers):
    baseline = clean_file(SAMPLES / "spreadsheet_export.csv", tmp_path / "a.csv")
    monkeypatch.setattr(knobs, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 16 * chunk_rows)
    report = clean_file(SAMPLES / "spreadsheet_export.csv", tmp_path / "b.csv", workers=workers)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.rejects.csv").read_bytes() == (tmp_path / "b.rejects.csv").read_bytes()
    assert report.to_dict() | {"clean_path": None, "rejects_path": None} == baseline.to_dict() | {
        "clean_path": None,
        "rejects_path": None,
    }


def test_duplicates_across_chunks_name_the_first_line(tmp_path, monkeypatch):
    source = write(tmp_path / "in.csv", "phone\n+919876543210\n+447911123456\n+91 98765 43210\n")
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 16)  # one line a block
    report = validate_file(source)
    assert [(r.line, r.reason, r.detail) for r in report.rejections] == [
        (4, "duplicate", "+919876543210 is already on line 2")
    ]
    assert validate_file(source, keep_duplicates=True).valid


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_unicode_encodings_are_detected(tmp_path, encoding, prefix):
    text = "contact_number,name\n+919876543210,Zoë\n"
    source = tmp_path / "in.csv"
    source.write_bytes(prefix + text.encode(encoding))
    clean_file(source, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == text


def test_windows_1252_byte_far_into_the_file_falls_back_for_the_whole_file(tmp_path):
    rows = "".join(f"+9198765{i:05d},name{i}\n" for i in range(20000))
    source = tmp_path / "in.csv"
    source.write_bytes(("contact_number,name\n" + rows).encode() + "+919876599999,Zo\xeb\n".encode("cp1252"))
    report = clean_file(source, tmp_path / "out.csv")
    assert report.encoding == "cp1252"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").endswith("+919876599999,Zoë\n")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    source = write(tmp_path / "in.csv", f"name{delimiter}mobile\nA{delimiter}+919876543210\n")
    report = clean_file(source, tmp_path / "out.csv")
    assert report.delimiter == delimiter
    assert (tmp_path / "out.csv").read_text() == "contact_number,name\n+919876543210,A\n"


def test_values_are_never_type_guessed(tmp_path):
    source = write(
        tmp_path / "in.csv", "phone,name,zip,flag\n+919876543210,NA,00123,null\n+447911123456,,1e5,None\n"
    )
    clean_file(source, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text() == (
        "contact_number,name,zip,flag\n+919876543210,NA,00123,null\n+447911123456,,1e5,None\n"
    )


def test_header_only_file_is_fine(tmp_path):
    source = write(tmp_path / "in.csv", "contact_number,name\n")
    report = clean_file(source, tmp_path / "out.csv")
    assert (report.rows, report.valid) == (0, True)
    assert (tmp_path / "out.csv").read_text() == "contact_number,name\n"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x06\x00", "xlsx"),
        (b"contact_number\x00,name\x00\n", "NUL"),
        (b"contact_number\n+91\x81\x8d\x8f\x90\x9d\n", "decode"),
    ],
    ids=["empty", "blank-lines", "png", "xlsx", "nul-bytes", "undecodable"],
)
def test_bad_files_raise_input_errors(tmp_path, content, message):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        clean_file(source, tmp_path / "out.csv")
    assert os.listdir(tmp_path) == ["in.csv"]


def test_missing_file_raises(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        validate_file(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    "header, message",
    [("name,email", "no phone column"), ("phone,mobile", "several phone columns")],
)
def test_phone_column_must_be_unambiguous(tmp_path, header, message):
    source = write(tmp_path / "in.csv", header + "\nx,y\n")
    with pytest.raises(ColumnError, match=message):
        validate_file(source)


def test_column_option_picks_among_candidates(tmp_path):
    source = write(tmp_path / "in.csv", "phone,mobile\n+919876543210,+447911123456\n")
    clean_file(source, tmp_path / "out.csv", column="Mobile")
    assert (tmp_path / "out.csv").read_text() == "contact_number,phone\n+447911123456,+919876543210\n"


def test_failure_mid_run_leaves_no_output_behind(tmp_path, monkeypatch):
    source = write(tmp_path / "in.csv", "phone\n" + "+919876543210\n" * 10)
    (tmp_path / "out.csv").write_text("previous run\n")
    from csvtools.run.settle import Settler

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Settler, "settle", explode)
    with pytest.raises(OSError):
        clean_file(source, tmp_path / "out.csv")
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv"]
    assert (tmp_path / "out.csv").read_text() == "previous run\n"


def test_unwritable_output_raises_output_error(tmp_path):
    source = write(tmp_path / "in.csv", "phone\n+919876543210\n")
    with pytest.raises(OutputFileError, match="no such directory"):
        clean_file(source, tmp_path / "missing" / "out.csv")


@pytest.mark.parametrize("block", [5, 16, 1 << 20])
def test_encoding_is_decided_over_the_whole_file_whatever_the_read_size(tmp_path, monkeypatch, block):
    from csvtools.io.encoding import decide_encoding, detect_encoding

    monkeypatch.setattr(knobs, "UTF8_CHECK_BYTES", block)
    lines = ["phone,name"] + [f"+4479111234{i:02d},Zoë Ångström {'x' * (i * 3)}" for i in range(60)]
    good = write(tmp_path / "good.csv", "\n".join(lines) + "\n")
    no_final_newline = write(tmp_path / "tail.csv", "\n".join(lines))
    late_cp1252 = tmp_path / "late.csv"
    late_cp1252.write_bytes(good.read_bytes() + "+447911123499,Andr\xe9\n".encode("cp1252"))
    ascii_then_cp1252 = tmp_path / "ascii.csv"
    ascii_then_cp1252.write_bytes(
        good.read_bytes().decode().encode("ascii", "replace") + "+447911123499,Andr\xe9\n".encode("cp1252")
    )
    assert decide_encoding(good) == ("utf-8", "strict")
    assert decide_encoding(no_final_newline) == ("utf-8", "strict")
    # UTF-8 text with one stray cp1252 byte is damaged UTF-8 (issue #12, item 13), not cp1252.
    assert decide_encoding(late_cp1252) == ("utf-8", "surrogateescape")
    assert detect_encoding(ascii_then_cp1252) == "cp1252"


@pytest.mark.parametrize(
    ("source", "out_dir", "clean", "rejects"),
    [
        ("in/contacts.csv", None, "in/contacts.clean.csv", "in/contacts.rejects.csv"),
        ("in/contacts.csv", "out", "out/contacts.clean.csv", "out/contacts.rejects.csv"),
        ("in/contacts.clean.csv", "out", "out/contacts.clean.csv", "out/contacts.rejects.csv"),
        ("contacts.tsv", None, "contacts.clean.csv", "contacts.rejects.csv"),
    ],
    ids=["beside", "out-dir", "already-clean", "other-extension"],
)
def test_one_naming_rule_for_outputs(source, out_dir, clean, rejects):
    from csvtools import output_paths

    assert output_paths(source, out_dir) == (clean, rejects)
    assert rejects_path_for(clean) == rejects


def test_workers_zero_means_automatic_and_gives_the_same_result(tmp_path):
    sample = SAMPLES / "spreadsheet_export.csv"
    auto = clean_file(sample, tmp_path / "auto.csv", workers=0)
    inline = clean_file(sample, tmp_path / "inline.csv", workers=1)
    assert (tmp_path / "auto.csv").read_bytes() == (tmp_path / "inline.csv").read_bytes()
    assert auto.by_reason == inline.by_reason
