"""CI recipes: the pre-commit hook, the GitHub Action, and what validate prints for files it cannot process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from csvtools.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CI_PAGE = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr
    return result


def test_github_format_annotates_a_file_that_cannot_be_processed(tmp_path):
    absent = tmp_path / "absent.csv"
    result = run("validate", SAMPLES / "contacts_good.csv", absent, "--format", "github")
    assert result.exit_code == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert errors == [f"::error file={str(absent).replace(':', '%3A')}::no such file: {absent}"]
    assert result.stderr == f"csvtools: {absent}: no such file: {absent}\n"


def test_json_has_an_entry_for_every_file_in_order(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("name,email\nA,a@example.com\n")
    files = [SAMPLES / "seed_example.csv", broken, SAMPLES / "contacts_good.csv"]
    result = run("validate", *files, "--format", "json")
    assert result.exit_code == 2
    entries = json.loads(result.stdout)
    assert [entry["file"] for entry in entries] == [str(path) for path in files]
    assert entries[1] == {
        "file": str(broken),
        "error": "no phone column found among 'name', 'email'; name it with --column",
    }
    assert [entries[0]["valid"], entries[2]["valid"]] == [False, True]


def test_json_for_one_file_that_cannot_be_processed(tmp_path):
    result = run("validate", tmp_path / "absent.csv", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "file": str(tmp_path / "absent.csv"),
        "error": f"no such file: {tmp_path / 'absent.csv'}",
    }


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["csvtools-validate"]
    hook = hooks[0]
    assert (hook["entry"], hook["language"]) == ("csvtools validate", "python")
    assert hook["files"] == r"\.csv$"
    assert "id: csvtools-validate" in CI_PAGE


def test_the_repositorys_own_hooks_run_ruff():
    """.pre-commit-config.yaml is for this repository's commits; .pre-commit-hooks.yaml stays the users' hook."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    [ruff] = [
        repo for repo in config["repos"] if repo["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    ]
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    assert ruff["rev"].startswith("v")


def action():
    return yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_definition():
    definition = action()
    assert definition["runs"]["using"] == "composite"
    assert {"files", "region", "level", "args"} <= set(definition["inputs"])
    assert definition["inputs"]["files"]["required"] is True
    steps = definition["runs"]["steps"]
    assert any("pip install" in step.get("run", "") for step in steps)
    assert "csvtools validate" in validate_step()["run"] and "--format github" in validate_step()["run"]
    assert "uses: OWNER/REPO@" in CI_PAGE and 'pip install "git+https://github.com/OWNER/REPO' in CI_PAGE


def validate_step():
    return next(step for step in action()["runs"]["steps"] if step.get("id") == "validate")


@pytest.mark.parametrize(
    "inputs, exit_code, expected",
    [
        (
            {"FILES": "samples/contacts_good.csv", "REGION": "", "LEVEL": "valid", "ARGS": ""},
            0,
            ["samples/contacts_good.csv: 12 rows in, 12 clean, 0 rejected"],
        ),
        (
            {
                "FILES": "samples/**/seed_*.csv",
                "REGION": "US",
                "LEVEL": "possible",
                "ARGS": "--keep-duplicates",
            },
            1,
            [
                "::error file=samples/seed_example.csv,line=4,title=invalid_country_code::",
                "samples/seed_example.csv: 4 rows in, 3 clean, 1 rejected",
            ],
        ),
        (
            {
                "FILES": "samples/national_semicolon.csv",
                "REGION": "DE",
                "LEVEL": "valid",
                "ARGS": "--column Telefon",
            },
            1,
            ["::error file=samples/national_semicolon.csv,line=8,title=too_short::"],
        ),
        (
            {"FILES": "nothing/*.csv", "REGION": "", "LEVEL": "valid", "ARGS": ""},
            2,
            ["::error file=nothing/*.csv::no such file: nothing/*.csv"],
        ),
    ],
    ids=["clean-file", "glob-region-level-args", "column-arg", "no-match"],
)
def test_action_validate_step_runs_as_github_would(inputs, exit_code, expected):
    """The Action's own shell step, run by bash in the repository with the inputs as its environment."""
    # The Action installs the project first; here it is this interpreter's.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-e", "-c", validate_step()["run"]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **inputs, "PATH": path},
        timeout=60,
    )
    assert done.returncode == exit_code, done.stderr
    for fragment in expected:
        assert any(line.startswith(fragment) for line in done.stdout.splitlines()), done.stdout
