"""Issue 23, money: the wallet in the API's unit, redials in the cost, and listing batches page by page."""

import json

import pytest
import requests
import responses
import responses.matchers
from conftest import AGENT_ID, API_KEY, copy_sample, operations, uploader

from uploader import Account, BatchClient

BASE = "https://api.example.test"


# -- the wallet's unit ------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, balance",
    [
        ({"wallet": 9930.01}, 99.3001),
        ({"wallet": "2500"}, 25.0),
        ({"wallet": {"balance": 150}}, 1.5),
        ({"wallet_balance": 42.5}, 42.5),
        ({"balance": 7}, 7.0),
        ({"wallet": None, "account_balance": 3}, 3.0),
        ({}, None),
    ],
    ids=["live-wallet", "text", "nested", "wallet_balance", "balance", "account_balance", "none"],
)
def test_the_account_turns_the_wallet_into_currency_once(answer, balance):
    assert Account.from_api(answer).wallet == balance


def test_a_25_wallet_refuses_a_list_that_costs_more_than_25_and_less_than_2500(
    standin_factory, monkeypatch, tmp_path
):
    url = standin_factory(speed=3000, control=True, wallet=25.0)
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", API_KEY)
    monkeypatch.setenv("BOLNA_AGENT_ID", AGENT_ID)
    me = requests.get(f"{url}/user/me", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10).json()
    assert me["wallet"] == 2500.0  # as the live API reports a $25 balance
    assert uploader("account").stdout.strip() == "wallet 25.00; 0/5 lines busy"

    source = copy_sample(tmp_path, "contacts_good.csv")  # 12 contacts, 1 minute each at 10: 120
    refused = uploader("run", source, "--now", "--cost-per-minute", "10", "--avg-call-seconds", "60")
    assert refused.exit_code == 1, refused.stdout
    assert "the wallet (25.00) cannot cover the estimated cost (120.00) of 12 calls" in refused.stderr
    assert "create" not in operations(url)


def test_a_top_up_answers_in_the_unit_of_user_me(standin_factory):
    url = standin_factory(control=True, wallet=25.0)
    topped = requests.post(f"{url}/_standin/wallet", json={"add": 5}, timeout=10).json()
    assert topped == {"wallet": 3000.0}
    assert BatchClient(api_key=API_KEY, base_url=url).get_account().wallet == 30.0


# -- listing batches page by page -------------------------------------------------


def test_a_list_of_120_batches_comes_back_whole_page_by_page(api):
    for index in range(120):
        made = requests.post(
            f"{api}/batches",
            headers={"Authorization": f"Bearer {API_KEY}"},
            data={"agent_id": AGENT_ID},
            files={"file": (f"list{index}.csv", b"contact_number\n+919876543210\n", "text/csv")},
            timeout=10,
        )
        assert made.status_code == 201
    first = requests.get(
        f"{api}/batches/{AGENT_ID}/all", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    )
    assert len(first.json()) == 50  # the stand-in pages as the API: at most 50 a page
    requests.delete(f"{api}/_standin/requests", timeout=10)

    listed = uploader("list", "--json")
    assert listed.exit_code == 0, listed.stderr
    names = [batch["file_name"] for batch in json.loads(listed.stdout)]
    assert names == [f"list{index}.csv" for index in range(120)]  # whole, in order, none twice
    asked = requests.get(f"{api}/_standin/requests", timeout=10).json()
    assert [entry["operation"] for entry in asked] == ["list"] * 3


def test_the_stand_in_refuses_a_page_larger_than_50(api):
    answer = requests.get(
        f"{api}/batches/{AGENT_ID}/all",
        params={"page_number": 1, "page_size": 51},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    assert answer.status_code == 422


def _batches(start, count):
    return [{"batch_id": f"{index:032x}", "status": "created"} for index in range(start, start + count)]


@responses.activate
def test_a_paged_answer_is_followed_while_it_has_more():
    path = f"{BASE}/batches/{AGENT_ID}/all"
    for page, (start, count, more) in enumerate([(0, 50, True), (50, 50, True), (100, 20, False)], 1):
        responses.get(
            path,
            json={"page_number": page, "page_size": 50, "has_more": more, "data": _batches(start, count)},
            match=[responses.matchers.query_param_matcher({"page_number": str(page), "page_size": "50"})],
        )
    listed = BatchClient(api_key="k", base_url=BASE).list_batches(AGENT_ID)
    assert [batch.batch_id for batch in listed] == [b["batch_id"] for b in _batches(0, 120)]


@responses.activate
def test_a_server_that_ignores_paging_is_read_once_and_not_twice():
    path = f"{BASE}/batches/{AGENT_ID}/all"
    responses.get(path, json=_batches(0, 50))  # every page the same 50: paging ignored
    listed = BatchClient(api_key="k", base_url=BASE).list_batches(AGENT_ID)
    assert len(listed) == 50 and len({batch.batch_id for batch in listed}) == 50
    assert len(responses.calls) == 2


# -- redials in the cost ----------------------------------------------------------------


@pytest.fixture
def wallet_25(standin_factory, monkeypatch):
    url = standin_factory(speed=3000, control=True, wallet=25.0)
    monkeypatch.setenv("BOLNA_API_BASE", url)
    monkeypatch.setenv("BOLNA_API_KEY", API_KEY)
    monkeypatch.setenv("BOLNA_AGENT_ID", AGENT_ID)
    return url


PRICED = ("--now", "--cost-per-minute", "1", "--avg-call-seconds", "60")  # 12 contacts: 12 expected


def test_a_worst_case_over_the_wallet_is_refused_before_anything_is_uploaded(wallet_25, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    refused = uploader("run", source, *PRICED, "--retries", "2")  # worst case 12 x 3 = 36 > 25
    assert refused.exit_code == 1, refused.stdout
    assert "cannot cover the worst case (36.00) of 12 calls with up to 2 redials each" in refused.stderr
    assert "--accept-worst-case" in refused.stderr
    assert "create" not in operations(wallet_25)

    going = uploader("run", source, *PRICED, "--retries", "2", "--accept-worst-case", "--json")
    assert going.exit_code == 0, going.stderr
    summary = json.loads(going.stdout)
    assert (summary["estimate"]["cost"], summary["estimate"]["cost_max"]) == (12.0, 36.0)
    assert summary["estimate"]["retries"] == 2 and summary["estimate"]["covered"] is True
    batch = json.loads(uploader("status", summary["batch_id"], "--json").stdout)
    assert batch["retry_config"]["max_retries"] == 2  # N went up as the batch's retry_config


def test_a_worst_case_the_wallet_covers_goes_on_and_zero_retries_sends_no_retry_config(wallet_25, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    going = uploader("run", source, *PRICED, "--retries", "0", "--json")  # 12 <= 25
    assert going.exit_code == 0, going.stderr
    summary = json.loads(going.stdout)
    assert summary["estimate"]["cost_max"] == 12.0
    assert json.loads(uploader("status", summary["batch_id"], "--json").stdout)["retry_config"] is None


def test_an_expected_cost_over_the_wallet_stays_refused_whatever_the_worst_case_option(wallet_25, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    refused = uploader(
        "run", source, "--now", "--cost-per-minute", "3", "--avg-call-seconds", "60", "--accept-worst-case"
    )
    assert refused.exit_code == 1
    assert "cannot cover the estimated cost (36.00)" in refused.stderr
    assert "create" not in operations(wallet_25)


def test_a_raw_retry_config_counts_its_redials_in_the_worst_case(wallet_25, tmp_path):
    source = copy_sample(tmp_path, "contacts_good.csv")
    refused = uploader("run", source, *PRICED, "--retry-config", '{"enabled": true}')  # API default: 3
    assert refused.exit_code == 1
    assert "worst case (48.00)" in refused.stderr
