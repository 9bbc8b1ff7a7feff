"""The stand-in as Bolna documents its API: auth answers, account, wallet, retries, webhook, rate limit."""

import json
import threading

import pytest
import requests
from test_standin import AUTH, at, create, get, schedule


def run_to_the_end(url, clock, batch_id, step=30, limit=20_000):
    for _ in range(limit):
        batch = get(url, f"/batches/{batch_id}").json()
        if batch["status"] in ("completed", "executed", "stopped"):
            return batch
        clock.advance(step)
    raise AssertionError(f"batch {batch_id} never ended: {batch['status']}")


@pytest.mark.parametrize(
    "style, status, body",
    [
        ("docs", 401, {"error": 401, "message": "Access denied"}),
        ("live", 403, {"detail": "Access denied"}),
    ],
    ids=["docs", "live"],
)
def test_a_bad_key_gets_the_chosen_auth_answer(standin_factory, style, status, body):
    url = standin_factory(auth_style=style)
    for response in (get(url, "/user/me", {"Authorization": "Bearer wrong"}), create(url, headers={})):
        assert (response.status_code, response.json()) == (status, body)


def test_the_account_shows_wallet_and_concurrency_and_calls_spend_it(standin_factory, clock):
    url = standin_factory(clock=clock, speed=10, wallet=25.0, concurrency=3)
    me = get(url, "/user/me").json()
    assert me["wallet"] == 2500.0 and me["concurrency"] == {"max": 3, "current": 0}
    batch_id = create(url).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    busy = set()
    for _ in range(3000):
        busy.add(get(url, "/user/me").json()["concurrency"]["current"])
        if get(url, f"/batches/{batch_id}").json()["status"] == "completed":
            break
        clock.advance(3)
    assert max(busy) == 3  # three lines, never more
    spent = sum(e["total_cost"] for e in get(url, f"/batches/{batch_id}/executions").json())
    assert spent > 0
    assert get(url, "/user/me").json()["wallet"] == pytest.approx(2500.0 - spent, abs=0.01)  # cents


def test_once_the_wallet_is_spent_the_remaining_calls_end_balance_low(standin_factory, clock):
    url = standin_factory(clock=clock, speed=10, wallet=0.5, price_per_minute=0.1)  # 50 cents, 10 a minute
    batch_id = create(url).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    run_to_the_end(url, clock, batch_id)
    executions = get(url, f"/batches/{batch_id}/executions").json()
    low = [e for e in executions if e["status"] == "balance-low"]
    assert low and len(low) < len(executions)
    assert all(e["error_message"] and e["total_cost"] == 0 for e in low)
    first_low = min(executions.index(e) for e in low)
    assert all(
        e["status"] == "balance-low" for e in executions[first_low + 5 :]
    )  # after the last lines free up
    spent = sum(e["total_cost"] for e in executions)
    assert spent >= 50 - 5  # the wallet was used up, not merely dented
    # The next batch has nothing left to spend.
    second = create(url, name="second.csv").json()["batch_id"]
    schedule(url, second, at(clock, 300))
    run_to_the_end(url, clock, second)
    assert {e["status"] for e in get(url, f"/batches/{second}/executions").json()} == {"balance-low"}


def test_retry_config_redials_listed_statuses_after_the_intervals(standin_factory, clock):
    url = standin_factory(clock=clock, speed=60)
    config = {
        "enabled": True,
        "max_retries": 2,
        "retry_on_statuses": ["no-answer", "busy", "failed"],
        "retry_intervals_minutes": [30, 60],
    }
    batch_id = create(url, retry_config=json.dumps(config)).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    waiting = set()
    for _ in range(20_000):
        batch = get(url, f"/batches/{batch_id}").json()
        waiting |= {
            e["status"]
            for e in get(url, f"/batches/{batch_id}/executions").json()
            if e["batch_run_details"]["retried"] > 0 or e["status"] == "scheduled"
        }
        if batch["status"] == "completed":
            break
        clock.advance(10)
    executions = get(url, f"/batches/{batch_id}/executions").json()
    retried = [e for e in executions if e["batch_run_details"]["retried"]]
    assert retried and max(e["batch_run_details"]["retried"] for e in executions) <= 2
    assert "scheduled" in waiting  # a call waiting for its redial reads scheduled, as the docs say
    for e in executions:
        if e["batch_run_details"]["retried"] < 2:
            assert e["status"] not in config["retry_on_statuses"] or e["status"] == "completed"
    plain = create(url, name="plain.csv").json()["batch_id"]
    schedule(url, plain, at(clock, 300))
    run_to_the_end(url, clock, plain)
    assert all(
        e["batch_run_details"]["retried"] == 0 for e in get(url, f"/batches/{plain}/executions").json()
    )


def test_retry_config_defaults_are_the_documented_ones(standin_factory, clock):
    url = standin_factory(clock=clock, speed=60)
    batch_id = create(url, retry_config=json.dumps({"enabled": True})).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    run_to_the_end(url, clock, batch_id)
    executions = get(url, f"/batches/{batch_id}/executions").json()
    assert max(e["batch_run_details"]["retried"] for e in executions) <= 3
    exhausted = [e for e in executions if e["status"] in ("no-answer", "busy", "failed")]
    assert all(e["batch_run_details"]["retried"] == 3 for e in exhausted)  # 3 retries by default
    assert "scheduled" not in {e["status"] for e in executions}


@pytest.mark.parametrize(
    "config, fragment",
    [
        ({"max_retries": 4}, "max_retries must be 1, 2 or 3"),
        ({"retry_on_statuses": ["completed"]}, "retry_on_statuses"),
        ({"retry_intervals_minutes": [0]}, "retry_intervals_minutes"),
    ],
    ids=["too-many", "bad-status", "zero-interval"],
)
def test_retry_config_outside_the_documented_limits_is_a_400(standin_factory, config, fragment):
    url = standin_factory()
    response = create(url, retry_config=json.dumps(config))
    assert response.status_code == 400 and fragment in response.json()["message"]


def test_a_batch_can_end_executed(standin_factory, clock):
    url = standin_factory(clock=clock, speed=10, final_status="executed")
    batch_id = create(url).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    assert run_to_the_end(url, clock, batch_id)["status"] == "executed"


def test_stop_cancels_the_calls_not_yet_dialled(standin_factory, clock):
    url = standin_factory(clock=clock, speed=10)
    batch_id = create(url).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    while get(url, f"/batches/{batch_id}").json()["status"] != "running":
        clock.advance(5)
    requests.post(f"{url}/batches/{batch_id}/stop", headers=AUTH, timeout=10)
    counts = get(url, f"/batches/{batch_id}").json()["execution_status"]
    assert counts.get("canceled", 0) > 0 and counts.get("stopped", 0) > 0


def test_variables_come_back_in_the_files_column_order(standin_factory, clock):
    url = standin_factory(clock=clock, speed=10)
    batch_id = create(url, body="contact_number,zeta,alpha,mid\n+919876543210,z,a,m\n").json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    clock.advance(10_000)
    response = get(url, f"/batches/{batch_id}/executions")
    assert list(response.json()[0]["context_details"]["recipient_data"]) == ["zeta", "alpha", "mid"]


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+00:00",
        "2026-02-30T10:00:00+05:30",
        "2026-01-01T10:00:00+25:00",
    ],
    ids=["year-9999-west", "year-1", "no-such-day", "no-such-offset"],
)
def test_absurd_times_are_a_400_never_a_500(standin_factory, when):
    url = standin_factory()
    batch_id = create(url).json()["batch_id"]
    response = schedule(url, batch_id, when)
    assert response.status_code == 400, response.text


def test_past_the_rate_limit_comes_a_429_with_retry_after(standin_factory, clock):
    url = standin_factory(clock=clock, rate_limit=3)
    assert [get(url, "/user/me").status_code for _ in range(3)] == [200, 200, 200]
    refused = get(url, "/user/me")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json() == {"error": 429, "message": "Rate limit exceeded"}
    clock.advance(61)
    assert get(url, "/user/me").status_code == 200


def test_the_webhook_gets_the_batch_once_when_it_finishes(standin_factory, clock, receiver):
    hook, received = receiver
    url = standin_factory(clock=clock, speed=10)
    batch_id = create(url, webhook_url=hook).json()["batch_id"]
    schedule(url, batch_id, at(clock, 300))
    clock.advance(100)
    assert received == []  # not before it ends
    final = run_to_the_end(url, clock, batch_id)
    for _ in range(200):
        if received:
            break
        threading.Event().wait(0.05)
    threading.Event().wait(0.3)  # a second POST, were there one, would have come by now
    assert len(received) == 1
    assert received[0]["batch_id"] == batch_id and received[0]["status"] == "completed"
    assert received[0]["execution_status"] == final["execution_status"]


def test_a_batch_waiting_for_its_start_cannot_be_stopped(standin_factory, clock):
    url = standin_factory(clock=clock, speed=10)
    batch_id = create(url).json()["batch_id"]
    schedule(url, batch_id, at(clock, 3600))
    refused = requests.post(f"{url}/batches/{batch_id}/stop", headers=AUTH, timeout=10)
    assert (refused.status_code, refused.json()) == (
        404,
        {"error": 404, "message": "Batch is not queued or running"},
    )
    assert get(url, f"/batches/{batch_id}").json()["status"] == "scheduled"
