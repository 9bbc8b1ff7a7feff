"""A local journal of uploads, so that a re-run resumes a batch instead of making another.

Each entry is keyed by API base URL, agent and a SHA-256 of the uploaded
bytes. It is written *before* the upload is sent (state ``uploading``), so an
interrupted create is visible on the next run.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

LEDGER_VARIABLE = "UPLOADER_LEDGER"

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path)
            with self._db:
                self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the upload ledger {self.path}: {exc}") from None
        self._db.row_factory = sqlite3.Row

    def find(self, base_url: str, agent_id: str, file_sha256: str) -> LedgerEntry | None:
        """The latest upload of these bytes for this agent on this API, if any."""
        row = self._db.execute(
            "SELECT * FROM uploads WHERE base_url = ? AND agent_id = ? AND file_sha256 = ? "
            "AND state != 'abandoned' ORDER BY id DESC LIMIT 1",
            (base_url, agent_id, file_sha256),
        ).fetchone()
        return LedgerEntry(**dict(row)) if row else None

    def find_batch(self, batch_id: str) -> LedgerEntry | None:
        row = self._db.execute("SELECT * FROM uploads WHERE batch_id = ? ORDER BY id DESC LIMIT 1",
                               (batch_id,)).fetchone()
        return LedgerEntry(**dict(row)) if row else None

    def begin(self, base_url: str, agent_id: str, file_sha256: str, file_name: str) -> LedgerEntry:
        """Record an upload about to be sent."""
        now = time.time()
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO uploads (base_url, agent_id, file_sha256, file_name, batch_id, state, started_at,"
                " updated_at) VALUES (?, ?, ?, ?, NULL, 'uploading', ?, ?)",
                (base_url, agent_id, file_sha256, file_name, now, now),
            )
        return self._get(cursor.lastrowid)

    def record(self, entry: LedgerEntry, *, state: str, batch_id: str | None = None) -> LedgerEntry:
        """Store what is now known of an upload."""
        with self._db:
            self._db.execute(
                "UPDATE uploads SET state = ?, batch_id = COALESCE(?, batch_id), updated_at = ? WHERE id = ?",
                (state, batch_id, time.time(), entry.id),
            )
        return self._get(entry.id)

    def entries(self) -> list[LedgerEntry]:
        rows = self._db.execute("SELECT * FROM uploads ORDER BY id").fetchall()
        return [LedgerEntry(**dict(row)) for row in rows]

    def _get(self, entry_id: int | None) -> LedgerEntry:
        row = self._db.execute("SELECT * FROM uploads WHERE id = ?", (entry_id,)).fetchone()
        return LedgerEntry(**dict(row))

    def close(self) -> None:
        self._db.close()
