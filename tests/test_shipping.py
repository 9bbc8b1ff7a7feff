"""Worked pieces travel from the workers to the main process through temporary files, and leave none."""

import os
import tempfile

import numpy as np
import pyarrow as pa

from csvtools import clean_file, knobs
from csvtools.run.shipping import Shipped, receive, ship


def test_a_shipped_result_comes_back_equal_on_aligned_buffers_and_its_file_is_deleted(tmp_path):
    """Arrow arrays (sliced, empty, dictionary-encoded), tables and numpy arrays come back equal;
    every buffer starts at Arrow's 64-byte alignment; the file is gone once received."""
    strings = pa.array(["+447700900123", "", "Zoë", None, "東京"]).slice(1)
    result = [
        strings,
        pa.array([], type=pa.string()),
        pa.table({"line": pa.array([3, 9], type=pa.int64()), "reason": ["duplicate", "too_short"]}),
        pa.array(["IN", "US", "IN"]).dictionary_encode(),
        np.arange(7, dtype=np.int64),
        np.zeros(0, dtype=np.int32),
        {"blank": 2},
    ]
    shipped = ship(result, str(tmp_path))
    assert isinstance(shipped, Shipped) and os.path.getsize(shipped.path) == shipped.size
    assert all(offset % 64 == 0 for offset, _ in shipped.buffers)
    back = receive(shipped)
    assert not os.listdir(tmp_path)
    assert back[0].equals(strings) and back[0].to_pylist() == ["", "Zoë", None, "東京"]
    assert back[1].equals(result[1]) and back[2].equals(result[2]) and back[3].equals(result[3])
    assert back[4].tolist() == list(range(7)) and back[5].dtype == np.int32 and back[6] == {"blank": 2}
    assert receive("as it came") == "as it came"  # a result that came by the pipe


def test_a_result_that_cannot_be_written_comes_by_the_pipe(tmp_path):
    missing = str(tmp_path / "missing")
    assert ship([1, 2], missing) == [1, 2] and ship([1, 2], None) == [1, 2]


def test_a_run_in_a_pool_leaves_no_piece_behind(mixed_file, tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 128 * 1024)
    clean_file(mixed_file, tmp_path / "pool.csv", workers=2)
    clean_file(mixed_file, tmp_path / "inline.csv", workers=1)
    assert (tmp_path / "pool.csv").read_bytes() == (tmp_path / "inline.csv").read_bytes()
    assert (tmp_path / "pool.rejects.csv").read_bytes() == (tmp_path / "inline.rejects.csv").read_bytes()
    assert list(scratch.iterdir()) == []
