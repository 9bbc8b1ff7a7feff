"""What `pip install .` brings: csvtools and the uploader client without Flask; the stand-in as an extra."""

import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
NO_FLASK = "import sys; sys.modules['flask'] = sys.modules['werkzeug'] = None; "  # makes `import flask` fail


def python(code, *args):
    return subprocess.run(
        [sys.executable, "-c", NO_FLASK + code, *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_flask_is_only_in_the_standin_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.lower().startswith(("flask", "werkzeug")) for dep in project["dependencies"])
    assert project["optional-dependencies"]["standin"] == ["flask>=3.0"]


def test_the_client_and_csvtools_work_without_flask():
    result = python(
        "import csvtools, uploader, uploader.cli; from uploader import BatchClient; "
        "print(BatchClient(api_key='k', base_url='http://127.0.0.1:9').base_url)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "http://127.0.0.1:9\n"


def test_serve_without_flask_says_what_to_install():
    result = python("from uploader.cli import main; sys.argv = ['uploader', 'serve', '--port', '0']; main()")
    assert result.returncode == 2
    assert (
        result.stderr
        == "uploader: serve needs Flask, which comes with the stand-in extra: pip install '.[standin]'\n"
    )


def test_python_dash_m_uploader_works():
    result = subprocess.run(
        [sys.executable, "-m", "uploader", "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: uploader [OPTIONS] COMMAND [ARGS]...")
    assert "  run " in result.stdout.split("Commands:")[1]
    no_key = subprocess.run(
        [sys.executable, "-m", "uploader", "list", "--agent-id", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
        cwd="/",
    )
    assert no_key.returncode == 2
    assert (
        no_key.stderr
        == "uploader: no API key: set BOLNA_API_KEY in the environment or in .env (see .env.example)\n"
    )
