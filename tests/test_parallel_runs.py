"""A run in many pieces, inline or in worker processes, writes byte for byte what one piece writes."""

import pytest
from helpers.numbers import generate

from csvtools import clean_file, knobs, normalize_number, validate_file


@pytest.mark.parametrize("max_rejections", [None, 5])
def test_parallel_blocks_equal_one_process(mixed_file, tmp_path, monkeypatch, max_rejections):
    """Many small blocks in a pool (duplicates and malformed rows across blocks) write what one process writes."""
    one = clean_file(mixed_file, tmp_path / "one.csv", max_rejections=max_rejections)
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 64 * 1024)  # the forked workers inherit this
    monkeypatch.setattr(knobs, "CHUNK_ROWS", 3000)
    pool = clean_file(mixed_file, tmp_path / "pool.csv", workers=2, max_rejections=max_rejections)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "pool.csv").read_bytes()
    assert (tmp_path / "one.rejects.csv").read_bytes() == (tmp_path / "pool.rejects.csv").read_bytes()
    paths = {"clean_path": None, "rejects_path": None}
    assert pool.to_dict() | paths == one.to_dict() | paths
    assert pool.by_reason["duplicate"] > 1000 and pool.by_reason["malformed_row"] == 2
    assert pool.rows == 30_000 and pool.rows == pool.clean + pool.rejected


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_duplicates_read_again_from_the_file_equal_those_carried_from_a_chunk(tmp_path, line_end):
    """A block's duplicate rows are read again from the file in the main process; a csv-module
    chunk carries them. Both give the same rejects file and report, formula cells included."""
    source = tmp_path / "generated.csv"
    generate.write(str(source), 6000, seed=5)
    lines = source.read_text(encoding="utf-8").splitlines()
    phone = lines[10].split(",")[0]
    lines[3000] = f"{phone},=cmd|' /C calc'!A0,@SUM(1),basic,2026-01-01"  # a duplicate with formula cells
    lines.append(lines[20])  # the last line, without a line end
    plain = tmp_path / "plain.csv"
    plain.write_bytes(line_end.join(lines).encode())
    first = lines[1].split(",")
    lines[1] = ",".join(
        [first[0], f'"{first[1]}"', *first[2:]]
    )  # the same cell, quoted: the csv module reads all
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(line_end.join(lines).encode())

    reports = {}
    for name, path in (("plain", plain), ("quoted", quoted)):
        reports[name] = clean_file(path, tmp_path / f"{name}.out.csv", workers=2, max_rejections=None)
        for limit in (None, 3):
            validated = validate_file(path, max_rejections=limit)
            assert validated.rejections == reports[name].rejections[: len(validated.rejections)]
    assert (tmp_path / "plain.out.csv").read_bytes() == (tmp_path / "quoted.out.csv").read_bytes()
    rejects = (tmp_path / "plain.out.rejects.csv").read_bytes()
    assert rejects == (tmp_path / "quoted.out.rejects.csv").read_bytes()
    expected = (
        f"3001,duplicate,{normalize_number(phone).number} is already on line 11,{phone},"
        f"'=cmd|' /C calc'!A0,'@SUM(1),basic,2026-01-01\n"
    )
    assert expected.encode() in rejects
    paths = {"file": None, "clean_path": None, "rejects_path": None}
    assert reports["plain"].to_dict() | paths == reports["quoted"].to_dict() | paths
    assert reports["plain"].by_reason["duplicate"] > 100
