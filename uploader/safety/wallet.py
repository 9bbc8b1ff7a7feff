"""Before anything is paid for: the account's concurrency and wallet against the run's estimate."""

from __future__ import annotations

from collections.abc import Callable

from ..api.client import BatchClient
from ..errors import (
    InsufficientBalanceError,
    UploaderError,
)
from .estimate import Estimate, estimate_run


def estimate_with_account(
    client: BatchClient,
    contacts: int,
    avg_call_seconds: float,
    cost_per_minute: float | None,
    on_event: Callable[[str], None],
) -> tuple[Estimate, UploaderError | None]:
    """Read the account and estimate; the error, if the account could not be read."""
    try:
        account, error = client.get_account(), None
    except UploaderError as exc:
        account, error = None, exc
        on_event(f"cannot read the account ({exc}); no estimate from its concurrency and wallet")
    estimate = estimate_run(
        contacts, account, avg_call_seconds=avg_call_seconds, cost_per_minute=cost_per_minute
    )
    on_event(estimate.describe())
    return estimate, error


def refuse_uncovered_cost(
    estimate: Estimate,
    account_error: UploaderError | None,
    ignore_balance: bool,
    on_event: Callable[[str], None],
) -> None:
    """Refuse calls the wallet cannot cover, or cannot be seen to cover (unless ``ignore_balance``)."""
    if ignore_balance or estimate.cost_per_minute is None:
        if estimate.covered is False:
            on_event("the wallet cannot cover the estimate; going on (--ignore-balance)")
        return
    if account_error is not None:
        raise UploaderError(
            f"cannot read the account's wallet ({account_error}); pass --ignore-balance to go on "
            "without the balance check"
        )
    if estimate.covered is False:
        raise InsufficientBalanceError(
            f"the wallet ({estimate.wallet:.2f}) cannot cover the estimated cost ({estimate.cost:.2f}) of "
            f"{estimate.contacts} calls; top it up, or pass --ignore-balance (the calls past the balance end "
            "balance-low)",
            estimate=estimate,
        )
