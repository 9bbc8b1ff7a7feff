"""The stand-in and the client as Bolna's API documents itself (issue 15), end to end over loopback."""

import json

import requests

from conftest import AGENT_ID, API_KEY, copy_sample, faults, operations, uploader
from uploader import BatchClient


def test_a_lost_schedule_answer_meets_a_400_repeat_and_still_succeeds(api, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    faults(api, script=["schedule:drop-after"])  # scheduled on the server, answer lost; the retry gets a 400
    result = uploader("run", source, "--now", "--json")
    assert result.exit_code == 0, result.stderr
    assert operations(api).count("schedule") == 2 and operations(api).count("create") == 1
    summary = json.loads(result.stdout)
    assert summary["status"] in ("scheduled", "queued", "running", "completed")  # the batch read after the loss
    assert summary["starts_at"]


def test_the_client_reads_a_batch_after_a_lost_stop_answer(api, tmp_path):
    client = BatchClient(api_key=API_KEY, base_url=api, sleep=lambda seconds: None)
    source = copy_sample(tmp_path, "contacts_good.csv")
    batch_id = json.loads(uploader("run", source, "--now", "--json").stdout)["batch_id"]
    faults(api, script=["stop:drop-after"])  # stopped, answer lost; the retry gets the documented 404
    assert client.stop_batch(batch_id).state == "stopped"
    assert client.get_batch(batch_id).status == "stopped"
