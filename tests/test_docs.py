"""The docs cannot go stale: their runnable shell examples run, the CLI reference names every command,
and the site builds with ``mkdocs build --strict``.

A shell example is runnable when an HTML comment ``<!-- run -->`` stands on the line before its
```` ```sh ```` (or ```` ```bash ````) block. It runs with bash (``-e -o pipefail``) in a temporary
folder holding a copy of ``samples/``, with the venv's tools first on PATH, no API key and a
temporary HOME, and must exit 0 (an example that expects exit 1 says so: ``|| test $? = 1``). When
the block is followed by ``<!-- output -->`` and a fenced block, each line of that block must appear
in what the example printed (stdout and stderr), in order, ``…`` standing for anything.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest

from csvtools.cli import cli as csvtools_cli
from uploader.cli import cli as uploader_cli

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLE = re.compile(
    r"^<!-- run -->[ \t]*\n```(?:sh|bash)\n(?P<script>.*?)\n```[ \t]*\n"
    r"(?:\s*<!-- output -->[ \t]*\n```[\w-]*\n(?P<output>.*?)\n```)?",
    re.M | re.S,
)
# Pages whose examples are the tour of what the tools do: each must keep at least one runnable one.
PAGES_WITH_EXAMPLES = (
    "README.md",
    "getting-started.md",
    "cleaning.md",
    "workbooks.md",
    "ci.md",
    "standin.md",
)
EXAMPLE_TIMEOUT = 120


def runnable_examples(text: str) -> list[tuple[int, str, str | None]]:
    """The runnable examples of one page: (line of the marker, script, expected output or None)."""
    return [
        (text.count("\n", 0, match.start()) + 1, match.group("script"), match.group("output"))
        for match in EXAMPLE.finditer(text)
    ]


def _all_examples():
    for path in DOC_FILES:
        for line, script, output in runnable_examples(path.read_text(encoding="utf-8")):
            yield pytest.param(script, output, id=f"{path.name}:{line}")


def _environment(home: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BOLNA_", "UPLOADER_")) and name != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    env["HOME"] = str(home)
    return env


def run_example(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run one example in ``folder`` (which gets a copy of the samples); end whatever it left running."""
    shutil.copytree(ROOT / "samples", folder / "samples")
    process = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=folder,
        env=_environment(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=EXAMPLE_TIMEOUT)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # a server the example started in the background
        except ProcessLookupError:
            pass
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, output, None)


def missing_output(expected: str, printed: str) -> str | None:
    """The first expected line not found in ``printed`` after the previous one, or None."""
    position = 0
    for line in filter(None, (line.strip() for line in expected.splitlines())):
        pattern = ".*?".join(re.escape(piece) for piece in line.split("…"))
        found = re.compile(pattern).search(printed, position)
        if found is None:
            return line
        position = found.end()
    return None


@pytest.mark.parametrize("script, output", list(_all_examples()))
def test_runnable_example(script, output, tmp_path):
    if "uploader serve" in script:
        pytest.importorskip("flask", reason="the stand-in needs the standin extra: pip install '.[standin]'")
    result = run_example(script, tmp_path)
    assert result.returncode == 0, f"exit {result.returncode}:\n{script}\n---\n{result.stdout}"
    if output is not None:
        line = missing_output(output, result.stdout)
        assert line is None, f"not printed: {line!r}\n---\n{result.stdout}"


@pytest.mark.parametrize("name", PAGES_WITH_EXAMPLES)
def test_tour_pages_keep_runnable_examples(name):
    path = ROOT / name if name == "README.md" else ROOT / "docs" / name
    assert runnable_examples(path.read_text(encoding="utf-8")), f"{name} has no <!-- run --> example"


def test_a_stale_example_fails(tmp_path):
    """The runner catches a stale example: a command that fails, and output the command no longer prints."""
    page = (
        "<!-- run -->\n```sh\ncsvtools validate samples/seed_example.csv\n```\n\n"
        "<!-- output -->\n```\nsamples/seed_example.csv: 4 rows in, 4 clean…\n```\n"
    )
    [(line, script, output)] = runnable_examples(page)
    assert line == 1
    result = run_example(script, tmp_path)
    assert result.returncode == 1
    assert missing_output(output, result.stdout) == "samples/seed_example.csv: 4 rows in, 4 clean…"
    assert missing_output("samples/seed_example.csv: 4 rows in, 0 clean…", result.stdout) is None


def _commands(group: click.Group, program: str):
    for name, command in group.commands.items():
        yield f"{program}-{name}"
        if isinstance(command, click.Group):
            yield from _commands(command, f"{program}-{name}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return result, out


def test_mkdocs_build_strict(site):
    result, out = site
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file()


def test_cli_reference_names_every_subcommand(site):
    result, out = site
    assert result.returncode == 0, result.stderr
    page = (out / "cli" / "index.html").read_text(encoding="utf-8")
    for group, program in ((csvtools_cli, "csvtools"), (uploader_cli, "uploader")):
        for anchor in _commands(group, program):
            assert f'id="{anchor}"' in page, f"{anchor.replace('-', ' ')} is not in the CLI reference"


def test_both_command_lines_import_in_either_order():
    """mkdocs-click imports csvtools.cli before uploader.cli; uploader's use of file_options must survive it."""
    for first, second in (("csvtools.cli", "uploader.cli"), ("uploader.cli", "csvtools.cli")):
        result = subprocess.run(
            [sys.executable, "-c", f"import {first}, {second}"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
