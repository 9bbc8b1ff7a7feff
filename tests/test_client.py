"""BatchClient against recorded answers (responses): bodies, retries, errors, waiting, secrets."""

import json
import logging
import socket
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError

from uploader import (
    AmbiguousCreateError,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchClient,
    ConfigError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    ScheduleTimeError,
    ServerError,
    WaitTimeoutError,
)
from uploader.api.retry import retry_delay, should_retry

BASE = "https://api.example.test"
KEY = "bn-secret-key-123456"
BATCH = "3c90c3cc0d444b5088888dd25736052a"
AGENT = "ee153a6c-19f8-3a61-989a-9146a31c7834"


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps):
    return BatchClient(api_key=KEY, base_url=BASE, sleep=sleeps, jitter=lambda: 0.0)


@pytest.fixture
def contacts(tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("contact_number,first_name\n+919876543210,Asha\n")
    return path


def in_a_day():
    return (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)


# -- retry policy, as pure functions ---------------------------------------


@pytest.mark.parametrize(
    "idempotent, status, reached, expected",
    [
        (True, None, True, True),  # read: timeout or dropped connection
        (True, 408, True, True),
        (True, 429, True, True),
        (True, 500, True, True),
        (True, 502, True, True),
        (True, 503, True, True),
        (True, 504, True, True),
        (True, 400, True, False),
        (True, 401, True, False),
        (True, 404, True, False),
        (True, 409, True, False),
        (False, None, False, True),  # upload that never left: safe
        (False, None, True, False),  # upload that may have arrived: never
        (False, 429, True, True),  # rate limiter answers before anything is made
        (False, 500, True, False),
        (False, 503, True, False),
        (False, 400, True, False),
    ],
)
def test_should_retry_table(idempotent, status, reached, expected):
    assert should_retry(idempotent=idempotent, status=status, reached_server=reached) is expected


@pytest.mark.parametrize(
    "attempt, retry_after, jitter, expected",
    [
        (1, None, 0.0, 0.5),
        (2, None, 0.0, 1.0),
        (3, None, 0.0, 2.0),
        (5, None, 0.0, 8.0),
        (9, None, 0.0, 8.0),
        (1, None, 1.0, 0.375),
        (4, None, 0.5, 3.5),
        (1, 3.0, 0.0, 3.0),
        (1, 0.0, 0.0, 0.0),
        (1, 600.0, 0.0, 0.5),
        (2, -1.0, 0.0, 1.0),
    ],
)
def test_retry_delay_table(attempt, retry_after, jitter, expected):
    assert retry_delay(attempt, retry_after, jitter=lambda: jitter) == pytest.approx(expected)


# -- requests on the wire ---------------------------------------------------


@responses.activate
def test_create_sends_multipart_with_agent_file_and_auth(client, contacts):
    responses.post(
        f"{BASE}/batches",
        status=201,
        json={"batch_id": BATCH, "state": "created"},
        match=[matchers.header_matcher({"Authorization": f"Bearer {KEY}"})],
    )
    batch = client.create_batch(
        AGENT,
        contacts,
        from_phone_numbers=["+918035735900", "+918035735901"],
        retry_config={"enabled": True, "max_retries": 2},
        webhook_url="https://x.test/h",
    )
    assert (batch.batch_id, batch.status) == (BATCH, "created")
    request = responses.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    body = request.body.decode()
    assert f'name="agent_id"\r\n\r\n{AGENT}' in body
    assert 'name="file"; filename="clean.csv"' in body and "+919876543210,Asha" in body
    assert body.count('name="from_phone_numbers"') == 2
    assert '{"enabled": true, "max_retries": 2}' in body
    assert "contact-batch-tools-uploader/" in request.headers["User-Agent"]


@responses.activate
def test_reads_retry_429_and_5xx_then_succeed(client, sleeps):
    responses.get(
        f"{BASE}/batches/{BATCH}", status=429, headers={"Retry-After": "2"}, json={"message": "slow"}
    )
    responses.get(f"{BASE}/batches/{BATCH}", status=503, json={"message": "down"})
    responses.get(f"{BASE}/batches/{BATCH}", status=502, body="<html>bad gateway</html>")
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "running"})
    assert client.get_batch(BATCH).status == "running"
    assert sleeps == [2.0, 1.0, 2.0]  # Retry-After honoured, then backoff for attempts 2 and 3
    assert len(responses.calls) == 4


@responses.activate
def test_retries_are_bounded(client, sleeps):
    responses.get(f"{BASE}/batches/{BATCH}", status=500, json={"message": "boom"})
    with pytest.raises(ServerError) as caught:
        client.get_batch(BATCH)
    assert caught.value.status == 500 and caught.value.attempts == 4
    assert len(responses.calls) == 4 and len(sleeps) == 3


@responses.activate
def test_connection_failures_on_reads_are_retried(client, sleeps):
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ConnectionError("reset by peer"))
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ReadTimeout("slow"))
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "scheduled"})
    assert client.get_batch(BATCH).status == "scheduled"
    assert len(sleeps) == 2


@responses.activate
def test_read_timeout_on_create_is_never_resent(client, contacts, sleeps):
    responses.post(f"{BASE}/batches", body=requests.ReadTimeout("no answer"))
    responses.get(f"{BASE}/batches/{AGENT}/all", json=[])
    with pytest.raises(AmbiguousCreateError) as caught:
        client.create_batch(AGENT, contacts)
    assert caught.value.candidates == []
    assert "no batch of clean.csv was found" in str(caught.value)
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]
    assert sleeps == []


@responses.activate
def test_lost_create_answer_finds_the_batch_it_made(client, contacts):
    responses.post(f"{BASE}/batches", body=requests.ConnectionError("connection dropped"))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    responses.get(
        f"{BASE}/batches/{AGENT}/all",
        json=[
            {"batch_id": "a" * 32, "status": "created", "file_name": "clean.csv", "created_at": old},
            {"batch_id": "b" * 32, "status": "completed", "file_name": "clean.csv", "created_at": now},
            {"batch_id": "c" * 32, "status": "created", "file_name": "other.csv", "created_at": now},
            {"batch_id": BATCH, "status": "created", "file_name": "clean.csv", "created_at": now},
        ],
    )
    with pytest.raises(AmbiguousCreateError) as caught:
        client.create_batch(AGENT, contacts)
    assert [b.batch_id for b in caught.value.candidates] == [BATCH]
    assert BATCH in str(caught.value)
    assert sum(call.request.method == "POST" for call in responses.calls) == 1


@responses.activate
def test_server_error_on_create_is_not_resent(client, contacts):
    responses.post(f"{BASE}/batches", status=500, json={"message": "boom"})
    responses.get(f"{BASE}/batches/{AGENT}/all", json=[])
    with pytest.raises(AmbiguousCreateError):
        client.create_batch(AGENT, contacts)
    assert sum(call.request.method == "POST" for call in responses.calls) == 1


@responses.activate
def test_create_that_never_left_is_retried(client, contacts, sleeps):
    refused = requests.ConnectionError(
        MaxRetryError(None, BASE, NewConnectionError(None, "Connection refused"))
    )
    responses.post(f"{BASE}/batches", body=refused)
    responses.post(f"{BASE}/batches", status=429, headers={"Retry-After": "1"}, json={"message": "slow down"})
    responses.post(f"{BASE}/batches", status=201, json={"batch_id": BATCH, "state": "created"})
    assert client.create_batch(AGENT, contacts).batch_id == BATCH
    assert sleeps == [0.5, 1.0]


@responses.activate
def test_refused_upload_is_a_bad_request_not_retried(client, contacts):
    responses.post(
        f"{BASE}/batches", status=400, json={"error": 400, "message": "line 3: '0987' is not E.164"}
    )
    with pytest.raises(BadRequestError, match="is not E.164") as caught:
        client.create_batch(AGENT, contacts)
    assert caught.value.body == {"error": 400, "message": "line 3: '0987' is not E.164"}
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "status, body, error",
    [
        (400, {"error": 400, "message": "bad"}, BadRequestError),
        (422, {"detail": "bad number"}, BadRequestError),
        (401, {"error": 401, "message": "Access denied"}, AuthenticationError),
        (403, {"detail": "Invalid API key"}, AuthenticationError),
        (404, {"message": "Batch not found"}, NotFoundError),
        (409, {"message": "already scheduled"}, ConflictError),
        (429, {"message": "slow down"}, RateLimitError),
        (503, {"message": "unavailable"}, ServerError),
    ],
)
@responses.activate
def test_status_errors_map_to_one_class_each(status, body, error):
    client = BatchClient(api_key=KEY, base_url=BASE, max_retries=0)
    responses.get(f"{BASE}/batches/{BATCH}", status=status, json=body, headers={"x-request-id": "req-1"})
    with pytest.raises(error) as caught:
        client.get_batch(BATCH)
    assert caught.value.status == status
    assert caught.value.request_id == "req-1"
    assert list(body.values())[-1] in caught.value.message


@responses.activate
def test_connection_errors_are_apart_from_status_errors(client):
    client.max_retries = 0
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        client.get_batch(BATCH)
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ConnectionError("reset"))
    with pytest.raises(APIConnectionError):
        client.get_batch(BATCH)


@responses.activate
def test_connection_errors_keep_their_cause_without_the_key(client):
    client.max_retries = 0
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ConnectionError(f"reset by peer (token {KEY})"))
    with pytest.raises(APIConnectionError) as caught:
        client.get_batch(BATCH)
    assert caught.value.cause == "ConnectionError: reset by peer (token [redacted])"
    assert str(caught.value) == f"GET {BASE}/batches/{BATCH}: connection failed ({caught.value.cause})"


def test_a_refused_connection_says_so(sleeps):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = BatchClient(api_key=KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0, sleep=sleeps)
    with pytest.raises(APIConnectionError) as caught:
        client.get_batch(BATCH)
    assert caught.value.cause.startswith("NewConnectionError: Failed to establish a new connection")
    assert "Connection refused" in str(caught.value) and " object at 0x" not in str(caught.value)


@responses.activate
def test_every_call_has_a_timeout_and_the_upload_a_longer_one(contacts):
    seen = []

    class RecordingSession(requests.Session):
        def request(self, method, url, **kwargs):
            seen.append((method, kwargs.get("timeout")))
            return super().request(method, url, **kwargs)

    client = BatchClient(api_key=KEY, base_url=BASE, timeout=(3, 20), session=RecordingSession())
    responses.post(f"{BASE}/batches", status=201, json={"batch_id": BATCH, "state": "created"})
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "created"})
    client.create_batch(AGENT, contacts)
    client.get_batch(BATCH)
    assert seen == [("POST", (3, 300.0)), ("GET", (3, 20))]


# -- schedule times ---------------------------------------------------------


@responses.activate
def test_schedule_sends_z_as_offset(client):
    responses.post(f"{BASE}/batches/{BATCH}/schedule", json={"message": "success", "state": "scheduled"})
    when = in_a_day()
    result = client.schedule_batch(BATCH, when.strftime("%Y-%m-%dT%H:%M:%SZ"), bypass_call_guardrails=True)
    assert result.state == "scheduled"
    body = responses.calls[0].request.body.decode()
    assert when.isoformat() in body and when.isoformat().endswith("+00:00")
    assert 'name="bypass_call_guardrails"\r\n\r\ntrue' in body


@responses.activate
def test_schedule_accepts_a_scheduled_at_state_text(client):
    responses.post(
        f"{BASE}/batches/{BATCH}/schedule",
        json={"message": "success", "state": "scheduled at 2026-06-23T10:00:00+00:00"},
    )
    assert client.schedule_batch(BATCH, in_a_day()).state.startswith("scheduled")


@responses.activate
def test_naive_time_uses_the_named_zone(client):
    responses.post(f"{BASE}/batches/{BATCH}/schedule", json={"message": "success", "state": "scheduled"})
    naive = (datetime.now() + timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    client.schedule_batch(BATCH, naive.isoformat(), tz="Asia/Kolkata")
    assert naive.isoformat() + "+05:30" in responses.calls[0].request.body.decode()


@pytest.mark.parametrize(
    "when, tz, message",
    [
        ("2031-01-01T10:00:00", None, "no UTC offset"),
        ("2031-01-01T10:00:00", "Mars/Olympus", "unknown time zone"),
        ("tomorrow at ten", None, "not an ISO 8601"),
        ("2001-01-01T10:00:00+05:30", None, "in the past"),
        (
            lambda: (datetime.now(timezone.utc) + timedelta(seconds=30)).isoformat(),
            None,
            "less than 2 minutes",
        ),
        ("9999-12-31T23:59:59+00:00", None, "more than a year ahead"),
        ((datetime.now(timezone.utc) + timedelta(days=367)).isoformat(), None, "more than a year ahead"),
    ],
    ids=["naive", "bad-zone", "malformed", "past", "too-soon", "year-9999", "next-year-and-a-day"],
)
@responses.activate
def test_bad_schedule_times_are_refused_before_any_request(client, when, tz, message):
    when = when() if callable(when) else when  # "30 s from now" must mean from when the test runs
    with pytest.raises(ScheduleTimeError, match=message):
        client.schedule_batch(BATCH, when, tz=tz)
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    "when, tz, message",
    [
        (
            "2027-03-14T02:30:00",
            "America/New_York",
            "2027-03-14T02:30:00 does not happen in America/New_York: the clocks go forward over it; give another time",
        ),
        (
            "2027-03-28T01:30",
            "Europe/London",
            "2027-03-28T01:30:00 does not happen in Europe/London: the clocks go forward over it; give another time",
        ),
        (
            "2027-11-07T01:30:00",
            "America/New_York",
            "2027-11-07T01:30:00 happens twice in America/New_York, as the clocks go back; give the offset"
            " you mean: 2027-11-07T01:30:00-04:00 or 2027-11-07T01:30:00-05:00",
        ),
        (
            "2027-10-31T01:30:00",
            "Europe/London",
            "2027-10-31T01:30:00 happens twice in Europe/London, as the clocks go back; give the offset"
            " you mean: 2027-10-31T01:30:00+01:00 or 2027-10-31T01:30:00+00:00",
        ),
    ],
    ids=["spring-forward-us", "spring-forward-uk", "fall-back-us", "fall-back-uk"],
)
def test_a_wall_time_that_is_skipped_or_shown_twice_is_refused(when, tz, message):
    from uploader.api.times import to_api_time

    with pytest.raises(ScheduleTimeError) as caught:
        to_api_time(when, tz, now=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "when, sent",
    [
        ("2027-03-14T01:59:00", "2027-03-14T01:59:00-05:00"),
        ("2027-03-14T03:00:00", "2027-03-14T03:00:00-04:00"),
        ("2027-11-07T00:59:00", "2027-11-07T00:59:00-04:00"),
        ("2027-11-07T02:00:00", "2027-11-07T02:00:00-05:00"),
        ("2027-11-07T01:30:00-05:00", "2027-11-07T01:30:00-05:00"),
    ],
    ids=["before-the-gap", "after-the-gap", "before-the-fold", "after-the-fold", "fold-with-offset"],
)
def test_wall_times_beside_a_change_of_the_clocks_are_taken(when, sent):
    from uploader.api.times import to_api_time

    assert to_api_time(when, "America/New_York", now=datetime(2027, 1, 1, tzinfo=timezone.utc)) == sent


@pytest.mark.parametrize(
    "repeat_status, repeat_body",
    [
        (400, {"error": 400, "message": "batch is scheduled; only a created batch can be scheduled"}),
        (409, {"message": "batch is scheduled"}),
        (500, {"error": 500, "message": "Internal server error"}),
    ],
    ids=["400-as-the-api-most-likely-answers", "409", "500"],
)
@pytest.mark.parametrize("found", ["scheduled", "queued", "running", "completed"])
@responses.activate
def test_a_lost_schedule_answer_is_decided_by_the_batch_status(client, repeat_status, repeat_body, found):
    responses.post(f"{BASE}/batches/{BATCH}/schedule", body=requests.ConnectionError("dropped"))
    for _ in range(4):
        responses.post(f"{BASE}/batches/{BATCH}/schedule", status=repeat_status, json=repeat_body)
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": found})
    assert client.schedule_batch(BATCH, in_a_day()).state == found


@responses.activate
def test_a_failed_schedule_of_a_batch_still_created_raises_the_failure(client):
    responses.post(
        f"{BASE}/batches/{BATCH}/schedule",
        status=400,
        json={"error": 400, "message": "scheduled_at is less than 2 minutes from now"},
    )
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "created"})
    with pytest.raises(BadRequestError, match="less than 2 minutes"):
        client.schedule_batch(BATCH, in_a_day())
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]


@responses.activate
def test_a_schedule_nobody_answers_raises_when_the_batch_cannot_be_read(client):
    responses.post(f"{BASE}/batches/{BATCH}/schedule", body=requests.ConnectionError("dropped"))
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ConnectionError("dropped"))
    with pytest.raises(APIConnectionError):
        client.schedule_batch(BATCH, in_a_day())


@pytest.mark.parametrize(
    "status, body",
    [
        (401, {"error": 401, "message": "Access denied"}),
        (403, {"detail": "Access denied"}),
    ],
    ids=["docs-401", "live-403"],
)
@responses.activate
def test_both_auth_answers_are_one_error_and_no_batch_read(client, status, body):
    responses.post(f"{BASE}/batches/{BATCH}/schedule", status=status, json=body)
    with pytest.raises(AuthenticationError, match="Access denied"):
        client.schedule_batch(BATCH, in_a_day())
    assert len(responses.calls) == 1


@responses.activate
def test_a_lost_stop_answer_is_decided_by_the_batch_status(client):
    responses.post(f"{BASE}/batches/{BATCH}/stop", body=requests.ConnectionError("dropped"))
    responses.post(
        f"{BASE}/batches/{BATCH}/stop", status=404, json={"message": "Batch is not queued or running"}
    )
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "stopped"})
    assert client.stop_batch(BATCH).state == "stopped"


@responses.activate
def test_a_stop_refused_because_someone_else_stopped_it_is_done(client):
    responses.post(
        f"{BASE}/batches/{BATCH}/stop", status=404, json={"message": "Batch is not queued or running"}
    )
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "stopped"})
    assert client.stop_batch(BATCH).message == "already stopped"


@responses.activate
def test_stopping_a_finished_batch_is_a_not_found(client):
    responses.post(
        f"{BASE}/batches/{BATCH}/stop", status=404, json={"message": "Batch is not queued or running"}
    )
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "completed"})
    with pytest.raises(NotFoundError, match="not queued or running"):
        client.stop_batch(BATCH)


# -- layouts, listing, executions ---------------------------------------------


@responses.activate
def test_seed_layout_uses_the_older_paths(sleeps):
    client = BatchClient(api_key=KEY, base_url=BASE, layout="seed", sleep=sleeps)
    responses.post(
        f"{BASE}/batches/schedule",
        json={"message": "success", "state": "scheduled"},
        match=[
            matchers.urlencoded_params_matcher(
                {"agent_id": AGENT, "batch_id": BATCH, "scheduled_at": in_a_day().isoformat()}
            )
        ],
    )
    responses.get(f"{BASE}/batches/{AGENT}/{BATCH}", json={"batch_id": BATCH, "status": "completed"})
    responses.get(f"{BASE}/batches/{AGENT}/{BATCH}/executions", json=[{"id": "1", "status": "completed"}])
    responses.get(f"{BASE}/batches/{AGENT}", json=[{"batch_id": BATCH, "status": "completed"}])
    client.schedule_batch(BATCH, in_a_day(), agent_id=AGENT)
    assert client.get_batch(BATCH, AGENT).status == "completed"
    assert [e.id for e in client.iter_executions(BATCH, AGENT)] == ["1"]
    assert [b.batch_id for b in client.list_batches(AGENT)] == [BATCH]
    with pytest.raises(ConfigError, match="agent id"):
        client.get_batch("f" * 32)


def test_default_hosts_follow_the_layout():
    assert BatchClient(api_key=KEY).base_url == "https://api.bolna.ai"
    assert BatchClient(api_key=KEY, layout="seed").base_url == "https://api.bolna.dev"


@responses.activate
def test_executions_follow_pages_when_paged(client):
    page_one = {"data": [{"id": "1", "status": "completed"}], "has_more": True}
    page_two = {"data": [{"id": "2", "status": "busy"}], "has_more": False}
    responses.get(
        f"{BASE}/batches/{BATCH}/executions", json=page_one, match=[matchers.query_param_matcher({})]
    )
    responses.get(
        f"{BASE}/batches/{BATCH}/executions",
        json=page_two,
        match=[matchers.query_param_matcher({"page_number": "2", "page_size": "50"})],
    )
    assert [(e.id, e.status) for e in client.iter_executions(BATCH)] == [("1", "completed"), ("2", "busy")]


@responses.activate
def test_execution_records_keep_raw_json(client):
    raw = {
        "id": "e1",
        "batch_id": BATCH,
        "status": "completed",
        "conversation_duration": 42.5,
        "total_cost": 7,
        "telephony_data": {"to_number": "+919876543210", "from_number": "+918035735900", "duration": "42"},
        "context_details": {"recipient_data": {"first_name": "Asha"}},
    }
    responses.get(f"{BASE}/batches/{BATCH}/executions", json=[raw])
    execution = next(client.iter_executions(BATCH))
    assert (execution.to_number, execution.conversation_time, execution.total_cost) == (
        "+919876543210",
        42.5,
        7.0,
    )
    assert execution.variables == {"first_name": "Asha"} and execution.raw == raw


@responses.activate
def test_stop_and_delete(client):
    responses.post(f"{BASE}/batches/{BATCH}/stop", json={"message": "success", "state": "stopped"})
    responses.delete(f"{BASE}/batches/{BATCH}", body=requests.ConnectionError("dropped"))
    responses.delete(f"{BASE}/batches/{BATCH}", status=404, json={"message": "Batch not found"})
    assert client.stop_batch(BATCH).state == "stopped"
    assert client.delete_batch(BATCH).state == "deleted"  # the retry found its own success


# -- waiting ----------------------------------------------------------------


class FakeMonotonic:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@responses.activate
def test_wait_polls_until_a_terminal_status():
    ticks = FakeMonotonic()
    client = BatchClient(
        api_key=KEY, base_url=BASE, monotonic=ticks, sleep=lambda s: setattr(ticks, "now", ticks.now + s)
    )
    for status in ("scheduled", "queued", "running", "executed"):
        responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": status})
    seen = []
    batch = client.wait(BATCH, interval=5, timeout=60, on_update=lambda b: seen.append(b.status))
    assert batch.status == "executed" and batch.succeeded
    assert seen == ["scheduled", "queued", "running", "executed"]
    assert ticks.now == 15


@responses.activate
def test_wait_ends_on_stopped_too():
    client = BatchClient(api_key=KEY, base_url=BASE, sleep=lambda s: None)
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "stopped"})
    batch = client.wait(BATCH)
    assert batch.is_terminal and not batch.succeeded


@responses.activate
def test_wait_deadline_raises_with_the_last_status():
    ticks = FakeMonotonic()
    client = BatchClient(
        api_key=KEY, base_url=BASE, monotonic=ticks, sleep=lambda s: setattr(ticks, "now", ticks.now + s)
    )
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "running"})
    with pytest.raises(WaitTimeoutError) as caught:
        client.wait(BATCH, interval=10, timeout=35)
    assert caught.value.last_batch.status == "running"
    assert "last status 'running'" in str(caught.value)
    assert ticks.now == 35 and len(responses.calls) == 5


@responses.activate
def test_wait_rides_out_an_outage():
    ticks = FakeMonotonic()
    client = BatchClient(
        api_key=KEY,
        base_url=BASE,
        max_retries=0,
        monotonic=ticks,
        sleep=lambda s: setattr(ticks, "now", ticks.now + s),
    )
    responses.get(f"{BASE}/batches/{BATCH}", status=503, json={"message": "down"})
    responses.get(f"{BASE}/batches/{BATCH}", body=requests.ConnectionError("reset"))
    responses.get(f"{BASE}/batches/{BATCH}", json={"batch_id": BATCH, "status": "completed"})
    assert client.wait(BATCH, interval=1, timeout=60).status == "completed"


# -- configuration and secrets -------------------------------------------------


def test_missing_key_fails_fast_naming_the_variable():
    with pytest.raises(ConfigError, match="BOLNA_API_KEY"):
        BatchClient(base_url=BASE)


def test_key_and_base_come_from_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"api_key={KEY}\nBOLNA_API_BASE=http://127.0.0.1:9/\n")
    client = BatchClient()
    assert client.base_url == "http://127.0.0.1:9"
    assert client._api_key == KEY


def test_environment_beats_dotenv_and_argument_beats_both(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("BOLNA_API_KEY=from-dotenv\n")
    monkeypatch.setenv("BOLNA_API_KEY", "from-environment")
    assert BatchClient(base_url=BASE)._api_key == "from-environment"
    assert BatchClient(api_key="from-argument", base_url=BASE)._api_key == "from-argument"


@pytest.mark.parametrize(
    "key, what",
    [
        ("SEKRET-1\nX: y", "a line break at character 9 of 13"),
        ("SEKRET-2\r", "a line break at character 9 of 9"),
        ("SEKRET-3\u20ac", "a character outside ASCII at character 9 of 9"),
        ("SEK RET-4", "a space or control character at character 4 of 9"),
        ("SEKRET\x00-5", "a space or control character at character 7 of 9"),
    ],
    ids=["newline-header-injection", "carriage-return", "euro-sign", "space", "nul"],
)
def test_a_key_an_http_header_cannot_carry_is_refused_when_the_client_is_made(key, what):
    """requests raised InvalidHeader (the key in its message) or UnicodeEncodeError, and it was retried."""
    with pytest.raises(ConfigError) as caught:
        BatchClient(api_key=key, base_url=BASE)
    assert str(caught.value) == f"the API key holds {what}, which an HTTP header cannot carry; set it again"
    assert "SEKRET" not in repr(caught.value) + repr(caught.value.__dict__)


@responses.activate
def test_the_key_never_appears_in_errors_reprs_or_logs(client, caplog, contacts):
    caplog.set_level(logging.DEBUG)
    echo = {"message": f"invalid key {KEY}", "detail": {"key": KEY}}
    responses.get(f"{BASE}/batches/{BATCH}", status=401, json=echo)
    responses.post(f"{BASE}/batches", status=500, json=echo)
    responses.get(f"{BASE}/batches/{AGENT}/all", status=403, json=echo)
    texts = [repr(client), str(client)]
    for call in (lambda: client.get_batch(BATCH), lambda: client.create_batch(AGENT, contacts)):
        with pytest.raises(Exception) as caught:
            call()
        error = caught.value
        texts += [str(error), repr(error), json.dumps(getattr(error, "body", None)), repr(error.__dict__)]
    texts += [record.getMessage() for record in caplog.records]
    assert texts and all(KEY not in text for text in texts)
    assert any("[redacted]" in text for text in texts)
