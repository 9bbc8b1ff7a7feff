"""What `pip install .` brings: csvtools and the uploader client without Flask; the stand-in as an extra;
and the package as released: built, checked by twine, installed from its wheel into a fresh venv."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

import csvtools

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


def test_app_without_flask_says_what_to_install():
    result = python("from uploader.cli import main; sys.argv = ['uploader', 'app', '--no-browser']; main()")
    assert result.returncode == 2
    assert (
        result.stderr == "uploader: app needs Flask, which comes with the app extra: pip install '.[app]'\n"
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


# --- A released package: python -m build, twine check --strict, and the wheel in a fresh venv ---

SOURCE_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "out", "site", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "data"
)


def _pypi_unreachable(folder: Path) -> str | None:
    """Why the package index cannot be used (build isolation fetches hatchling from it), or None."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(folder), "hatchling>=1.27"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if probe.returncode == 0:
        return None
    return (
        f"PyPI is unreachable (pip download hatchling>=1.27 failed: {probe.stderr.strip().splitlines()[-1:]})"
    )


@pytest.fixture(scope="module")
def distributions(tmp_path_factory):
    """The wheel and the sdist ``python -m build`` makes from a copy of the source tree."""
    pytest.importorskip("build", reason="the dev extra is not installed: pip install '.[dev]'")
    work = tmp_path_factory.mktemp("packaging")
    reason = _pypi_unreachable(work / "probe")
    if reason:
        pytest.skip(reason)
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=SOURCE_IGNORED)
    dist = work / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = dist.glob("*.whl")
    [sdist] = dist.glob("*.tar.gz")
    return wheel, sdist


def test_build_makes_a_wheel_and_an_sdist_of_the_version(distributions):
    wheel, sdist = distributions
    assert wheel.name == f"contact_batch_tools-{csvtools.__version__}-py3-none-any.whl"
    assert sdist.name == f"contact_batch_tools-{csvtools.__version__}.tar.gz"
    names = zipfile.ZipFile(wheel).namelist()
    assert {"csvtools/py.typed", "uploader/py.typed", "uploader/standin/routes.py"} <= set(names)
    # The web app's pages, styles and script travel with it (package data, not only modules).
    assert {
        "uploader/app/templates/base.html",
        "uploader/app/static/app.js",
        "uploader/app/static/app.css",
    } <= set(names)
    assert not any(name.startswith(("tests/", "bench/", "docs/")) for name in names)


def test_twine_check_strict_accepts_both(distributions):
    pytest.importorskip("twine", reason="the dev extra is not installed: pip install '.[dev]'")
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_wheel_installs_into_a_fresh_venv_and_both_tools_print_the_version(distributions, tmp_path):
    wheel, _ = distributions
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # Nothing of this checkout may leak in: the venv must run what the wheel installed.
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import csvtools, uploader; print(csvtools.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
    for tool in ("csvtools", "uploader"):
        shown = subprocess.run(
            [str(venv / "bin" / tool), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == f"{tool}, version {csvtools.__version__}\n"
