"""The index of numbers already kept: the first line of every number, in memory that does not grow."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools import OutputFileError, clean_file, knobs
from csvtools.run.dedupe import FirstLines, KeyFilter, _unique, number_keys
from csvtools.run.spill import SpilledRuns


def test_a_duplicate_index_on_disk_writes_what_one_in_memory_writes(mixed_file, tmp_path, monkeypatch):
    """With the index moving to disk every 500 numbers (and read back 64 at a time), the clean
    file, the rejects file and the report are those of an index kept in memory."""
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 128 * 1024)
    memory = clean_file(mixed_file, tmp_path / "memory.csv", max_rejections=None)
    monkeypatch.setattr(knobs, "SPILL_AT", 500)
    monkeypatch.setattr(knobs, "SPILL_SEGMENT", 64)
    disk = clean_file(mixed_file, tmp_path / "disk.csv", max_rejections=None)
    assert (tmp_path / "memory.csv").read_bytes() == (tmp_path / "disk.csv").read_bytes()
    assert (tmp_path / "memory.rejects.csv").read_bytes() == (tmp_path / "disk.rejects.csv").read_bytes()
    paths = {"clean_path": None, "rejects_path": None}
    assert disk.to_dict() | paths == memory.to_dict() | paths
    assert disk.by_reason["duplicate"] > 1000


def test_a_temporary_directory_without_room_stops_the_run_with_one_error_and_no_output(
    mixed_file, tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.setattr(knobs, "SPILL_AT", 500)
    monkeypatch.setattr(knobs, "BLOCK_BYTES", 128 * 1024)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with pytest.raises(
        OutputFileError, match=r"cannot keep the index of numbers already seen in .*missing: .*TMPDIR"
    ):
        clean_file(mixed_file, tmp_path / "out.csv")
    assert sorted(path.name for path in tmp_path.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=60), max_size=30), max_size=12),
    st.sampled_from([(2, 1), (5, 3), (8, 64), (None, None)]),
    st.sampled_from([8, 64, None]),
)
def test_duplicate_index_names_the_first_line_across_many_chunks(chunks, spill, filter_bits):
    """FirstLines, with its runs merged as they grow and moved to disk at spill_at numbers (read
    back a segment at a time), agrees with a plain dict (also for numbers too long for an int64 key),
    with its filter of keys seen full (8 bits) or nearly empty."""
    spill_at, segment = spill
    with FirstLines(spill_at, segment or 1 << 16, filter_bits) as index:
        seen, line = {}, 2
        for numbers in chunks:
            values = [f"+4479{n:08d}" if n % 7 else f"+{n + 1:020d}" for n in numbers]
            lines = np.arange(line, line + len(values), dtype=np.int64)
            line += len(values)
            keys = number_keys(pa.array(values, type=pa.string()))
            assert keys.numbers(np.arange(len(values))[::-1]).to_pylist() == values[::-1]
            got = index.first_lines(keys, lines)
            assert got.tolist() == [seen.setdefault(value, int(at)) for value, at in zip(values, lines)]
            assert index.in_memory < 2 * (spill_at or 1 << 19)
        assert len(index) == len(seen)


def test_runs_on_disk_with_int32_and_int64_lines_merge_into_one_that_finds_both():
    runs = SpilledRuns(segment=7)
    early = np.arange(0, 200, 2, dtype=np.int64)  # even keys on lines that fit an int32
    late = np.arange(1, 201, 2, dtype=np.int64)  # odd keys on lines past it
    runs.add(early, (early + 10).astype(np.int32))
    runs.add(late, late + 2**32)
    assert runs.runs == 1 and len(runs) == 200
    wanted = np.arange(-3, 205)
    expected = [n + 10 if 0 <= n < 200 and n % 2 == 0 else n + 2**32 if 0 < n < 200 else -1 for n in wanted]
    assert runs.find(wanted).tolist() == expected
    runs.close()


def test_duplicate_index_keeps_a_bounded_part_in_memory_and_closes_its_file():
    """Half a million distinct numbers through an index that spills at 20,000: at most twice that
    stays in memory, the rest goes to a few temporary files and is found there; closing deletes them."""
    rng = np.random.default_rng(7)
    numbers = rng.choice(10**9, size=500_000, replace=False) + 447_000_000_000
    with FirstLines(spill_at=20_000, segment=4096) as index:
        for part in np.array_split(numbers, 50):
            lines = np.arange(len(part)) + 1000  # each number's first line; lines repeat between parts
            index.first_lines(number_keys(pa.array([f"+{n}" for n in part])), lines)
            assert index.in_memory < 40_000
        assert len(index) == 500_000 and index.in_memory < 40_000
        spilled = index._spilled
        assert 2 <= spilled.runs <= 5  # runs on disk merge as they grow: a lookup searches a few
        files = [run.file for run in spilled._runs]
        again = rng.permutation(numbers)[:30_000]
        lines = np.arange(10**6, 10**6 + len(again))
        first = index.first_lines(number_keys(pa.array([f"+{n}" for n in again])), lines)
        position = {int(n): i % 10_000 + 1000 for i, n in enumerate(numbers)}
        assert first.tolist() == [position[int(n)] for n in again]
    assert all(file.closed for file in files) and spilled.runs == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=80))
def test_duplicate_keys_are_sorted_like_numpy_unique(values):
    keys = np.array(values, dtype=np.int64)
    expected = np.unique(keys, return_index=True, return_inverse=True)
    assert [part.tolist() for part in _unique(keys)] == [part.reshape(-1).tolist() for part in expected]


def test_the_key_filter_holds_every_key_added_and_rules_out_most_others():
    """No key added is ever ruled out (also keys that share a byte of the bitmap, added at once);
    of keys never added, few pass (the share of bits set)."""
    rng = np.random.default_rng(11)
    added = rng.choice(10**15, size=200_000, replace=False).astype(np.int64)
    others = rng.choice(10**15, size=100_000, replace=False).astype(np.int64)
    others = others[~np.isin(others, added)]
    small = KeyFilter(1 << 16)  # 8 KB for 50,000 keys: many share a byte in one call
    small.add(added[:50_000])
    assert small.may_hold(added[:50_000]).all()
    keys = KeyFilter(1 << 22)
    for part in np.array_split(added, 7):
        keys.add(part)
    assert keys.may_hold(added).all()
    assert keys.may_hold(others).mean() < 0.06  # 200,000 keys in 4M bits: about 4.7 %
