"""Memory stays flat: as the file grows, and from one worked piece to the next."""

import gc
import subprocess
import sys

import pyarrow as pa
import pytest
from helpers.numbers import generate

from csvtools.io.source import CsvSource
from csvtools.run.pool import WorkPlan, work

MEMORY_PROBE = """
import resource, sys
from csvtools import clean_file, knobs, process
process.set_up_batch_process()  # as the command line does
knobs.BLOCK_BYTES = 1 << 18  # blocks of the same size: a dozen for the smaller file, steady state for both
knobs.SPILL_AT = 1 << 12  # both files' duplicate indexes move to disk, as a big file's does
clean_file(sys.argv[1], sys.argv[2], max_rejections=20)
try:  # this process's own peak: Linux carries the parent's over into ru_maxrss across fork and exec
    print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_memory_stays_flat_as_the_file_grows(tmp_path):
    peaks = {}
    for rows in (40_000, 160_000):
        source = tmp_path / f"contacts_{rows}.csv"
        generate.write(str(source), rows, seed=3)
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(source), str(tmp_path / "out.csv")],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        peaks[rows] = int(done.stdout.split()[-1]) / 1024  # MB
    # Four times the rows, and nothing grows with them (we measured 3 to 5 MB of noise and caches):
    # the duplicate index keeps at most 2 * SPILL_AT numbers in memory; 100 bytes a row kept
    # anywhere would add 12 MB.
    assert peaks[160_000] < peaks[40_000] + 10, peaks


def test_a_worker_holds_no_arrow_memory_between_pieces(tmp_path, monkeypatch):
    """A worker's memory stays flat over a long file: a piece leaves no garbage behind once its
    results are gone, even with the automatic collection off (phonenumbers leaves reference
    cycles that hold the calling frames; a worker collects them after each piece)."""
    from csvtools import process

    monkeypatch.setattr(
        process, "_ours", True
    )  # as in a worker (set_up_worker would also freeze pytest's objects)
    path = tmp_path / "contacts.csv"
    generate.write(str(path), 60_000, seed=5)
    with CsvSource(path) as source:
        pieces = list(source.pieces(5000, 300 * 1024))  # big enough: tiny pieces happen to leave no cycles
    plan = WorkPlan(phone_at=0, region=None, level="valid", with_text=True)
    gc.disable()  # no automatic collection may hide garbage left behind
    try:
        work(pieces[0], plan)
        baseline = pa.total_allocated_bytes()
        for piece in pieces[1:5]:
            rendered = work(piece, plan)
            assert rendered and pa.total_allocated_bytes() > baseline  # the results themselves
            del rendered
            assert pa.total_allocated_bytes() <= baseline
    finally:
        gc.enable()
