"""Where the stand-in keeps batches: SQLite, in memory or in a file (``--state``)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    scheduled_at REAL,
    scheduled_requested REAL,
    bypass_call_guardrails INTEGER NOT NULL DEFAULT 0,
    stopped REAL,
    deleted INTEGER NOT NULL DEFAULT 0,
    from_phone_numbers TEXT NOT NULL,
    retry_config TEXT,
    webhook_url TEXT,
    contacts TEXT NOT NULL,
    total_contacts INTEGER NOT NULL,
    valid_contacts INTEGER NOT NULL,
    run_settings TEXT,
    webhook_sent REAL
)
"""
# Columns added after the first release, for --state files made before them.
_ADDED_COLUMNS = {"run_settings": "TEXT", "webhook_sent": "REAL"}
_JSON_FIELDS = ("from_phone_numbers", "contacts", "retry_config", "run_settings")


def owner_of(api_key: str) -> str:
    """Batches are scoped by a hash of the key; the key itself is never stored."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class BatchStore:
    """Thread-safe storage of batch rows; each row is a plain dict."""

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        with self._lock, self._db:
            self._db.execute(_SCHEMA)
            present = {row[1] for row in self._db.execute("PRAGMA table_info(batches)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in present:
                    self._db.execute(f"ALTER TABLE batches ADD COLUMN {column} {kind}")

    def add(self, batch: dict) -> None:
        row = {key: json.dumps(value) if key in _JSON_FIELDS else value for key, value in batch.items()}
        columns = ", ".join(row)
        marks = ", ".join(f":{key}" for key in row)
        with self._lock, self._db:
            self._db.execute(f"INSERT INTO batches ({columns}) VALUES ({marks})", row)

    def get(self, owner: str, batch_id: str) -> dict | None:
        """The batch if it exists, belongs to ``owner`` and is not deleted."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM batches WHERE batch_id = ? AND owner = ? AND deleted = 0", (batch_id, owner)
            ).fetchone()
        return _decode(row) if row else None

    def for_agent(self, owner: str, agent_id: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM batches WHERE owner = ? AND agent_id = ? AND deleted = 0 ORDER BY created, rowid",
                (owner, agent_id),
            ).fetchall()
        return [_decode(row) for row in rows]

    def for_owner(self, owner: str) -> list[dict]:
        """Every batch of one key, deleted ones too (their calls spent the wallet all the same)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM batches WHERE owner = ? ORDER BY created", (owner,)
            ).fetchall()
        return [_decode(row) for row in rows]

    def awaiting_webhook(self) -> list[dict]:
        """Scheduled batches with a ``webhook_url`` not yet called."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM batches WHERE webhook_url IS NOT NULL AND webhook_url != '' "
                "AND scheduled_at IS NOT NULL AND webhook_sent IS NULL AND deleted = 0"
            ).fetchall()
        return [_decode(row) for row in rows]

    def update(self, batch_id: str, **changes: object) -> None:
        changes = {key: json.dumps(value) if key in _JSON_FIELDS else value for key, value in changes.items()}
        assignments = ", ".join(f"{key} = :{key}" for key in changes)
        with self._lock, self._db:
            self._db.execute(
                f"UPDATE batches SET {assignments} WHERE batch_id = :batch_id",
                {**changes, "batch_id": batch_id},
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _decode(row: sqlite3.Row) -> dict:
    batch = dict(row)
    for key in _JSON_FIELDS:
        if batch[key] is not None:
            batch[key] = json.loads(batch[key])
    return batch
