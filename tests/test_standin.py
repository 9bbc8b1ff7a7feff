"""The stand-in Batch API over real HTTP on loopback: routes, rules, lifecycle, faults."""

import math
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from conftest import AGENT_ID, API_KEY, OTHER_AGENT_ID, FakeClock

from uploader.standin.simulation import TERMINAL_CALL_STATUSES

AUTH = {"Authorization": f"Bearer {API_KEY}"}
CONTACTS = "contact_number,first_name,city\n" + "".join(
    f"+9198765{index:05d},Name{index},Pune\n" for index in range(40)
)


def create(url, body=CONTACTS, agent=AGENT_ID, headers=AUTH, name="contacts.csv", **form):
    files = {"file": (name, body.encode() if isinstance(body, str) else body, "text/csv")}
    return requests.post(
        f"{url}/batches", headers=headers, data={"agent_id": agent, **form}, files=files, timeout=10
    )


def at(clock, seconds):
    return datetime.fromtimestamp(clock() + seconds, timezone(timedelta(hours=5, minutes=30))).isoformat()


def schedule(url, batch_id, when, **form):
    return requests.post(
        f"{url}/batches/{batch_id}/schedule",
        headers=AUTH,
        files={"scheduled_at": (None, when), **{k: (None, v) for k, v in form.items()}},
        timeout=10,
    )


def get(url, path, headers=AUTH):
    return requests.get(f"{url}{path}", headers=headers, timeout=10)


@pytest.fixture
def server(standin_factory, clock):
    return standin_factory(clock=clock, speed=10, control=True)


def test_create_answers_201_with_a_32_hex_batch_id(server):
    response = create(server)
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "created"
    assert re.fullmatch(r"[0-9a-f]{32}", body["batch_id"])
    batch = get(server, f"/batches/{body['batch_id']}").json()
    assert (batch["status"], batch["file_name"], batch["total_contacts"], batch["valid_contacts"]) == (
        "created",
        "contacts.csv",
        40,
        40,
    )
    assert batch["scheduled_at"] is None


def test_create_keeps_caller_ids_retry_config_and_webhook(server):
    files = {"file": ("c.csv", CONTACTS.encode(), "text/csv")}
    form = [
        ("agent_id", AGENT_ID),
        ("from_phone_numbers", "+918035735900"),
        ("from_phone_numbers", "+918035735901"),
        ("retry_config", '{"enabled": true, "max_retries": 2}'),
        ("webhook_url", "https://example.com/hook"),
    ]
    batch_id = requests.post(f"{server}/batches", headers=AUTH, data=form, files=files, timeout=10).json()[
        "batch_id"
    ]
    batch = get(server, f"/batches/{batch_id}").json()
    assert batch["from_phone_numbers"] == ["+918035735900", "+918035735901"]
    assert batch["retry_config"] == {"enabled": True, "max_retries": 2}
    assert batch["webhook_url"] == "https://example.com/hook"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {API_KEY}"}],
    ids=["missing", "wrong-key", "wrong-scheme"],
)
def test_every_route_needs_the_bearer_key(server, headers):
    batch_id = create(server).json()["batch_id"]
    for response in (
        create(server, headers=headers),
        get(server, f"/batches/{batch_id}", headers),
        get(server, f"/batches/{AGENT_ID}/all", headers),
        requests.delete(f"{server}/batches/{batch_id}", headers=headers, timeout=10),
    ):
        assert response.status_code == 401
        assert response.json() == {"error": 401, "message": "Access denied"}


def test_another_keys_batch_is_not_visible(standin_factory, clock):
    url = standin_factory(clock=clock, api_keys=[API_KEY, "second-key"])
    batch_id = create(url).json()["batch_id"]
    other = {"Authorization": "Bearer second-key"}
    assert get(url, f"/batches/{batch_id}", other).status_code == 404
    assert get(url, f"/batches/{AGENT_ID}/all", other).json() == []
    assert get(url, f"/batches/{AGENT_ID}/{batch_id}", headers={"Authorization": f"Bearer {API_KEY}"}).ok
    assert get(url, f"/batches/{OTHER_AGENT_ID}/{batch_id}").status_code == 404


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("phone,name\n+919876543210,A\n", "needs a contact_number column"),
        ("contact_number,name\n", "no contacts"),
        ("contact_number,name\n+91987654321\xe9,A\n".encode("latin-1"), "not UTF-8"),
    ],
    ids=["no-contact-number", "empty", "not-utf8"],
)
def test_unreadable_uploads_get_400_naming_the_problem(server, body, fragment):
    response = create(server, body=body)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_bad_rows_are_counted_out_as_the_docs_describe(server):
    body = "contact_number,name\n+919876543210,A\n09876543210,B\n+91 98765 43211,C\n+919876543212,D,extra\n"
    response = create(server, body=body)
    assert response.status_code == 201
    batch = get(server, f"/batches/{response.json()['batch_id']}").json()
    assert (batch["total_contacts"], batch["valid_contacts"]) == (4, 1)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("contact_number,name\n+919876543210,A\n09876543210,B\n+91 98765 43211,C\n", "line 3: '09876543210'"),
        ("contact_number,name\n+919876543210,A,extra\n", "line 2: expected 2 fields, found 3"),
    ],
    ids=["not-e164", "ragged"],
)
def test_strict_upload_refuses_the_whole_file(standin_factory, body, fragment):
    url = standin_factory(strict_upload=True)
    response = create(url, body=body)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


def test_strict_upload_names_every_bad_line(standin_factory):
    url = standin_factory(strict_upload=True)
    response = create(url, body="contact_number,name\n+919876543210,A\n09876543210,B\n+91 98765 43211,C\n")
    assert "line 4: '+91 98765 43211'" in response.json()["message"]


def test_missing_fields_and_bad_options_get_400(server):
    assert create(server, agent="").json()["message"] == "agent_id is required"
    assert create(server, agent="not-a-uuid").status_code == 400
    no_file = requests.post(f"{server}/batches", headers=AUTH, data={"agent_id": AGENT_ID}, timeout=10)
    assert no_file.json()["message"] == "file is required"
    assert create(server, retry_config="{nope").status_code == 400
    assert create(server, from_phone_numbers="12345").status_code == 422


def test_oversized_upload_gets_413(standin_factory):
    url = standin_factory(max_upload_bytes=1000)
    response = create(url, body=CONTACTS * 5)
    assert response.status_code == 413
    assert response.json()["error"] == 413


def test_schedule_rules(server, clock):
    batch_id = create(server).json()["batch_id"]
    utc = datetime.fromtimestamp(clock() + 600, timezone.utc)
    z_suffix = schedule(server, batch_id, utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert z_suffix.status_code == 500  # the real API's documented gotcha
    assert (
        schedule(server, batch_id, utc.replace(tzinfo=None).isoformat())
        .json()["message"]
        .startswith("scheduled_at needs a UTC offset")
    )
    assert schedule(server, batch_id, "next tuesday").status_code == 400
    assert "in the past" in schedule(server, batch_id, at(clock, -60)).json()["message"]
    assert "less than 2 minutes" in schedule(server, batch_id, at(clock, 60)).json()["message"]
    for absurd in ("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00", at(clock, 367 * 86400)):
        far = schedule(server, batch_id, absurd)
        assert (far.status_code, far.json()["message"]) == (400, "scheduled_at is more than a year ahead")
    missing = requests.post(f"{server}/batches/{batch_id}/schedule", headers=AUTH, timeout=10)
    assert missing.json()["message"] == "scheduled_at is required"
    assert get(server, f"/batches/{batch_id}").json()["status"] == "created"

    ok = schedule(server, batch_id, at(clock, 300), bypass_call_guardrails="true")
    assert (ok.status_code, ok.json()) == (200, {"message": "success", "state": "scheduled"})
    stored = datetime.fromisoformat(
        get(server, f"/batches/{batch_id}").json()["scheduled_at"].replace("Z", "+00:00")
    )
    assert stored.timestamp() == math.ceil((clock() + 300) / 600) * 600  # rounded up to 10 minutes, in UTC
    again = schedule(server, batch_id, at(clock, 300))  # Bolna documents no 409: a repeat is a bad request
    assert again.status_code == 400
    assert again.json() == {
        "error": 400,
        "message": "batch is scheduled; only a created batch can be scheduled",
    }


def test_lifecycle_runs_on_the_accelerated_clock(server, clock):
    batch_id = create(server).json()["batch_id"]
    assert get(server, f"/batches/{batch_id}/executions").json() == []
    schedule(server, batch_id, at(clock, 300))
    seen = []
    for _ in range(2000):
        batch = get(server, f"/batches/{batch_id}").json()
        if not seen or seen[-1] != batch["status"]:
            seen.append(batch["status"])
        if batch["status"] == "completed":
            break
        clock.advance(1)  # one real second is ten simulated ones at speed 10
    assert seen == ["scheduled", "queued", "running", "completed"]
    assert sum(batch["execution_status"].values()) == 40

    executions = get(server, f"/batches/{batch_id}/executions").json()
    assert len(executions) == 40
    assert {e["status"] for e in executions} <= TERMINAL_CALL_STATUSES
    assert len({e["status"] for e in executions}) >= 3  # varied outcomes
    first = executions[0]
    assert first["batch_id"] == batch_id
    assert first["telephony_data"]["to_number"] == "+919876500000"
    assert first["context_details"]["recipient_data"] == {"first_name": "Name0", "city": "Pune"}
    for key in (
        "id",
        "status",
        "conversation_duration",
        "total_cost",
        "cost_breakdown",
        "answered_by_voice_mail",
        "error_message",
        "transcript",
        "extracted_data",
        "telephony_data",
        "batch_run_details",
        "created_at",
        "updated_at",
    ):
        assert key in first
    assert "conversation_time" not in first  # not in the OpenAPI's execution
    completed = [e for e in executions if e["status"] == "completed" and not e["answered_by_voice_mail"]]
    assert completed and all(
        e["conversation_duration"] > 0
        and e["transcript"]
        and e["extracted_data"]
        and e["telephony_data"]["recording_url"]
        for e in completed
    )
    for e in executions:
        assert math.isclose(sum(e["cost_breakdown"].values()), e["total_cost"], abs_tol=0.05)
        assert e["batch_run_details"]["retried"] == 0 and e["telephony_data"]["provider"] in (
            "twilio",
            "plivo",
        )
    failed = [e for e in executions if e["status"] in ("failed", "error")]
    assert all(e["error_message"] for e in failed)
    # Deterministic: the same batch at the same moment reads the same.
    assert get(server, f"/batches/{batch_id}/executions").json() == executions


def test_calls_move_through_their_statuses(server, clock):
    batch_id = create(server).json()["batch_id"]
    schedule(server, batch_id, at(clock, 300))
    statuses = set()
    for _ in range(400):
        clock.advance(2)
        statuses |= {e["status"] for e in get(server, f"/batches/{batch_id}/executions").json()}
    assert {"queued", "ringing", "in-progress", "completed"} <= statuses


def test_stop_halts_unfinished_calls(server, clock):
    batch_id = create(server).json()["batch_id"]
    assert requests.post(f"{server}/batches/{batch_id}/stop", headers=AUTH, timeout=10).status_code == 404
    schedule(server, batch_id, at(clock, 300))
    while get(server, f"/batches/{batch_id}").json()["status"] != "running":
        clock.advance(5)
    clock.advance(5)
    stopped = requests.post(f"{server}/batches/{batch_id}/stop", headers=AUTH, timeout=10)
    assert stopped.json() == {"message": "success", "state": "stopped"}
    clock.advance(10_000)
    batch = get(server, f"/batches/{batch_id}").json()
    assert batch["status"] == "stopped"
    assert batch["execution_status"].get("stopped", 0) > 0
    assert schedule(server, batch_id, at(clock, 300)).status_code == 400
    again = requests.post(f"{server}/batches/{batch_id}/stop", headers=AUTH, timeout=10)
    assert again.json() == {"error": 404, "message": "Batch is not queued or running"}


def test_delete_removes_the_batch(server):
    batch_id = create(server).json()["batch_id"]
    deleted = requests.delete(f"{server}/batches/{batch_id}", headers=AUTH, timeout=10)
    assert deleted.json() == {"message": "success", "state": "deleted"}
    assert get(server, f"/batches/{batch_id}").status_code == 404
    assert get(server, f"/batches/{AGENT_ID}/all").json() == []


def test_both_layouts_see_the_same_batch(server, clock):
    batch_id = create(server).json()["batch_id"]
    seed_schedule = requests.post(
        f"{server}/batches/schedule",
        headers=AUTH,
        timeout=10,
        data={"agent_id": AGENT_ID, "batch_id": batch_id, "scheduled_at": at(clock, 300)},
    )
    assert seed_schedule.json()["state"] == "scheduled"
    clock.advance(10_000)
    current = get(server, f"/batches/{batch_id}").json()
    seed = get(server, f"/batches/{AGENT_ID}/{batch_id}").json()
    assert current == seed and current["status"] == "completed"
    assert (
        get(server, f"/batches/{batch_id}/executions").json()
        == get(server, f"/batches/{AGENT_ID}/{batch_id}/executions").json()
    )
    assert [b["batch_id"] for b in get(server, f"/batches/{AGENT_ID}/all").json()] == [batch_id]
    assert [b["batch_id"] for b in get(server, f"/batches/{AGENT_ID}").json()] == [batch_id]
    assert schedule(server, batch_id, at(clock, 300)).status_code == 400


def test_state_file_survives_a_restart(standin_factory, tmp_path, clock):
    state = str(tmp_path / "standin.sqlite")
    from uploader.standin import running_standin

    with running_standin(api_keys=[API_KEY], state_path=state, clock=clock) as first:
        batch_id = create(first).json()["batch_id"]
        schedule(first, batch_id, at(clock, 300))
    with running_standin(api_keys=[API_KEY], state_path=state, clock=clock) as second:
        batch = get(second, f"/batches/{batch_id}").json()
        assert (batch["status"], batch["total_contacts"]) == ("scheduled", 40)


def test_without_state_a_restart_forgets(clock):
    from uploader.standin import running_standin

    with running_standin(api_keys=[API_KEY], clock=clock) as first:
        batch_id = create(first).json()["batch_id"]
    with running_standin(api_keys=[API_KEY], clock=clock) as second:
        assert get(second, f"/batches/{batch_id}").status_code == 404


def set_faults(url, **settings):
    response = requests.post(f"{url}/_standin/faults", json=settings, timeout=10)
    assert response.ok, response.text
    return response.json()


def log(url):
    return requests.get(f"{url}/_standin/requests", timeout=10).json()


def test_scripted_faults_come_in_order(server):
    set_faults(server, script=["429", "503", "500", "502", "ok"], retry_after=2)
    answers = [get(server, f"/batches/{AGENT_ID}/all") for _ in range(6)]
    assert [a.status_code for a in answers] == [429, 503, 500, 502, 200, 200]
    assert answers[0].headers["Retry-After"] == "2"
    assert answers[0].json() == {"error": 429, "message": "Too many requests"}
    assert [entry["fault"] for entry in log(server)] == ["429", "503", "500", "502", "ok", "ok"]


def test_drop_closes_the_connection_without_running_the_request(server):
    set_faults(server, script=["create:drop"])
    get(server, f"/batches/{AGENT_ID}/all")  # not a create: the fault waits for one
    with pytest.raises(requests.ConnectionError):
        create(server)
    assert get(server, f"/batches/{AGENT_ID}/all").json() == []


def test_drop_after_runs_the_request_then_closes(server):
    set_faults(server, script=["create:drop-after"])
    with pytest.raises(requests.ConnectionError):
        create(server)
    assert len(get(server, f"/batches/{AGENT_ID}/all").json()) == 1


def test_slow_answers_outlast_a_client_timeout(server):
    set_faults(server, script=["slow"], slow_seconds=1.5)
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{server}/batches/{AGENT_ID}/all", headers=AUTH, timeout=(2, 0.3))


def test_fault_rate_is_a_seeded_share(server):
    set_faults(server, rate=0.5, kinds=["503"], seed=7)
    codes = [get(server, f"/batches/{AGENT_ID}/all").status_code for _ in range(40)]
    assert 8 <= codes.count(503) <= 32 and codes.count(200) + codes.count(503) == 40
    set_faults(server, rate=0.5, kinds=["503"], seed=7)
    assert [get(server, f"/batches/{AGENT_ID}/all").status_code for _ in range(40)] == codes


def test_bad_fault_settings_are_refused(server):
    assert (
        requests.post(f"{server}/_standin/faults", json={"script": ["teapot"]}, timeout=10).status_code == 400
    )
    assert requests.post(f"{server}/_standin/faults", json={"rate": 2}, timeout=10).status_code == 400


def test_control_routes_are_off_unless_enabled(standin_factory):
    url = standin_factory()
    assert requests.post(f"{url}/_standin/faults", json={"script": ["500"]}, timeout=10).status_code == 404
    assert get(url, f"/batches/{AGENT_ID}/all").status_code == 200


def test_clock_speed_shrinks_the_wait_but_not_the_calendar(standin_factory):
    clock = FakeClock()
    url = standin_factory(clock=clock, speed=600)
    batch_id = create(url).json()["batch_id"]
    # scheduled_at is still checked against the real time...
    assert schedule(url, batch_id, at(clock, 60)).status_code == 400
    assert schedule(url, batch_id, at(clock, 3600)).status_code == 200
    # ...but the hour's wait passes in about six seconds.
    clock.advance(7)
    assert get(url, f"/batches/{batch_id}").json()["status"] in ("queued", "running")


def test_the_seed_script_runs_unchanged_in_substance(standin_factory, tmp_path):
    """The original aiohttp example: create → schedule → poll until completed → executions."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("aiohttp")
    url = standin_factory(speed=1200)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "contact_number,first_name,last_name\n+919876543210,Bruce,Wayne\n+447911123456,James,Bond\n"
    )
    when = (datetime.now(timezone(timedelta(hours=5, minutes=30))) + timedelta(minutes=3)).isoformat()
    env = {
        **os.environ,
        "SEED_HOST": url,
        "api_key": API_KEY,
        "SEED_AGENT_ID": AGENT_ID,
        "SEED_FILE_PATH": str(contacts),
        "SEED_SCHEDULE_TIME": when,
        "SEED_POLL_SECONDS": "0.2",
    }
    script = Path(__file__).parent / "helpers" / "seed_batch_script.py"
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "now scheduling batch for batch id" in done.stdout
    executions = json.loads(done.stdout.split("EXECUTIONS ", 1)[1])
    assert sorted(e["telephony_data"]["to_number"] for e in executions) == ["+447911123456", "+919876543210"]
    assert {e["context_details"]["recipient_data"]["last_name"] for e in executions} == {"Wayne", "Bond"}


def test_serve_says_in_one_line_when_it_cannot_listen_or_write_its_ready_file(tmp_path):
    import socket
    import subprocess
    import sys

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = str(taken.getsockname()[1])
        for extra, message in (
            (["--port", port], "cannot listen on 127.0.0.1:" + port),
            (["--port", "0", "--ready-file", str(tmp_path / "no" / "url")], "the ready file"),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "uploader", "serve", "--host", "127.0.0.1", *extra],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 2, done.stderr
            assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr
    finally:
        taken.close()
