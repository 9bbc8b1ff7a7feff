"""`--version` and `--help` load only what they need; a command that runs still sets its process up.

Each probe runs the real entry point in a fresh interpreter and prints, after
it exits, which heavy modules it loaded: the behaviour that makes start-up
fast, not a timing (timings are the bench's: ``bench/run.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEAVY = ("pandas", "phonenumbers", "pyarrow", "numpy")

# Runs an entry point with argv, then reports loaded heavy modules and the process's set-up.
PROBE = f"""
HEAVY = {HEAVY!r}
import gc, json, sys
entry, argv = sys.argv[1], sys.argv[2:]
sys.argv = [entry, *argv]
module, name = entry.split(":")
try:
    getattr(__import__(module, fromlist=[name]), name)()
except SystemExit as stop:
    code = stop.code
else:
    code = 0
re_util = sys.modules.get("phonenumbers.re_util")
print(json.dumps({{
    "code": code,
    "loaded": sorted(m for m in HEAVY if m in sys.modules),
    "pattern_cache": re_util is not None and re_util._COMPILED_PATTERNS is not None,
    "frozen": gc.get_freeze_count(),
    "country_names": "pycountry" in sys.modules,
    "click": "click" in sys.modules,
    "renderings": sorted(m for m in ("csvtools.report", "csvtools.cli_output", "csvtools.html_report")
                         if m in sys.modules),
}}), file=sys.stderr)
"""


def probe(entry: str, *argv: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, entry, *argv], capture_output=True, text=True, timeout=120
    )
    return {**json.loads(done.stderr.strip().splitlines()[-1]), "stdout": done.stdout}


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["--help"], ["clean", "--help"], ["validate", "--help"]],
    ids=["version", "help", "clean-help", "validate-help"],
)
def test_csvtools_version_and_help_load_no_pandas_phonenumbers_or_pyarrow(argv):
    outcome = probe("csvtools.__main__:main", *argv)
    assert outcome["code"] == 0
    assert outcome["loaded"] == []


@pytest.mark.parametrize("argv", [["--help"], ["clean", "--help"], ["validate", "--help"]])
def test_csvtools_help_loads_no_report_nor_its_renderings(argv):
    # The commands that print a report import it: help pages only list options.
    outcome = probe("csvtools.__main__:main", *argv)
    assert outcome["code"] == 0
    assert outcome["renderings"] == []


def test_a_run_still_loads_the_report_it_prints(tmp_path):
    outcome = probe("csvtools.__main__:main", "validate", str(SAMPLES / "contacts_good.csv"))
    assert outcome["code"] == 0
    assert outcome["renderings"] == ["csvtools.cli_output", "csvtools.report"]
    assert "contacts_good.csv" in outcome["stdout"]


def test_csvtools_version_is_answered_before_click_loads_with_clicks_own_line():
    from click.testing import CliRunner

    from csvtools.cli import cli

    outcome = probe("csvtools.__main__:main", "--version")
    assert outcome["code"] == 0
    assert outcome["click"] is False
    assert outcome["stdout"] == CliRunner().invoke(cli, ["--version"]).output
    # Anything more than --version alone is click's to read.
    assert probe("csvtools.__main__:main", "--version", "--help")["click"] is True


@pytest.mark.parametrize("argv", [["--version"], ["--help"]], ids=["version", "help"])
def test_uploader_version_and_help_load_no_pandas_phonenumbers_or_pyarrow(argv):
    outcome = probe("uploader.cli:main", *argv)
    assert outcome["code"] == 0
    assert outcome["loaded"] == []


def test_a_command_that_runs_loads_its_modules_but_not_pandas_and_sets_the_process_up(tmp_path):
    outcome = probe(
        "csvtools.__main__:main", "clean", str(SAMPLES / "contacts_good.csv"), "-o", str(tmp_path / "c.csv")
    )
    assert outcome["code"] == 0
    assert (tmp_path / "c.csv").exists()
    # pandas stays out: pyarrow's probe for pandas objects is answered "no" (csvtools.process).
    assert set(outcome["loaded"]) == set(HEAVY) - {"pandas"}
    # The command line's own tuning (csvtools.process): loaded frozen, phonenumbers' cache on.
    assert outcome["pattern_cache"] and outcome["frozen"] > 0


def test_validate_sets_the_process_up_too():
    outcome = probe("csvtools.__main__:main", "validate", str(SAMPLES / "contacts_good.csv"), "-q")
    assert outcome["code"] == 0
    assert "pandas" not in outcome["loaded"]
    assert outcome["pattern_cache"] and outcome["frozen"] > 0


@pytest.mark.parametrize(
    "argv, loads_names",
    [
        ([], False),
        (["--region", "de"], False),
        (["--region", "Germany"], True),
    ],
    ids=["international", "region-code", "region-name"],
)
def test_country_names_load_only_when_a_name_must_be_read(tmp_path, argv, loads_names):
    # Loading the ISO tables (pycountry) and building every spelling costs a run that names no country.
    source = tmp_path / "contacts.csv"
    source.write_text("phone,name\n+49 30 12345678,Anna\n030 1234567,Jonas\n", encoding="utf-8")
    outcome = probe("csvtools.__main__:main", "clean", str(source), "-o", str(tmp_path / "c.csv"), *argv)
    assert outcome["code"] == 0
    assert outcome["country_names"] is loads_names


def test_a_country_column_still_reads_names(tmp_path):
    source = tmp_path / "by_country.csv"
    source.write_text("phone,Country\n030 12345678,Germany\n", encoding="utf-8")
    outcome = probe("csvtools.__main__:main", "clean", str(source), "-o", str(tmp_path / "c.csv"))
    assert outcome["code"] == 0
    assert (tmp_path / "c.csv").read_text(encoding="utf-8").splitlines()[1].startswith("+493012345678")
    assert outcome["country_names"] is True
