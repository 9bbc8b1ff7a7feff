"""A local journal of uploads, so that a re-run resumes a batch instead of making another.

Each entry is keyed by API base URL, agent and the identity of the uploaded
contacts (:func:`~uploader.safety.contacts.contacts_digest`: the same for
the same contacts in another order); entries of ledgers written before that
are found by the SHA-256 of their bytes. An entry is written *before* the
upload is sent (state ``uploading``), with a booking per contact (its number,
the run's source, the calls it may make and when), so an interrupted create is
visible on the next run, a contact is never booked twice for one source, and
attempts across batches can be counted (and counted again as an upload
books, under SQLite's write lock, so two runs sharing numbers cannot both pass
a cap). :meth:`Ledger.claim` holds an exclusive lock per upload for as long as
a process is creating or scheduling it, so a second process on the same file
stops instead of uploading again.

Every SQLite failure (locked by another process past the timeout, read-only,
not a database) becomes :class:`~uploader.errors.LedgerError` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import AttemptCapChangedError, LedgerError, UploadInProgressError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: concurrent runs are then not detected
    fcntl = None  # type: ignore[assignment]

LEDGER_VARIABLE = "UPLOADER_LEDGER"
#: Seconds to wait for another process's write transaction before giving up.
LOCK_TIMEOUT = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    base_url TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    batch_id TEXT,
    state TEXT NOT NULL,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL
)
"""
#: Version 2: the contacts' identity on each upload, and a booking per contact.
SCHEMA_VERSION = 2
_BOOKINGS = """
CREATE TABLE IF NOT EXISTS bookings (
    upload_id INTEGER NOT NULL REFERENCES uploads (id),
    source_sha256 TEXT NOT NULL,
    contact_sha256 TEXT NOT NULL,
    contact_number TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    calls_at REAL NOT NULL
)
"""
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bookings_by_number ON bookings (contact_number, calls_at)",
    "CREATE INDEX IF NOT EXISTS bookings_by_source ON bookings (source_sha256)",
)
#: Calls to one number are counted within this many seconds either side of a batch's start.
DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class LedgerEntry:
    """One upload: what was sent where, and the batch it became (None while unknown)."""

    id: int
    base_url: str
    agent_id: str
    file_sha256: str
    file_name: str
    batch_id: str | None
    state: str
    started_at: float
    updated_at: float
    contacts_sha256: str | None = None  # None on entries written before version 2


@dataclass(frozen=True)
class Booking:
    """What an upload books for each of its contacts: the run's source, calls a contact may get, and when.

    ``recheck``, when given, is asked again inside the booking's transaction
    whether the calls other runs booked meanwhile put any number past its cap.
    """

    source_sha256: str
    contacts: tuple[tuple[str, str], ...]  # (contact key, number)
    attempts: int = 1
    calls_at: float | None = None  # None: now
    recheck: CapRecheck | None = None


@dataclass(frozen=True)
class CapRecheck:
    """How a booking's attempt caps are checked again as it is written (:meth:`Ledger.begin`).

    ``past_cap(booked, contacts)`` gets the calls booked within 24 hours of
    ``moment`` by sources other than ``other_than`` (as
    :meth:`Ledger.attempts_near` counts them: the moment and source the caps
    were first checked with, so that each part of a split run is counted as
    the whole run was) and the booking's contacts, and returns the numbers
    that would pass their cap.
    """

    moment: float
    other_than: str | None
    past_cap: Callable[[Mapping[str, int], tuple[tuple[str, str], ...]], set[str]]


def default_ledger_path() -> Path:
    """``$UPLOADER_LEDGER``, else ``$XDG_STATE_HOME/uploader/ledger.sqlite`` (``~/.local/state``)."""
    explicit = os.environ.get(LEDGER_VARIABLE)
    if explicit:
        return Path(explicit)
    state_home = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state_home) / "uploader" / "ledger.sqlite"


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Ledger:
    """The SQLite journal of uploads."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path else default_ledger_path()
        self._claims: dict[str, tuple[int, int]] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT)
        except OSError as exc:
            raise LedgerError(f"cannot open the upload ledger {self.path}: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        with self._guard():
            with self._db:
                self._db.execute(_SCHEMA)
            self._migrate()
            # A read-only or locked ledger fails here, before anything is uploaded, not after.
            # (BEGIN IMMEDIATE alone passes on a read-only file; a write statement does not.)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM uploads WHERE id = -1")
            self._db.rollback()
        self._db.row_factory = sqlite3.Row

    def _migrate(self) -> None:
        """Bring a ledger of an older version up to :data:`SCHEMA_VERSION`, in one transaction."""
        if self._db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(uploads)")}
            if "contacts_sha256" not in columns:
                self._db.execute("ALTER TABLE uploads ADD COLUMN contacts_sha256 TEXT")
            self._db.execute(_BOOKINGS)
            for statement in _INDEXES:
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> LedgerError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            why = f"is locked by another process ({text})"
        elif "readonly" in text or "read-only" in text:
            why = f"is read-only ({text})"
        else:
            why = f"cannot be used ({text})"
        return LedgerError(f"the upload ledger {self.path} {why}")

    @contextmanager
    def claim(self, base_url: str, agent_id: str, file_sha256: str) -> Iterator[None]:
        """Hold this upload exclusively, or raise :class:`UploadInProgressError` naming the holder's pid.

        The lock is the kernel's (``flock``), so it ends with its process, even a
        killed one; a claim may be nested in the same ledger object.
        """
        key = hashlib.sha256(f"{base_url}\n{agent_id}\n{file_sha256}".encode()).hexdigest()[:32]
        if fcntl is None or key in self._claims:
            depth = self._claims.get(key, (-1, 0))
            self._claims[key] = (depth[0], depth[1] + 1)
            try:
                yield
            finally:
                self._release(key)
            return
        lock_path = Path(f"{self.path}.locks") / f"{key}.lock"
        try:
            lock_path.parent.mkdir(exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise LedgerError(
                f"cannot lock the upload in {lock_path.parent}: {exc.strerror or exc}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f", pid {holder}" if holder else ""
            raise UploadInProgressError(
                f"another run is uploading this file{who}; let it finish, then run again", pid=holder
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._claims[key] = (fd, 1)
        try:
            yield
        finally:
            self._release(key)

    def _release(self, key: str) -> None:
        fd, depth = self._claims[key]
        if depth > 1:
            self._claims[key] = (fd, depth - 1)
            return
        del self._claims[key]
        if fd >= 0:
            os.close(fd)  # closing the descriptor releases the flock

    def find(
        self, base_url: str, agent_id: str, contacts_sha256: str, file_sha256: str | None = None
    ) -> LedgerEntry | None:
        """The latest upload of these contacts for this agent on this API (or, from an older ledger, of these bytes)."""
        with self._guard():
            row = self._db.execute(
                "SELECT * FROM uploads WHERE base_url = ? AND agent_id = ? AND state != 'abandoned' AND "
                "(contacts_sha256 = ? OR (contacts_sha256 IS NULL AND file_sha256 = ?)) ORDER BY id DESC LIMIT 1",
                (base_url, agent_id, contacts_sha256, file_sha256),
            ).fetchone()
        return LedgerEntry(**dict(row)) if row else None

    def find_batch(self, batch_id: str) -> LedgerEntry | None:
        """The latest entry that became ``batch_id``, if any."""
        with self._guard():
            row = self._db.execute(
                "SELECT * FROM uploads WHERE batch_id = ? ORDER BY id DESC LIMIT 1", (batch_id,)
            ).fetchone()
        return LedgerEntry(**dict(row)) if row else None

    def begin(
        self,
        base_url: str,
        agent_id: str,
        file_sha256: str,
        file_name: str,
        *,
        contacts_sha256: str | None = None,
        booking: Booking | None = None,
    ) -> LedgerEntry:
        """Record an upload about to be sent, and book its contacts, in one transaction.

        With a ``booking.recheck`` the caps are checked again under the ledger's
        write lock, so two runs that share numbers cannot both pass a cap:
        :class:`~uploader.errors.AttemptCapChangedError` when another run booked
        them meanwhile, and nothing is written.
        """
        now = time.time()
        with self._guard(), self._db:
            # The write lock before the recheck's read: a second booking waits until this one commits.
            self._db.execute("BEGIN IMMEDIATE")
            if booking is not None and booking.recheck is not None:
                recheck = booking.recheck
                booked = self._booked_near(base_url, recheck.moment, recheck.other_than)
                _refuse(recheck.past_cap(booked, booking.contacts))
            cursor = self._db.execute(
                "INSERT INTO uploads (base_url, agent_id, file_sha256, file_name, batch_id, state, started_at,"
                " updated_at, contacts_sha256) VALUES (?, ?, ?, ?, NULL, 'uploading', ?, ?, ?)",
                (base_url, agent_id, file_sha256, file_name, now, now, contacts_sha256),
            )
            if booking is not None:
                calls_at = now if booking.calls_at is None else booking.calls_at
                self._db.executemany(
                    "INSERT INTO bookings (upload_id, source_sha256, contact_sha256, contact_number, attempts,"
                    " calls_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        (cursor.lastrowid, booking.source_sha256, key, number, booking.attempts, calls_at)
                        for key, number in booking.contacts
                    ),
                )
        return self._get(cursor.lastrowid)

    def reschedule_calls(self, entry: LedgerEntry, calls_at: float) -> None:
        """Move the calls booked by ``entry`` to when its batch was scheduled."""
        with self._guard(), self._db:
            self._db.execute("UPDATE bookings SET calls_at = ? WHERE upload_id = ?", (calls_at, entry.id))

    def booked(self, base_url: str, agent_id: str, source_sha256: str) -> dict[int, set[str]]:
        """The contacts of ``source_sha256`` already booked for this agent on this API, by upload id."""
        with self._guard():
            rows = self._db.execute(
                "SELECT b.upload_id, b.contact_sha256 FROM bookings b JOIN uploads u ON u.id = b.upload_id "
                "WHERE b.source_sha256 = ? AND u.base_url = ? AND u.agent_id = ? AND u.state != 'abandoned'",
                (source_sha256, base_url, agent_id),
            ).fetchall()
        found: dict[int, set[str]] = {}
        for upload_id, key in rows:
            found.setdefault(upload_id, set()).add(key)
        return found

    def attempts_near(self, base_url: str, moment: float, *, other_than: str | None = None) -> dict[str, int]:
        """Calls booked on this API to each number within 24 hours of ``moment``, on any agent.

        ``other_than`` leaves out the bookings of that source (the batches a run resumes rather than adds).
        """
        with self._guard():
            return self._booked_near(base_url, moment, other_than)

    def _booked_near(self, base_url: str, moment: float, other_than: str | None) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT b.contact_number, SUM(b.attempts) FROM bookings b JOIN uploads u ON u.id = b.upload_id "
            "WHERE u.base_url = ? AND u.state != 'abandoned' AND b.calls_at > ? AND b.calls_at < ? "
            "AND b.source_sha256 IS NOT ? GROUP BY b.contact_number",
            (base_url, moment - DAY_SECONDS, moment + DAY_SECONDS, other_than),
        ).fetchall()
        return dict(rows)

    def entry(self, entry_id: int) -> LedgerEntry:
        """The entry of this id."""
        return self._get(entry_id)

    def record(self, entry: LedgerEntry, *, state: str, batch_id: str | None = None) -> LedgerEntry:
        """Store what is now known of an upload."""
        with self._guard(), self._db:
            self._db.execute(
                "UPDATE uploads SET state = ?, batch_id = COALESCE(?, batch_id), updated_at = ? WHERE id = ?",
                (state, batch_id, time.time(), entry.id),
            )
        return self._get(entry.id)

    def entries(self) -> list[LedgerEntry]:
        """Every entry, oldest first."""
        with self._guard():
            rows = self._db.execute("SELECT * FROM uploads ORDER BY id").fetchall()
        return [LedgerEntry(**dict(row)) for row in rows]

    def _get(self, entry_id: int | None) -> LedgerEntry:
        with self._guard():
            row = self._db.execute("SELECT * FROM uploads WHERE id = ?", (entry_id,)).fetchone()
        return LedgerEntry(**dict(row))

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def _refuse(past_cap: set[str]) -> None:
    """Stop a booking whose recheck found numbers past their cap (its transaction is rolled back)."""
    past = sorted(past_cap)
    if past:
        shown = ", ".join(past[:3]) + (f" and {len(past) - 3} more" if len(past) > 3 else "")
        raise AttemptCapChangedError(
            f"another run booked calls to {len(past)} of these numbers ({shown}) after this run checked "
            "their attempt caps; no batch of them was created: run again and their rows are skipped",
            numbers=past,
        )


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
