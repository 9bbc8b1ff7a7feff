"""Upload a clean file exactly once: claim it in the ledger, find a lost create by its name, or create it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from ..api.client import CLOCK_SKEW, BatchClient
from ..api.models import Batch
from ..errors import (
    AmbiguousCreateError,
    NotFoundError,
    UploaderError,
)
from ..safety.contacts import contacts_of, identity_of
from .events import EventCallback, quiet
from .ledger import Booking, CapRecheck, Ledger, LedgerEntry, file_digest

#: Hex digits of the SHA-256 in an upload's name: 64 bits, no accidental match.
DIGEST_CHARS = 16


@dataclass
class UploadOutcome:
    """The batch an upload became, and whether it was found rather than made."""

    batch: Batch
    resumed: bool
    entry: LedgerEntry


def upload_name(csv_path: str | os.PathLike, digest: str) -> str:
    """The name an upload carries: ``<stem>.<first 16 hex of its contacts' identity>.csv``.

    The API echoes it as the batch's ``file_name``, so the agent's batch list
    tells which batch holds these contacts, without the ledger. (Uploads made
    before the identity carry the SHA-256 of their bytes instead.)
    """
    stem = os.path.splitext(os.path.basename(os.fspath(csv_path)))[0]
    return f"{stem}.{digest[:DIGEST_CHARS]}.csv"


def upload_once(
    client: BatchClient,
    ledger: Ledger,
    agent_id: str,
    csv_path: str | os.PathLike,
    *,
    new_batch: bool = False,
    on_event: EventCallback = quiet,
    before_create: Callable[[], None] | None = None,
    source_sha256: str | None = None,
    attempts: int = 1,
    calls_at: float | None = None,
    recheck: CapRecheck | None = None,
    **create_options: Any,
) -> UploadOutcome:
    """Create a batch from ``csv_path`` unless these contacts were uploaded to this agent already.

    Contacts are identified by :mod:`uploader.safety.contacts` (rows in another order are the
    same contacts). A new upload books each contact in the ledger for the
    run's ``source_sha256`` (default: these contacts), with the ``attempts``
    each may get and ``calls_at`` (a POSIX time, default now); ``recheck`` checks the
    run's attempt caps again as the booking is written (:class:`AttemptCapChangedError`).
    Already means: the ledger has a batch for them, or (ledger lost) the
    agent's batch list has one whose ``file_name`` carries their digest; that
    batch is resumed whatever its status. ``new_batch=True`` always uploads.
    An earlier upload that got no answer is looked for before anything is sent
    again. ``before_create`` runs only when an upload is about to be sent
    (nothing to resume), and may raise to stop it. Raises
    :class:`UploadInProgressError` while another process holds the same upload.
    """
    contacts = tuple((contact.key, contact.number) for contact in contacts_of(csv_path))
    identity = identity_of([key for key, _ in contacts])
    booking = Booking(source_sha256 or identity, contacts, attempts, calls_at, recheck)
    with ledger.claim(client.base_url, agent_id, identity):
        return _upload_claimed(
            client,
            ledger,
            agent_id,
            csv_path,
            booking,
            identity,
            new_batch,
            on_event,
            before_create or _nothing,
            create_options,
        )


def _nothing() -> None:
    pass


def _upload_claimed(
    client: BatchClient,
    ledger: Ledger,
    agent_id: str,
    csv_path: str | os.PathLike,
    booking: Booking,
    identity: str,
    new_batch: bool,
    on_event: EventCallback,
    before_create: Callable[[], None],
    create_options: dict[str, Any],
) -> UploadOutcome:
    digest = file_digest(csv_path)
    file_name = upload_name(csv_path, identity)
    entry = None if new_batch else ledger.find(client.base_url, agent_id, identity, digest)

    def begin(recheck: bool = True) -> LedgerEntry:
        # A batch the agent has already is recorded whatever was booked since: its calls are made anyway.
        booked = booking if recheck else replace(booking, recheck=None)
        return ledger.begin(
            client.base_url, agent_id, digest, file_name, contacts_sha256=identity, booking=booked
        )

    if entry and entry.batch_id:
        try:
            batch = client.get_batch(entry.batch_id, agent_id)
        except NotFoundError:
            raise UploaderError(
                f"this file was uploaded before as batch {entry.batch_id}, which the API no longer has; "
                "pass --new-batch to upload it again"
            ) from None
        on_event(f"this file was uploaded before as batch {batch.batch_id} ({batch.status}); resuming it")
        return UploadOutcome(batch, True, ledger.record(entry, state=batch.status))

    if entry:  # an upload that never got its answer
        found = _batches_named(client, agent_id, entry.file_name, since=entry.started_at)
        if len(found) == 1:
            on_event(f"an earlier upload got no answer; found its batch {found[0].batch_id} and resumed it")
            return UploadOutcome(
                found[0], True, ledger.record(entry, state=found[0].status, batch_id=found[0].batch_id)
            )
        if len(found) > 1:
            raise _several(
                found,
                f"an earlier upload got no answer and the agent has {len(found)} new batches "
                f"of {entry.file_name}",
            )
        on_event("an earlier upload got no answer and made no batch; uploading again")
        before_create()
    else:
        if not new_batch:
            found = _batches_named(client, agent_id, file_name, legacy_name=upload_name(csv_path, digest))
            if len(found) > 1:
                raise _several(
                    found,
                    f"the ledger has no upload of these contacts, but the agent has "
                    f"{len(found)} batches of them ({file_name})",
                )
            if found:
                batch = found[0]
                on_event(
                    f"the agent already has batch {batch.batch_id} ({batch.status}) of these contacts "
                    f"({file_name}), which the ledger did not know; resuming it"
                )
                entry = begin(recheck=False)
                return UploadOutcome(
                    batch, True, ledger.record(entry, state=batch.status, batch_id=batch.batch_id)
                )
        before_create()
        entry = begin()

    try:
        batch = client.create_batch(agent_id, csv_path, file_name=file_name, **create_options)
    except AmbiguousCreateError as exc:
        if len(exc.candidates) == 1:
            found = exc.candidates[0]
            on_event(f"the upload got no answer; found the batch it made ({found.batch_id}) and took it")
            return UploadOutcome(found, True, ledger.record(entry, state="created", batch_id=found.batch_id))
        raise
    except UploaderError:
        # The upload was refused or never left: nothing to resume next time.
        ledger.record(entry, state="abandoned")
        raise
    on_event(f"created batch {batch.batch_id} from {file_name}")
    return UploadOutcome(batch, False, ledger.record(entry, state="created", batch_id=batch.batch_id))


def _batches_named(
    client: BatchClient,
    agent_id: str,
    file_name: str,
    since: float | None = None,
    legacy_name: str | None = None,
) -> list[Batch]:
    """The agent's batches uploaded as ``file_name`` (a name carrying the digest: the same contacts).

    ``legacy_name`` is the name the same bytes had before names carried the contacts' identity.
    """
    started = datetime.fromtimestamp(since, timezone.utc) - CLOCK_SKEW if since is not None else None
    names = {file_name, legacy_name or file_name}
    return [
        b
        for b in client.list_batches(agent_id)
        if b.file_name in names and (started is None or b.created_since(started))
    ]


def _several(found: list[Batch], what: str) -> AmbiguousCreateError:
    ids = ", ".join(batch.batch_id for batch in found)
    return AmbiguousCreateError(
        f"{what}: {ids}; delete the extra ones, or pass --new-batch", candidates=found
    )
