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
    retries: int = 0,
) -> tuple[Estimate, UploaderError | None]:
    """Read the account and estimate (``retries`` redials a contact at most); the error, if it could not be read."""
    try:
        account, error = client.get_account(), None
    except UploaderError as exc:
        account, error = None, exc
        on_event(f"cannot read the account ({exc}); no estimate from its concurrency and wallet")
    estimate = estimate_run(
        contacts,
        account,
        avg_call_seconds=avg_call_seconds,
        cost_per_minute=cost_per_minute,
        retries=retries,
    )
    on_event(estimate.describe())
    return estimate, error


def refuse_uncovered_cost(
    estimate: Estimate,
    account_error: UploaderError | None,
    ignore_balance: bool,
    on_event: Callable[[str], None],
    accept_worst_case: bool = False,
) -> None:
    """Refuse calls the wallet cannot cover, or cannot be seen to cover (unless ``ignore_balance``).

    The expected cost must be covered; so must the worst case, every redial
    made (``estimate.cost_max``), unless ``accept_worst_case``.
    """
    if ignore_balance or estimate.cost_per_minute is None:
        if estimate.covered is False or estimate.worst_case_covered is False:
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
    if estimate.worst_case_covered is False:
        if accept_worst_case:
            on_event(
                f"the wallet ({estimate.wallet:.2f}) covers the expected cost but not the worst case "
                f"({estimate.cost_max:.2f}, {estimate.retries} redials each); going on (--accept-worst-case)"
            )
            return
        raise InsufficientBalanceError(
            f"the wallet ({estimate.wallet:.2f}) cannot cover the worst case ({estimate.cost_max:.2f}) of "
            f"{estimate.contacts} calls with up to {estimate.retries} redials each; top it up, lower --retries, "
            "or pass --accept-worst-case (redials past the balance end balance-low)",
            estimate=estimate,
        )
