"""The library leaves the caller's process as it found it; only the command line tunes its own."""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from csvtools import clean_file

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def process_state():
    return {
        "enabled": gc.isenabled(),
        "frozen": gc.get_freeze_count(),
        "thresholds": gc.get_threshold(),
        "environ": dict(os.environ),
    }


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("frozen_by_caller", [False, True])
def test_clean_file_leaves_the_callers_gc_and_environment_as_they_were(tmp_path, workers, frozen_by_caller):
    sample = SAMPLES / "spreadsheet_export.csv"
    gc.unfreeze()
    gc.set_threshold(1234, 11, 12)
    if frozen_by_caller:
        gc.freeze()
    before = process_state()
    try:
        clean_file(sample, tmp_path / "clean.csv", workers=workers)
        after = process_state()
        # Frozen objects of the caller's may die during the run (a pool's bookkeeping does), which
        # lowers the count; freezing anything would raise it.
        assert after["frozen"] <= before["frozen"] and (after["frozen"] == 0) == (before["frozen"] == 0)
        assert after | {"frozen": None} == before | {"frozen": None}
    finally:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)


def test_importing_and_running_the_library_switches_no_phonenumbers_cache_on(tmp_path):
    """The pattern cache is a process-wide setting of phonenumbers: the command line's to make."""
    probe = (
        "import sys; from phonenumbers import re_util; from csvtools import clean_file; "
        f"clean_file({str(SAMPLES / 'contacts_good.csv')!r}, {str(tmp_path / 'c.csv')!r}); "
        "print(re_util._COMPILED_PATTERNS is not None)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    command = subprocess.run(
        [
            sys.executable,
            "-c",
            "from csvtools import process; process.set_up_batch_process(); "
            "from phonenumbers import re_util; print(re_util._COMPILED_PATTERNS is not None)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert command.stdout.strip() == "True", command.stderr  # the probe can tell
