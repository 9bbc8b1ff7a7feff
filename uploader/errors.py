"""Exceptions of the uploader, under one root.

    UploaderError
    ├── ConfigError                missing API key, unknown layout, bad options, unusable output paths
    │   ├── LedgerError            the upload ledger is locked, read-only or broken
    │   └── SuppressionListError   a do-not-call list has lines csvtools cannot read
    ├── ScheduleTimeError          a schedule time without offset, malformed, or too soon
    ├── APIConnectionError         no answer: refused, dropped, DNS …
    │   └── APITimeoutError        no answer in time
    ├── APIStatusError             the server answered with an error status
    │   ├── BadRequestError        400, 422
    │   ├── AuthenticationError    401, 403
    │   ├── NotFoundError          404
    │   ├── ConflictError          409
    │   ├── RateLimitError         429
    │   └── ServerError            5xx
    ├── AmbiguousCreateError       an upload may or may not have made a batch
    ├── UploadInProgressError      another process is uploading the same file right now
    ├── AttemptCapChangedError     another run booked these numbers after this run checked their caps
    ├── RejectedRowsError          csvtools rejected rows and --allow-rejects was not given
    ├── InsufficientBalanceError   the wallet cannot cover the run's estimated cost
    ├── OutsideCallingHoursError   rows would be called outside their calling hours
    ├── BatchFailedError           the batch ended stopped or failed
    └── WaitTimeoutError           the batch did not finish before the deadline

Messages never contain the API key: the client redacts it before raising.
"""

from __future__ import annotations

from typing import Any


class UploaderError(Exception):
    """Root of every error the uploader raises."""


class ConfigError(UploaderError):
    """The client or command is not configured well enough to start."""


class LedgerError(ConfigError):
    """The upload ledger cannot be read or written (locked by another process, read-only, not SQLite)."""


class SuppressionListError(ConfigError):
    """A suppression list holds lines csvtools cannot read as numbers, so nothing is uploaded."""


class ScheduleTimeError(UploaderError, ValueError):
    """A schedule time the API would refuse, caught before any request."""


class APIConnectionError(UploaderError):
    """The request got no HTTP answer; ``cause`` names the underlying failure (the key redacted)."""

    def __init__(self, message: str, *, method: str = "", url: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.cause = cause


class APITimeoutError(APIConnectionError):
    """The request got no answer within its timeout."""


class APIStatusError(UploaderError):
    """The server answered with an error status; carries status, message and body."""

    #: How many times the request was sent before this answer (1 = no retry).
    attempts: int = 1

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        request_id: str | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body
        self.request_id = request_id
        self.method = method
        self.url = url


class BadRequestError(APIStatusError):
    """400 or 422: the request was refused as invalid."""


class AuthenticationError(APIStatusError):
    """401 or 403: the API key is missing, wrong or not allowed."""


class NotFoundError(APIStatusError):
    """404: no such batch for this key (or nothing to stop)."""


class ConflictError(APIStatusError):
    """409: the batch is not in a state that allows this."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds."""

    retry_after: float | None = None


class ServerError(APIStatusError):
    """5xx: the server failed."""


class AmbiguousCreateError(UploaderError):
    """The upload was sent but no answer came back, so a batch may exist.

    ``candidates`` are the agent's batches that could be the one this upload
    made (same file name, created since the upload began).
    """

    def __init__(self, message: str, *, candidates: list | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class UploadInProgressError(UploaderError):
    """Another process holds this upload (same API, agent and bytes); ``pid`` is its process id if known."""

    def __init__(self, message: str, *, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


class AttemptCapChangedError(UploaderError):
    """Another run booked calls to some of these numbers after this run checked their attempt caps.

    Raised before anything is uploaded; ``numbers`` are the numbers now past their cap.
    """

    def __init__(self, message: str, *, numbers: list[str] | None = None) -> None:
        super().__init__(message)
        self.numbers = numbers or []


class RejectedRowsError(UploaderError):
    """The contact file has rejected rows; carries the csvtools report."""

    def __init__(self, message: str, *, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class InsufficientBalanceError(UploaderError):
    """The wallet holds less than the run is estimated to cost; carries the estimate."""

    def __init__(self, message: str, *, estimate: Any = None) -> None:
        super().__init__(message)
        self.estimate = estimate


class OutsideCallingHoursError(UploaderError):
    """Some rows would be called outside their calling hours (or have no opening to split them into)."""

    def __init__(self, message: str, *, groups: list | None = None) -> None:
        super().__init__(message)
        self.groups = groups or []


class BatchFailedError(UploaderError):
    """The batch reached a terminal status other than completed."""

    def __init__(self, message: str, *, batch: Any = None) -> None:
        super().__init__(message)
        self.batch = batch


class WaitTimeoutError(UploaderError):
    """Waiting ran out of time; ``last_batch`` is the last status seen (or None)."""

    def __init__(self, message: str, *, last_batch: Any = None, last_error: Exception | None = None) -> None:
        super().__init__(message)
        self.last_batch = last_batch
        self.last_error = last_error


def error_for_status(status: int) -> type[APIStatusError]:
    """The one place an HTTP status becomes an exception class."""
    if status in (400, 422):
        return BadRequestError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return APIStatusError
