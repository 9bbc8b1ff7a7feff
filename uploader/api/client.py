"""BatchClient: the Bolna Batch API over requests, with one chokepoint for HTTP.

Every call goes through :meth:`BatchClient._request`: base URL, auth header,
User-Agent, timeouts, the retry loop, error mapping, JSON parsing and logging
with the key redacted. Resource methods are short wrappers over it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

import csvtools

from ..config import resolve_api_key, resolve_base_url
from ..errors import (
    AmbiguousCreateError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UploaderError,
    WaitTimeoutError,
    error_for_status,
)
from .answers import (
    OBJECT_REPR,
    error_message,
    items_of,
    json_body,
    json_or_text,
    maybe_acted,
    never_left,
    root_cause,
)
from .endpoints import ENDPOINTS
from .models import SCHEDULED_STATUSES, Account, ActionResult, Batch, Execution
from .retry import parse_retry_after, retry_delay, should_retry
from .times import to_api_time

logger = logging.getLogger("uploader")

DEFAULT_TIMEOUT = (5.0, 30.0)
UPLOAD_READ_TIMEOUT = 300.0
DEFAULT_MAX_RETRIES = 3
#: Batches asked for a page when listing an agent's: the API's most (``page_size`` at most 50).
LIST_PAGE_SIZE = 50
# A batch made by a lost upload appears in the agent's list with a created_at
# near the upload; allow this much clock difference between us and the server.
CLOCK_SKEW = timedelta(minutes=5)

Timeout = tuple[float, float]


class BatchClient:
    """A client for the Bolna Batch API (or the local stand-in).

    ``api_key`` defaults to ``BOLNA_API_KEY`` (or the seed's ``api_key``) from
    the environment or ``.env``; ``base_url`` to ``BOLNA_API_BASE``, else the
    layout's host. ``layout`` is ``"current"`` (Bolna's OpenAPI paths) or
    ``"seed"`` (the older paths of the original example script).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        layout: str = "current",
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        session: requests.Session | None = None,
        *,
        upload_read_timeout: float = UPLOAD_READ_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = resolve_base_url(base_url, layout)
        self.layout = layout
        self._api_key = resolve_api_key(api_key)
        if max_retries < 0:
            raise ConfigError("max_retries cannot be negative")
        self.timeout = timeout
        self.upload_timeout = (timeout[0], max(timeout[1], upload_read_timeout))
        self.max_retries = max_retries
        self._session = session or requests.Session()
        self._sleep, self._monotonic, self._jitter = sleep, monotonic, jitter
        self._agents: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"BatchClient(base_url={self.base_url!r}, layout={self.layout!r})"

    # -- resources --------------------------------------------------------

    def create_batch(
        self,
        agent_id: str,
        csv_path: str | os.PathLike,
        from_phone_numbers: list[str] | None = None,
        retry_config: dict | str | None = None,
        webhook_url: str | None = None,
        *,
        file_name: str | None = None,
    ) -> Batch:
        """Upload a contact CSV and return the created batch.

        ``file_name`` is the name the upload carries (the API shows it as the
        batch's ``file_name``); by default the file's own. The upload is never
        re-sent once it may have reached the server. If no answer comes back,
        the agent's batches are searched for one this upload made (same name,
        still ``created``, made since), and :class:`AmbiguousCreateError` says
        what was found.
        """
        file_name = file_name or os.path.basename(os.fspath(csv_path))
        try:
            with open(csv_path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise ConfigError(f"cannot read {os.fspath(csv_path)}: {exc.strerror or exc}") from None
        form: list[tuple[str, str]] = [("agent_id", agent_id)]
        form += [("from_phone_numbers", number) for number in from_phone_numbers or []]
        if retry_config is not None:
            form.append(
                ("retry_config", retry_config if isinstance(retry_config, str) else json.dumps(retry_config))
            )
        if webhook_url:
            form.append(("webhook_url", webhook_url))
        started = datetime.now(timezone.utc)
        try:
            data = self._request(
                "POST",
                self._path("create"),
                idempotent=False,
                data=form,
                files={"file": (file_name, content, "text/csv")},
                timeout=self.upload_timeout,
            )
        except (APIConnectionError, ServerError) as exc:
            raise self._ambiguous_create(agent_id, file_name, started, exc) from None
        batch = Batch.from_api(data)
        if not batch.batch_id:
            raise APIStatusError("the create answer carries no batch_id", status=200, body=data)
        self._agents[batch.batch_id] = agent_id
        return batch

    def schedule_batch(
        self,
        batch_id: str,
        scheduled_at: datetime | str,
        agent_id: str | None = None,
        bypass_call_guardrails: bool = False,
        *,
        tz: str | None = None,
    ) -> ActionResult:
        """Schedule a created batch. ``scheduled_at`` must carry an offset, or ``tz`` a zone."""
        when = to_api_time(scheduled_at, tz)
        path = self._path("schedule", batch_id)
        if self.layout == "seed":  # the older endpoint takes a plain form naming the batch and agent
            options: dict[str, Any] = {
                "data": {
                    "agent_id": self._agent(batch_id, agent_id),
                    "batch_id": batch_id,
                    "scheduled_at": when,
                }
            }
        else:
            flag = "true" if bypass_call_guardrails else "false"
            # The API takes a multipart form here; (None, value) parts send one without files.
            options = {"files": {"scheduled_at": (None, when), "bypass_call_guardrails": (None, flag)}}
        try:
            data = self._request("POST", path, idempotent=True, **options)
        except (APIStatusError, APIConnectionError) as exc:
            # The real API has no "already scheduled" code (a repeat most likely gets a 400), so the
            # batch itself says whether this schedule, or a try of it whose answer was lost, took.
            found = self._status_after_failure(batch_id, agent_id, exc)
            if found in SCHEDULED_STATUSES and maybe_acted(exc):
                return ActionResult(state=found, message="already scheduled")
            raise
        return ActionResult.from_api(data)

    def _status_after_failure(self, batch_id: str, agent_id: str | None, exc: UploaderError) -> str | None:
        """The batch's status after a failed or unanswered action on it (None if it cannot be read)."""
        if isinstance(exc, AuthenticationError):
            return None  # the key was refused: nothing was done, and a read would be refused too
        try:
            return self.get_batch(batch_id, agent_id).status
        except UploaderError as read_error:
            logger.warning("could not read batch %s after a failed action (%s)", batch_id, read_error)
            return None

    def get_batch(self, batch_id: str, agent_id: str | None = None) -> Batch:
        """The batch's current status, counts and schedule."""
        return Batch.from_api(self._request("GET", self._path("get", batch_id, agent_id)))

    def get_account(self) -> Account:
        """The account's wallet balance and call concurrency (``GET /user/me``)."""
        return Account.from_api(self._request("GET", self._path("account")))

    def list_batches(self, agent_id: str) -> list[Batch]:
        """All batches of an agent, page by page (:data:`LIST_PAGE_SIZE` at most a page).

        A paged answer (``{"data": [...], "has_more": …}``) is followed while it
        has more; a bare list as long as the page asked for may have a next page,
        and a server that ignores paging answers the same list again, which ends it.
        """
        path, page = self._path("list", agent_id=agent_id), 1
        batches: list[Batch] = []
        seen: set[str] = set()
        while True:
            data = self._request("GET", path, params={"page_number": page, "page_size": LIST_PAGE_SIZE})
            items = [Batch.from_api(item) for item in items_of(data)]
            new = [batch for batch in items if batch.batch_id not in seen]
            batches += new
            seen.update(batch.batch_id for batch in new)
            more = data.get("has_more") if isinstance(data, dict) else len(items) >= LIST_PAGE_SIZE
            if not (more and new):
                break
            page += 1
        for batch in batches:
            self._agents.setdefault(batch.batch_id, agent_id)
        return batches

    def iter_executions(
        self, batch_id: str, agent_id: str | None = None, page_size: int = 50
    ) -> Iterator[Execution]:
        """Every execution of a batch, following pages when the API pages them."""
        path = self._path("executions", batch_id, agent_id)
        page = 1
        while True:
            params = {"page_number": page, "page_size": page_size} if page > 1 else None
            data = self._request("GET", path, params=params)
            for item in items_of(data):
                yield Execution.from_api(item)
            if not (isinstance(data, dict) and data.get("has_more")):
                return
            page += 1

    def stop_batch(self, batch_id: str, agent_id: str | None = None) -> ActionResult:
        """Stop a queued or running batch; a failure after which the batch reads ``stopped`` is success."""
        try:
            return ActionResult.from_api(self._request("POST", self._path("stop", batch_id)))
        except (APIStatusError, APIConnectionError) as exc:
            if self._status_after_failure(batch_id, agent_id, exc) == "stopped":
                return ActionResult(state="stopped", message="already stopped")
            raise

    def delete_batch(self, batch_id: str) -> ActionResult:
        """Delete a batch; a retry that finds it gone counts as done."""
        try:
            data = self._request("DELETE", self._path("delete", batch_id))
        except NotFoundError as exc:
            if exc.attempts > 1:
                return ActionResult(state="deleted", message="already deleted")
            raise
        return ActionResult.from_api(data)

    def wait(
        self,
        batch_id: str,
        interval: float = 10.0,
        timeout: float = 6 * 3600,
        on_update: Callable[[Batch], None] | None = None,
        agent_id: str | None = None,
    ) -> Batch:
        """Poll until the batch reaches a terminal status, or raise :class:`WaitTimeoutError`.

        Passing outages (no answer, 429, 5xx after the request's own retries)
        do not end the wait; only the deadline does. ``on_update`` gets every
        status seen.
        """
        deadline = self._monotonic() + timeout
        last: Batch | None = None
        last_error: Exception | None = None
        while True:
            try:
                last = self.get_batch(batch_id, agent_id)
                last_error = None
                if on_update:
                    on_update(last)
                if last.is_terminal:
                    return last
            except (APIConnectionError, RateLimitError, ServerError) as exc:
                last_error = exc
                logger.warning("polling %s failed (%s); still waiting", batch_id, exc)
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                seen = f"last status {last.status!r}" if last else "no status seen"
                raise WaitTimeoutError(
                    f"batch {batch_id} did not finish within {timeout:g} s ({seen})",
                    last_batch=last,
                    last_error=last_error,
                )
            self._sleep(min(interval, remaining))

    # -- the chokepoint ---------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = True,
        timeout: Timeout | None = None,
        **request_options: Any,
    ) -> Any:
        """Send one API request with retries and return its parsed JSON.

        ``idempotent=False`` marks a request that must not be re-sent once it
        may have reached the server (see :func:`uploader.api.retry.should_retry`).
        """
        url = self.base_url + path
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": f"contact-batch-tools-uploader/{csvtools.__version__}",
            "Accept": "application/json",
        }
        attempt = 0
        while True:
            attempt += 1
            began = self._monotonic()
            try:
                response = self._session.request(
                    method, url, headers=headers, timeout=timeout or self.timeout, **request_options
                )
            except requests.RequestException as exc:
                error = self._connection_error(exc, method, url)
                reached = not never_left(exc)
                if attempt <= self.max_retries and should_retry(
                    idempotent=idempotent, reached_server=reached
                ):
                    self._pause(attempt, None, method, url, str(error))
                    continue
                raise error from None
            logger.info("%s %s -> %s (%.2f s)", method, url, response.status_code, self._monotonic() - began)
            if response.status_code < 400:
                return json_body(response)
            status_error = self._status_error(response, method, url)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt <= self.max_retries and should_retry(
                idempotent=idempotent, status=response.status_code
            ):
                self._pause(attempt, retry_after, method, url, f"HTTP {response.status_code}")
                continue
            status_error.attempts = attempt
            raise status_error

    def _pause(self, attempt: int, retry_after: float | None, method: str, url: str, why: str) -> None:
        delay = retry_delay(attempt, retry_after, jitter=self._jitter)
        logger.warning(
            "%s %s failed (%s); retry %d of %d in %.1f s",
            method,
            url,
            self._redact(why),
            attempt,
            self.max_retries,
            delay,
        )
        self._sleep(delay)

    def _status_error(self, response: requests.Response, method: str, url: str) -> APIStatusError:
        body = json_or_text(response)
        message = error_message(body) or response.reason or "error"
        cls = error_for_status(response.status_code)
        error = cls(
            self._redact(f"{method} {url} failed with HTTP {response.status_code}: {message}"),
            status=response.status_code,
            body=self._redact_body(body),
            request_id=response.headers.get("x-request-id"),
            method=method,
            url=url,
        )
        if isinstance(error, RateLimitError):
            error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return error

    def _connection_error(self, exc: requests.RequestException, method: str, url: str) -> APIConnectionError:
        cls: type[APIConnectionError]
        if isinstance(exc, requests.Timeout):
            kind, cls = "no answer in time", APITimeoutError
        else:
            kind, cls = "connection failed", APIConnectionError
        root = root_cause(exc)
        cause = self._redact(f"{type(root).__name__}: {OBJECT_REPR.sub('', str(root))}".rstrip(": "))
        error = cls(f"{method} {url}: {kind} ({cause})", method=method, url=url)
        error.cause = cause
        return error

    def _ambiguous_create(
        self, agent_id: str, file_name: str, started: datetime, cause: UploaderError
    ) -> AmbiguousCreateError:
        """Look for the batch a lost upload may have made, and say what was found."""
        try:
            batches = self.list_batches(agent_id)
        except UploaderError as exc:
            return AmbiguousCreateError(
                f"the upload got no clear answer ({cause}) and the agent's batches could not be listed ({exc}); "
                "a batch may exist: check with 'uploader list' before uploading again"
            )
        # A batch this upload made is still "created": nobody could have scheduled it yet.
        candidates = [
            b
            for b in batches
            if b.file_name == file_name and b.status == "created" and b.created_since(started - CLOCK_SKEW)
        ]
        if not candidates:
            return AmbiguousCreateError(
                f"the upload got no clear answer ({cause}); no batch of {file_name} was found for the agent, "
                "so none was created and it is safe to upload again",
                candidates=[],
            )
        found = ", ".join(f"{b.batch_id} ({b.status}, created {b.created_at})" for b in candidates)
        return AmbiguousCreateError(
            f"the upload got no clear answer ({cause}); the agent has {len(candidates)} batch(es) of "
            f"{file_name} created since: {found}",
            candidates=candidates,
        )

    def _path(self, operation: str, batch_id: str = "", agent_id: str | None = None) -> str:
        template = ENDPOINTS[self.layout][operation]
        if "{agent_id}" in template:
            agent_id = agent_id if operation == "list" else self._agent(batch_id, agent_id)
        return template.format(batch_id=batch_id, agent_id=agent_id)

    def _agent(self, batch_id: str, agent_id: str | None) -> str:
        agent = agent_id or self._agents.get(batch_id)
        if not agent:
            raise ConfigError(f"the seed layout needs the agent id of batch {batch_id}; pass --agent-id")
        return agent

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]") if self._api_key else text

    def _redact_body(self, body: Any) -> Any:
        if isinstance(body, str):
            return self._redact(body)
        try:
            return json.loads(self._redact(json.dumps(body)))
        except (TypeError, ValueError):
            return body
