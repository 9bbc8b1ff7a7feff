"""The batch ``webhook_url``: one POST of the batch object once the batch has finished.

The simulation computes a batch's state when asked, so nothing happens by
itself when a batch ends; a :class:`WebhookNotifier` thread looks every
``interval`` seconds for scheduled batches with a webhook not yet called and
posts those that have ended (completed, executed or stopped). One try each,
as the docs promise nothing more for the batch webhook; an unreachable URL is
ignored, as Bolna ignores an invalid one.
"""

from __future__ import annotations

import logging
import threading

import requests

from .routes import TERMINAL_BATCH_STATUSES, describe_batch
from .state import StandInState

logger = logging.getLogger("uploader.standin")
POST_TIMEOUT = (2.0, 5.0)


class WebhookNotifier:
    """A daemon thread posting finished batches to their ``webhook_url``; :meth:`stop` ends it."""

    def __init__(self, state: StandInState, interval: float = 0.05) -> None:
        self._state, self._interval = state, interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="standin-webhooks", daemon=True)

    def start(self) -> WebhookNotifier:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def deliver_due(self) -> int:
        """Post every finished batch still owed its webhook; returns how many were posted."""
        posted = 0
        for batch in self._state.store.awaiting_webhook():
            payload = describe_batch(self._state, batch)
            if payload["status"] not in TERMINAL_BATCH_STATUSES:
                continue
            self._state.store.update(batch["batch_id"], webhook_sent=self._state.clock())
            try:
                requests.post(batch["webhook_url"], json=payload, timeout=POST_TIMEOUT)
                posted += 1
            except requests.RequestException as exc:
                logger.debug("webhook %s failed: %s", batch["webhook_url"], exc)
        return posted

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.deliver_due()
            except Exception:  # a stand-in bug must not end the thread silently mid-test
                logger.exception("webhook delivery failed")
