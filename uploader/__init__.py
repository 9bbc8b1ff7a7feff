"""Take a clean contact file through the Bolna Batch API: create, schedule, wait, results.

>>> from uploader import BatchClient
>>> client = BatchClient()            # BOLNA_API_KEY from the environment or .env
>>> batch = client.create_batch(agent_id, "clean.csv")
>>> client.schedule_batch(batch.batch_id, "2025-06-01T10:00:00+05:30")
>>> done = client.wait(batch.batch_id)
"""

import csvtools as _csvtools

from .api.client import BatchClient
from .api.models import Account, ActionResult, Batch, Execution
from .errors import (
    AmbiguousCreateError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchFailedError,
    ConfigError,
    ConflictError,
    InsufficientBalanceError,
    LedgerError,
    NotFoundError,
    RateLimitError,
    RejectedRowsError,
    ScheduleTimeError,
    ServerError,
    UploaderError,
    UploadInProgressError,
    WaitTimeoutError,
)

__version__ = _csvtools.__version__

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "ActionResult",
    "AmbiguousCreateError",
    "AuthenticationError",
    "BadRequestError",
    "Batch",
    "BatchClient",
    "BatchFailedError",
    "ConfigError",
    "ConflictError",
    "Execution",
    "InsufficientBalanceError",
    "LedgerError",
    "NotFoundError",
    "RateLimitError",
    "RejectedRowsError",
    "ScheduleTimeError",
    "ServerError",
    "UploadInProgressError",
    "UploaderError",
    "WaitTimeoutError",
]

import logging as _logging

_logging.getLogger(__name__).addHandler(_logging.NullHandler())
