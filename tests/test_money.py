"""Issue 23, money: the wallet in the API's unit, redials in the cost, and listing batches page by page."""

import pytest
import requests
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
