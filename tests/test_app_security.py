"""The web app's guards: Host header, access token, CSRF, escaping, headers, the upload limit, the key."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("flask")

from helpers.app_client import AGENT, BASE, SECRET, Browser, contacts, make_app, secret_standin  # noqa: E402

from uploader.app.settings import resolve_token  # noqa: E402
from uploader.errors import ConfigError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def standin():
    with secret_standin() as url:
        yield url


def test_a_foreign_host_is_refused(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    assert browser.get("/upload").status_code == 200
    for host in ("http://evil.example:8765", "http://127.0.0.1:9999", "http://attacker.test"):
        answer = browser.get("/upload", base_url=host)
        assert answer.status_code == 400
        assert "Host header refused" in answer.get_data(as_text=True)


def test_a_post_without_csrf_is_refused_and_changes_nothing(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    for token in (None, "wrong"):
        data = {"file": contacts()} if token is None else {"file": contacts(), "csrf_token": token}
        answer = browser.post("/upload", data=data, csrf=False, content_type="multipart/form-data")
        assert answer.status_code == 403
        assert browser.get("/check").status_code == 302  # still nothing checked: back to the upload
    answer = browser.post("/upload", data={"file": contacts()}, content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/check")
    assert browser.get("/check").status_code == 200


def test_requests_without_a_session_cost_no_folder_and_no_unbounded_memory(standin, tmp_path):
    """Any web page can make a browser send requests to 127.0.0.1 without the app's cookie."""
    from uploader.app.workspaces import MAX_UNUSED_WORKSPACES

    app = make_app(standin, tmp_path)
    store = app.extensions["uploader_app"].workspaces
    kept = Browser(app)
    kept.post("/upload", data={"file": contacts()}, content_type="multipart/form-data")
    for _ in range(50):  # cross-site form posts: refused, and not one workspace made for them
        answer = app.test_client().post("/upload", base_url=BASE, data={"csrf_token": "x"})
        assert answer.status_code == 403
    assert len(store._workspaces) == 1
    for _ in range(MAX_UNUSED_WORKSPACES * 3):  # cross-site page loads: each a session that never returns
        assert app.test_client().get("/upload", base_url=BASE).status_code == 200
    assert len(store._workspaces) <= MAX_UNUSED_WORKSPACES + 1  # those unused, and the one that uploaded
    assert len(list(store.root.iterdir())) == 1  # only the session that uploaded has a folder
    assert kept.get("/check").status_code == 200  # and it is still there


def test_a_script_in_a_name_or_a_file_name_is_shown_as_text(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    browser.post("/upload", data={"file": contacts()}, content_type="multipart/form-data")
    page = browser.get("/check").get_data(as_text=True)
    assert "&lt;script&gt;list&lt;/script&gt;.csv" in page
    assert "<script>list" not in page and "<script>alert" not in page
    report = browser.get("/report")
    assert "<script>alert" not in report.get_data(as_text=True)
    assert "script-src" not in report.headers["Content-Security-Policy"]  # the report frame runs no script
    for answer in (browser.get("/upload"), browser.get("/check")):
        scripts = re.findall(r"<script[^>]*>", answer.get_data(as_text=True))
        assert scripts and all('src="/static/' in tag for tag in scripts)  # no inline script anywhere


def test_every_answer_carries_the_safety_headers(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path))
    for path in ("/upload", "/static/app.js", "/nowhere"):
        headers = browser.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    cookie = browser.answers[0].headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_the_session_secret_is_random_per_start(standin, tmp_path):
    assert make_app(standin, tmp_path).secret_key != make_app(standin, tmp_path).secret_key


def test_the_upload_limit_has_a_clear_message(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path, max_upload_bytes=2000))
    big = "name,phone\n" + "Asha,+91 98765 43210\n" * 200
    answer = browser.post("/upload", data={"file": contacts(big)}, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert "larger than this app takes" in answer.get_data(as_text=True)
    assert browser.get("/check").status_code == 302


def test_with_a_token_every_request_must_carry_it(standin, tmp_path):
    token = "t0ken-for-the-test-123"
    browser = Browser(make_app(standin, tmp_path, token=token))
    assert browser.get("/upload").status_code == 401
    entry = browser.get(f"/upload?token={token}")
    assert entry.status_code == 303 and "token" not in entry.headers["Location"]
    assert browser.get("/upload").status_code == 200  # the cookie carries it now
    other = Browser(make_app(standin, tmp_path, token=token))
    assert other.get("/upload?token=wrong").status_code == 401
    assert other.get("/upload", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_token_with_other_characters_is_refused_not_a_failure(standin, tmp_path):
    browser = Browser(make_app(standin, tmp_path, token="t0ken-for-the-test-123"))
    for given in ("t0kén", "\u2603"):
        answer = browser.get(f"/upload?token={given}")
        assert answer.status_code == 401 and "access token" in answer.get_data(as_text=True)


def test_on_every_address_the_own_machine_may_name_itself_localhost(standin, tmp_path):
    token = "t0ken-for-the-test-123"
    browser = Browser(make_app(standin, tmp_path, host="0.0.0.0", token=token))
    auth = {"Authorization": f"Bearer {token}"}
    for base in ("http://localhost:8765", "http://127.0.0.1:8765", "http://10.1.2.3:8765"):
        assert browser.get("/upload", base_url=base, headers=auth).status_code == 200
    for base in ("http://localhost:9999", "http://evil.example:8765", "http://localhost.evil.example:8765"):
        assert browser.get("/upload", base_url=base, headers=auth).status_code == 400


def test_a_host_other_than_loopback_needs_a_token():
    with pytest.raises(ConfigError, match="--token"):
        resolve_token("0.0.0.0", None)
    assert resolve_token("127.0.0.1", None) == (None, False)
    made, generated = resolve_token("0.0.0.0", "auto")
    assert generated and len(made) >= 24


def test_the_command_refuses_a_public_host_without_a_token_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "uploader", "app", "--host", "0.0.0.0", "--port", "0", "--no-browser"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "--token" in done.stderr


def test_the_key_is_in_no_answer_of_the_whole_journey(standin, tmp_path, caplog):
    caplog.set_level("DEBUG")
    browser = Browser(make_app(standin, tmp_path))
    browser.post("/upload", data={"file": contacts()}, content_type="multipart/form-data")
    browser.get("/check")
    browser.post("/recheck", data={"fix-3": "+91 98765 43211"})
    browser.get("/report")
    for kind in ("clean", "rejects", "report"):
        assert browser.get(f"/download/{kind}").status_code == 200
    browser.post("/plan", data={"agent_id": AGENT, "tz": "UTC", "outside": "allow", "cost_per_minute": "0.1"})
    assert 'data-testid="plan-summary"' in browser.get("/plan").get_data(as_text=True)
    assert browser.post("/schedule").status_code == 302
    assert browser.get("/progress").status_code == 200
    assert browser.get("/progress.json").json["batches"]
    browser.get("/static/app.js")
    browser.get("/nowhere")
    for answer in browser.answers:
        everything = answer.get_data() + str(answer.headers).encode()
        assert SECRET.encode() not in everything, answer.request.path
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("key", "flags", "practice"),
    [
        ({}, [], True),
        ({"BOLNA_API_KEY": SECRET}, ["--practice"], True),
        ({"BOLNA_API_KEY": SECRET}, [], False),
    ],
    ids=["no-key", "--practice", "key"],
)
def test_the_command_writes_its_url_once_listening_and_removes_its_files_when_stopped(
    tmp_path, key, flags, practice
):
    import signal
    import time

    import requests

    ready = tmp_path / "app.url"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uploader",
            "app",
            "--port",
            "0",
            "--no-browser",
            "--ready-file",
            str(ready),
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
            "TMPDIR": str(tmp_path),
            **key,
        },
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        url = ready.read_text()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\n", url)
        page = requests.get(url.strip() + "upload", timeout=10)
        assert ("practice mode: no real calls" in page.text) is practice
        assert SECRET not in page.text
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("uploader-app-")]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert ("practice mode" in stderr) is practice and "Traceback" not in stderr and SECRET not in stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("uploader-app-")]
