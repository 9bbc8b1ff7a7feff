"""A file that grows (or is rewritten) while it is read stops the run instead of miscounting it."""

import os

import pytest

from csvtools import clean_file, knobs
from csvtools.errors import InputFileError


@pytest.mark.parametrize("quoted", [False, True], ids=["blocks", "csv-module"])
@pytest.mark.parametrize("workers", [1, 2])
def test_rows_appended_during_the_run_stop_it_with_no_output(tmp_path, monkeypatch, quoted, workers):
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 256)
    monkeypatch.setattr(knobs, "CHUNK_ROWS", 10)
    name = '"Ann, Jr"' if quoted else "Ann"
    source = tmp_path / "in.csv"
    source.write_text(
        "phone,name\n" + "".join(f"+4479111{i:05d},{name}\n" for i in range(300)), encoding="utf-8"
    )

    def append_rows(done, total):
        if os.path.getsize(source) == total:  # once: a writer appends while the run reads
            with open(source, "a", encoding="utf-8") as handle:
                handle.write("".join(f"+4479222{i:05d},Late\n" for i in range(50)) + "+44792229")

    with pytest.raises(
        InputFileError, match=r"changed while it was being read \(from [\d,]+ to [\d,]+ bytes\)"
    ):
        clean_file(source, tmp_path / "out.csv", workers=workers, on_progress=append_rows)
    assert sorted(os.listdir(tmp_path)) == ["in.csv"]


def test_a_file_left_alone_passes_the_check(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("phone,name\n+447911100001,Ann\n", encoding="utf-8")
    assert clean_file(source, tmp_path / "out.csv").clean == 1
