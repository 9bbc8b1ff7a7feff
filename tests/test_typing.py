"""Both packages are clean under mypy (configured in pyproject.toml), and what mypy found stays fixed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from csvtools import Options
from csvtools.io.frame import FrameSource
from csvtools.numbers.metadata import Pattern, country_rules, parsing_rules
from csvtools.run.pipeline import run_source

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the [dev] extra)"
)
def test_mypy_finds_no_error_in_csvtools_and_uploader():
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-color-output"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("region", ["CA", "GG", "DE"])
def test_parsing_rules_name_each_type_pattern_as_country_rules_do(region):
    """They held bare patterns where RegionRules.named promises (type name, pattern) pairs."""
    own = parsing_rules(region).regions[0]
    main = country_rules(parsing_rules(region).country_code)
    assert own.named
    for name, pattern in own.named:
        assert isinstance(name, str) and isinstance(pattern, Pattern)
    if region == main.main_region:
        assert own.named == main.regions[0].named


def test_run_source_without_a_rejects_path_writes_it_beside_the_clean_file(tmp_path):
    """It passed None on to the output files and failed with a TypeError."""
    frame = pd.DataFrame({"phone": ["+442079460000", "not a number"]})
    clean = tmp_path / "contacts.csv"
    report = run_source(FrameSource(frame), Options(), str(clean), None)
    assert report.rejects_path == str(tmp_path / "contacts.rejects.csv")
    assert "not a number" in (tmp_path / "contacts.rejects.csv").read_text(encoding="utf-8-sig")
    assert report.clean == 1 and report.rejected == 1
