"""Shared fixtures: a controllable clock, stand-in servers on free loopback ports, a generated mixed list."""

import contextlib
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from helpers.numbers import generate

from uploader.cli import cli
from uploader.standin import running_standin

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

API_KEY = "test-key"
AGENT_ID = "ee153a6c-19f8-3a61-989a-9146a31c7834"
OTHER_AGENT_ID = "0b8e2f5a-1c2d-4e3f-8a9b-0c1d2e3f4a5b"


class FakeClock:
    """Wall-clock time that only moves when a test says so."""

    def __init__(self, start=None):
        self.now = start if start is not None else time.time()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def standin_factory():
    """Start stand-ins on free ports; every one is stopped when the test ends."""
    with contextlib.ExitStack() as stack:

        def start(**options):
            options.setdefault("api_keys", [API_KEY])
            return stack.enter_context(running_standin(**options))

        yield start


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """csvtools' number-range book is built into this session's own cache, never the developer's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSVTOOLS_CACHE_DIR", str(tmp_path_factory.mktemp("csvtools-cache")))
        yield


@pytest.fixture(scope="session")
def number_range_book():
    from csvtools.numbers.range_book import RangeBook

    return RangeBook.build()


@pytest.fixture(params=["ranges", "patterns"])
def judging_path(request, monkeypatch, number_range_book):
    """The test runs twice: validity, region and type decided by the number-range tables, then by the
    RE2 patterns (the path of a small call without a cache file)."""
    book = number_range_book if request.param == "ranges" else None
    monkeypatch.setattr("csvtools.numbers.vectorized.range_book", lambda numbers: book)
    return request.param


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's .env, key or ledger."""
    for name in ("BOLNA_API_KEY", "api_key", "BOLNA_API_BASE", "BOLNA_AGENT_ID", "STANDIN_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UPLOADER_LEDGER", str(tmp_path / "ledger.sqlite"))
    # Runs not about calling hours must pass at any hour of the day; those tests give --calling-hours.
    monkeypatch.setenv("UPLOADER_CALLING_HOURS", "any")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory):
    """A generated list with ragged lines, a formula cell and, late in the file, quoted fields."""
    path = tmp_path_factory.mktemp("mixed") / "contacts.csv"
    generate.write(str(path), 30_000, seed=11)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[500] = "+447911123456,too,few\n"
    lines[9000] = "=HYPERLINK(1),a,b,c,d,e,f\n"
    lines[20_000] = '"+91 98765 43210","Quoted, Name",x,basic,2026-01-01\n'
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def api(standin_factory, monkeypatch):
    """A fast stand-in with control routes, and the environment a user would set."""
    url = standin_factory(speed=3000, control=True)
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", API_KEY)
    monkeypatch.setenv("BOLNA_AGENT_ID", AGENT_ID)
    requests.post(f"{url}/_standin/faults", json={"retry_after": 0}, timeout=10)
    return url


def uploader(*args):
    """Invoke the uploader command in this process; a traceback fails the test."""
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert "Traceback" not in result.output + result.stderr, result.stderr
    return result


def operations(url):
    """The operations the stand-in was asked for, in order."""
    return [entry["operation"] for entry in requests.get(f"{url}/_standin/requests", timeout=10).json()]


def faults(url, **settings):
    """Replace the stand-in's fault plan."""
    settings.setdefault("retry_after", 0)
    assert requests.post(f"{url}/_standin/faults", json=settings, timeout=10).ok


def copy_sample(tmp_path, name):
    """A copy of a bundled sample in the test's folder."""
    target = tmp_path / name
    shutil.copy(SAMPLES / name, target)
    return target


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A webhook receiver on loopback; yields (url, list of the JSON bodies posted to it)."""
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler.received
    server.shutdown()
    server.server_close()
