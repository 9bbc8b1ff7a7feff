"""The run workflow against answers the stand-in never gives (the real API counting rows out)."""

import re

import responses
from conftest import AGENT_ID, copy_sample

from uploader import BatchClient
from uploader.campaign.ledger import Ledger
from uploader.campaign.run import run_campaign

BASE = "https://api.example.test"
BATCH = "3c90c3cc0d444b5088888dd25736052a"


@responses.activate
def test_contacts_the_api_counted_out_are_reported(tmp_path):
    # The real API counts rows out (valid_contacts < total_contacts) rather than refusing the file.
    responses.get(f"{BASE}/user/me", json={"wallet": 50.0, "concurrency": {"max": 10, "current": 0}})
    responses.get(f"{BASE}/batches/{AGENT_ID}/all", json=[])
    responses.post(f"{BASE}/batches", status=201, json={"batch_id": BATCH, "state": "created"})
    responses.post(f"{BASE}/batches/{BATCH}/schedule", json={"message": "success", "state": "scheduled"})
    responses.get(
        f"{BASE}/batches/{BATCH}",
        json={"batch_id": BATCH, "status": "completed", "total_contacts": 12, "valid_contacts": 9},
    )
    responses.get(f"{BASE}/batches/{BATCH}/executions", json=[])
    events = []
    client = BatchClient(api_key="k", base_url=BASE, sleep=lambda seconds: None)
    result = run_campaign(
        client,
        copy_sample(tmp_path, "contacts_good.csv"),
        agent_id=AGENT_ID,
        ledger=Ledger(tmp_path / "ledger.sqlite"),
        wait=True,
        interval=0,
        on_event=events.append,
        calling_hours="any",
    )
    assert result.batch.succeeded
    assert "the API counted 3 of 12 contacts out" in events
    upload = next(call.request for call in responses.calls if call.request.url == f"{BASE}/batches")
    assert re.search(rb'filename="contacts_good\.clean\.[0-9a-f]{16}\.csv"', upload.body)
