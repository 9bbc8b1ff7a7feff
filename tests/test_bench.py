"""bench/run.py works end to end in its quick mode (tiny files): behaviour, not timings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.mark.skipif(sys.platform != "linux", reason="the memory sampling reads PSS, which Linux reports")
def test_the_quick_bench_runs_every_section_and_both_scripts_keep_the_same_numbers(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for mix in ("international", "india", "countries", "crm"):
        row = re.search(rf"^{mix} .* (yes|NO)$", out, re.MULTILINE)
        assert row and row.group(1) == "yes", f"{mix}: csvtools and distinct.py kept different numbers\n{out}"
        assert f"  {mix}: " in out.split("==== targets")[1]
    for section in ("x the floor", "start-up: --version", "imports: ", "memory: ", "dask/default", "judge "):
        assert section in out, section
    # Every timed run is printed, and the data files were generated where asked.
    assert len(re.findall(r"^  run 1 ", out, re.MULTILINE)) >= 4 * 3
    assert {path.name for path in tmp_path.glob("*.csv")} >= {
        "contacts_2000_42.csv",
        "india_2000_42.csv",
        "countries_2000_42.csv",
        "crm_2000_42.csv",
        "contacts_4000_42.csv",
    }
