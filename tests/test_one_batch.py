"""Exactly one batch per file, whatever happens: lost answers, a lost ledger, two runs at once, kills."""

import json
import os
import signal
import subprocess
import sys
import time

import requests
from conftest import AGENT_ID, API_KEY, copy_sample, faults, operations, uploader

from uploader.campaign.ledger import Ledger


def batches(api):
    """The agent's batches, as the stand-in lists them."""
    return json.loads(uploader("list", "--json").stdout)


def test_the_upload_name_carries_the_identity_of_the_uploaded_contacts(api, tmp_path):
    result = uploader("run", copy_sample(tmp_path, "contacts_good.csv"), "--now", "--json")
    assert result.exit_code == 0, result.stderr
    entry = Ledger().entries()[-1]
    assert [b["file_name"] for b in batches(api)] == [f"contacts_good.clean.{entry.contacts_sha256[:16]}.csv"]


def test_a_lost_ledger_resumes_the_batch_the_api_has(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    first = uploader("run", source, "--now", "--json")
    assert first.exit_code == 0, first.stderr
    os.remove(tmp_path / "ledger.sqlite")
    again = uploader("run", source, "--now", "--json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["batch_id"] == json.loads(first.stdout)["batch_id"]
    assert "which the ledger did not know; resuming it" in again.stderr
    assert operations(api).count("create") == 1 and operations(api).count("schedule") == 1
    assert len(batches(api)) == 1


def test_another_file_with_the_same_name_never_adopts_a_batch(api, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = tmp_path / "one" / "contacts.csv"
    two = tmp_path / "two" / "contacts.csv"
    one.write_text("phone,first_name\n+919876543210,Asha\n")
    two.write_text("phone,first_name\n+919812345678,Ravi\n")
    first = uploader("run", one, "--now", "--json")
    assert first.exit_code == 0
    faults(api, script=["create:drop"])
    lost = uploader("run", two, "--now")
    assert lost.exit_code == 1
    again = uploader("run", two, "--now", "--json")
    assert again.exit_code == 0, again.stderr
    assert not json.loads(again.stdout)["resumed"]
    assert json.loads(again.stdout)["batch_id"] != json.loads(first.stdout)["batch_id"]
    assert len(batches(api)) == 2


def test_a_lost_create_answer_for_another_file_of_that_name_is_not_taken(api, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "contacts.csv").write_text("contact_number,first_name\n+919876543210,Asha\n")
    (tmp_path / "two" / "contacts.csv").write_text("contact_number,first_name\n+919812345678,Ravi\n")
    assert uploader("create", tmp_path / "one" / "contacts.csv").exit_code == 0  # left "created"
    faults(api, script=["create:drop"])
    lost = uploader("create", tmp_path / "two" / "contacts.csv")
    assert lost.exit_code == 1 and "none was created" in lost.stderr
    again = uploader("create", tmp_path / "two" / "contacts.csv", "--json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["resumed"] is False
    assert len(batches(api)) == 2


def test_several_candidates_stop_the_run_naming_them(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["create:drop"])
    assert uploader("run", source, "--now").exit_code == 1  # the ledger now holds an upload without answer
    clean = tmp_path / "contacts_good.clean.csv"
    # two batches of these bytes appear (say, made by hand) since that upload began
    for _ in range(2):
        with open(clean, "rb") as handle:
            entry = Ledger().entries()[-1]
            response = requests.post(
                f"{api}/batches",
                headers={"Authorization": f"Bearer {API_KEY}"},
                data={"agent_id": AGENT_ID},
                files={"file": (entry.file_name, handle)},
                timeout=10,
            )
        assert response.status_code == 201
    result = uploader("run", source, "--now")
    assert result.exit_code == 1
    ids = [b["batch_id"] for b in batches(api)]
    assert f"the agent has 2 new batches of {entry.file_name}" in result.stderr
    assert f"uploader: candidates: {', '.join(ids)}" in result.stderr
    assert operations(api).count("create") == 3


def _run_process(source, api, tmp_path, *extra):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "uploader", "run", str(source), "--now", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )


def _wait_for_operation(api, operation, timeout=20):
    deadline = time.monotonic() + timeout
    while operation not in operations(api):
        assert time.monotonic() < deadline, f"no {operation} request came"
        time.sleep(0.05)


def test_two_runs_at_once_make_one_batch(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["create:slow"], slow_seconds=3)
    first = _run_process(source, api, tmp_path)
    _wait_for_operation(api, "create")  # the first is uploading, slowly
    second = _run_process(source, api, tmp_path)
    second_out, second_err = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert second.returncode == 1, second_err
    assert second_err.strip().splitlines()[-1] == (
        f"uploader: another run is uploading this file, pid {first.pid}; let it finish, then run again"
    )
    assert operations(api).count("create") == 1
    assert len(batches(api)) == 1
    # and once the first is done, the same command resumes the one batch
    third = uploader("run", source, "--now")
    assert third.exit_code == 0 and "resuming it" in third.stderr
    assert len(batches(api)) == 1


def test_kills_at_any_moment_end_with_one_batch(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, rate=0.3, kinds=["slow", "drop-after", "500"], slow_seconds=0.3, seed=7)
    for delay in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3):
        process = _run_process(source, api, tmp_path)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    faults(api)
    for _ in range(3):  # converge: a kill mid-upload may leave one ambiguous step to settle
        result = uploader("run", source, "--now")
        if result.exit_code == 0:
            break
    assert result.exit_code == 0, result.stderr
    assert len(batches(api)) == 1


def test_seeded_fault_runs_each_end_with_one_batch(api, tmp_path):
    for seed in range(8):
        source = tmp_path / f"contacts{seed}.csv"
        source.write_text("contact_number,first_name\n" + f"+9198765432{seed:02d},Asha\n")
        faults(api, rate=0.4, kinds=["429", "500", "502", "503", "drop", "drop-after"], seed=seed)
        for _ in range(6):
            result = uploader("run", source, "--now")
            if result.exit_code == 0:
                break
        assert result.exit_code == 0, result.stderr
    faults(api)
    names = [b["file_name"] for b in batches(api)]
    assert len(names) == len(set(names)) == 8


def test_a_second_run_while_the_first_schedules_does_not_schedule_again(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["schedule:slow"], slow_seconds=3)
    first = _run_process(source, api, tmp_path)
    _wait_for_operation(api, "schedule")  # created, now scheduling slowly
    second = _run_process(source, api, tmp_path)
    _, second_err = second.communicate(timeout=60)
    _, first_err = first.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert second.returncode == 1 and f"another run is uploading this file, pid {first.pid}" in second_err
    assert operations(api).count("schedule") == 1


def test_the_key_appears_in_no_output_log_ledger_or_state_file(standin_factory, monkeypatch, tmp_path):
    secret = "bn-very-secret-key-4711"
    url = standin_factory(
        api_keys=[secret], speed=3000, control=True, state_path=str(tmp_path / "state.sqlite")
    )
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", secret)
    monkeypatch.setenv("BOLNA_AGENT_ID", AGENT_ID)
    faults(url, rate=0.3, kinds=["429", "500", "drop", "drop-after"], seed=11)
    source = copy_sample(tmp_path, "contacts_good.csv")
    seen = ""
    for _ in range(4):
        result = uploader(
            "-vv", "run", source, "--now", "--wait", "--interval", "0.1", "--results", tmp_path / "calls.json"
        )
        seen += result.output + result.stderr
        if result.exit_code == 0:
            break
    assert result.exit_code == 0, result.stderr
    assert "GET" in seen  # the requests were logged
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert {"ledger.sqlite", "state.sqlite", "calls.json", "contacts_good.clean.csv"} <= {
        p.name for p in files
    }
    assert secret not in seen
    assert [path.name for path in files if secret.encode() in path.read_bytes()] == []
