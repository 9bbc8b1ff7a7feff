"""A UTF-8 file with a few bytes that are not UTF-8 is a damaged UTF-8 file, not a cp1252 one."""

import pytest
from click.testing import CliRunner

from csvtools import clean_file, validate_file
from csvtools.cli import cli
from csvtools.errors import InputFileError

NAMES = ["José", "Zoë", "Ana", "Siân", "Łukasz"]


def damaged_file(path, rows=100_000, damaged_at=(70_000,)):
    """``rows`` UTF-8 rows with accented names, the rows at ``damaged_at`` written in cp1252 instead."""
    lines = [b"contact_number,name\n"]
    for i in range(rows):
        line = f"+4479{i:08d},{NAMES[i % len(NAMES)]}\n"
        lines.append(line.encode("cp1252" if i in damaged_at else "utf-8", "replace"))
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stray_cp1252_byte_rejects_its_line_and_keeps_every_accent(tmp_path, workers):
    source = tmp_path / "in.csv"
    damaged_file(source)
    report = clean_file(source, tmp_path / "out.csv", workers=workers)
    assert report.encoding == "utf-8"
    assert (report.rows, report.clean, report.rejected) == (100_000, 99_999, 1)
    assert report.by_reason == {"encoding_error": 1}
    (rejection,) = report.rejections
    assert (rejection.line, rejection.reason) == (70_002, "encoding_error")
    assert rejection.detail == "bytes that are not UTF-8 in 'Jos\\xe9'"
    clean = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "Ã" not in clean and clean.count("José") == 19_999 and clean.count("Łukasz") == 20_000
    rejects = (tmp_path / "out.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[1] == "70002,encoding_error,bytes that are not UTF-8 in 'Jos\\xe9',+447900070000,Jos\\xe9"


def test_a_file_whose_only_non_ascii_bytes_are_cp1252_is_still_cp1252(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"contact_number,name\n+447900000001,Ann\n+447900000002,Jos\xe9\n")
    report = validate_file(source)
    assert report.encoding == "cp1252" and report.valid


def test_a_forced_encoding_still_wins(tmp_path):
    source = tmp_path / "in.csv"
    damaged_file(source, rows=10, damaged_at=(3,))
    report = clean_file(source, tmp_path / "out.csv", encoding="latin-1")
    assert report.encoding == "latin-1" and report.rejected == 0
    with pytest.raises(InputFileError, match="cannot decode the file as utf-8"):
        validate_file(source, encoding="utf-8")


def test_an_undecodable_header_is_one_error(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(
        "contact_number,nom,prénom\n+447900000001,A,José\n".encode().replace(b"pr\xc3\xa9", b"pr\xe9")
    )
    with pytest.raises(InputFileError, match=r"header \(line 1\) is not valid UTF-8: .*'pr\\xe9nom'"):
        validate_file(source)


def test_cli_summary_names_the_reason(tmp_path):
    source = tmp_path / "in.csv"
    damaged_file(source, rows=10, damaged_at=(3, 5))
    result = CliRunner().invoke(cli, ["validate", str(source)])
    assert result.exit_code == 1
    assert "10 rows in, 8 clean, 2 rejected" in result.stdout and "encoding_error 2" in result.stdout
    assert "utf-8," in result.stdout


@pytest.mark.parametrize("workers", [1, 2])
def test_utf8_forced_on_a_file_that_is_not_names_the_line(tmp_path, workers):
    source = tmp_path / "in.csv"
    damaged_file(source, rows=6000, damaged_at=(5000,))
    with pytest.raises(InputFileError, match="cannot decode line 5002 as utf-8: invalid continuation byte"):
        validate_file(source, encoding="utf-8", workers=workers)
    result = CliRunner().invoke(cli, ["validate", str(source), "--encoding", "utf-8"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"csvtools: {source}: cannot decode line 5002 as utf-8: invalid continuation byte; pass --encoding"
    ]


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_damaged_blocks_read_as_the_csv_module_reads_them(tmp_path, monkeypatch, bom):
    """Blocks that hold damaged lines are read line by line in the worker; the csv module is the reference."""
    from csvtools import knobs
    from csvtools.io import source as source_module

    lines = ["contact_number,name,city"]
    for i in range(400):
        number = f"+4479{i % 150:08d}"  # repeated: duplicates are read again from their blocks
        name = "Siâ\udce2n" if i in (3, 178, 388) else NAMES[i % len(NAMES)]  # three damaged lines, far apart
        lines.append(f"{number},{name},{'' if i % 37 else ','}Leeds" if i % 53 else ",,")
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    source = tmp_path / "in.csv"
    source.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data + b"\n")
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 512)
    monkeypatch.setattr(knobs, "CHUNK_ROWS", 50)
    from csvtools.io import blocks

    damaged_blocks = []
    read_damaged = blocks._damaged_block
    monkeypatch.setattr(
        blocks, "_damaged_block", lambda *args: damaged_blocks.append(1) or read_damaged(*args)
    )
    outputs = {}
    for reader in ("blocks", "csv-module"):
        if reader == "csv-module":
            monkeypatch.setattr(source_module, "offset_of_line", lambda path, line: None)
        for workers in (1, 2):
            report = clean_file(source, tmp_path / f"{reader}{workers}.csv", workers=workers)
            assert report.by_reason["encoding_error"] == 3 and report.blank > 0
            outputs[reader, workers] = (
                (tmp_path / f"{reader}{workers}.csv").read_bytes(),
                (tmp_path / f"{reader}{workers}.rejects.csv").read_bytes(),
                report.to_dict() | {"clean_path": None, "rejects_path": None},
            )
    assert damaged_blocks  # inline runs went through the line-by-line reading of damaged blocks
    assert len(set(map(repr, outputs.values()))) == 1
