"""A local journal of uploads, so that a re-run resumes a batch instead of making another.

Each entry is keyed by API base URL, agent and a SHA-256 of the uploaded
bytes. It is written *before* the upload is sent (state ``uploading``), so an
interrupted create is visible on the next run. :meth:`Ledger.claim` holds an
exclusive lock per upload for as long as a process is creating or scheduling
it, so a second process on the same file stops instead of uploading again.

Every SQLite failure (locked by another process past the timeout, read-only,
not a database) becomes :class:`~uploader.errors.LedgerError` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import LedgerError, UploadInProgressError

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
            # A read-only or locked ledger fails here, before anything is uploaded, not after.
            # (BEGIN IMMEDIATE alone passes on a read-only file; a write statement does not.)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM uploads WHERE id = -1")
            self._db.rollback()
        self._db.row_factory = sqlite3.Row

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

    def find(self, base_url: str, agent_id: str, file_sha256: str) -> LedgerEntry | None:
        """The latest upload of these bytes for this agent on this API, if any."""
        with self._guard():
            row = self._db.execute(
                "SELECT * FROM uploads WHERE base_url = ? AND agent_id = ? AND file_sha256 = ? "
                "AND state != 'abandoned' ORDER BY id DESC LIMIT 1",
                (base_url, agent_id, file_sha256),
            ).fetchone()
        return LedgerEntry(**dict(row)) if row else None

    def find_batch(self, batch_id: str) -> LedgerEntry | None:
        """The latest entry that became ``batch_id``, if any."""
        with self._guard():
            row = self._db.execute(
                "SELECT * FROM uploads WHERE batch_id = ? ORDER BY id DESC LIMIT 1", (batch_id,)
            ).fetchone()
        return LedgerEntry(**dict(row)) if row else None

    def begin(self, base_url: str, agent_id: str, file_sha256: str, file_name: str) -> LedgerEntry:
        """Record an upload about to be sent."""
        now = time.time()
        with self._guard(), self._db:
            cursor = self._db.execute(
                "INSERT INTO uploads (base_url, agent_id, file_sha256, file_name, batch_id, state, started_at,"
                " updated_at) VALUES (?, ?, ?, ?, NULL, 'uploading', ?, ?)",
                (base_url, agent_id, file_sha256, file_name, now, now),
            )
        return self._get(cursor.lastrowid)

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


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
