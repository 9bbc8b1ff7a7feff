"""A clean file is known by its contacts, not its bytes: reordered rows resume the batch; old ledgers still work."""

import json
import sqlite3

from conftest import operations, uploader

from uploader.campaign.ledger import SCHEMA_VERSION, Ledger, file_digest
from uploader.safety.contacts import contacts_digest

ROWS = ["+919876543210,Asha,Pune", "+919812345678,Ravi,Delhi", "+447911123456,Olly,Leeds"]


def _write(path, header, rows):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_same_contacts_reordered_resume_the_batch_instead_of_making_another(api, tmp_path):
    source = _write(tmp_path / "contacts.csv", "phone,name,city", ROWS)
    first = uploader("run", source, "--now", "--json")
    assert first.exit_code == 0, first.stderr
    _write(source, "phone,name,city", ROWS[::-1])
    again = uploader("run", source, "--now", "--json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["batch_id"] == json.loads(first.stdout)["batch_id"]
    assert json.loads(again.stdout)["resumed"] is True
    assert operations(api).count("create") == 1


def test_an_identity_ignores_row_and_column_order_but_not_a_changed_variable(tmp_path):
    one = _write(tmp_path / "one.csv", "contact_number,name,city", ROWS)
    rows = [f"{r.split(',')[0]},{r.split(',')[2]},{r.split(',')[1]}" for r in ROWS[::-1]]
    two = _write(tmp_path / "two.csv", "contact_number,city,name", rows)
    three = _write(tmp_path / "three.csv", "contact_number,name,city", [*ROWS[:2], "+447911123456,Olly,York"])
    four = _write(tmp_path / "four.csv", "contact_number,name,city", [*ROWS, ROWS[0]])
    assert contacts_digest(one) == contacts_digest(two) and file_digest(one) != file_digest(two)
    assert len({contacts_digest(one), contacts_digest(three), contacts_digest(four)}) == 3


def _as_version_1(path):
    """Rewrite a ledger as the version before identities and bookings: the uploads table only."""
    old = sqlite3.connect(path)
    rows = old.execute(
        "SELECT id, base_url, agent_id, file_sha256, file_name, batch_id, state, started_at, updated_at FROM uploads"
    ).fetchall()
    old.close()
    path.unlink()
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE uploads (id INTEGER PRIMARY KEY AUTOINCREMENT, base_url TEXT NOT NULL, agent_id TEXT NOT NULL,"
        " file_sha256 TEXT NOT NULL, file_name TEXT NOT NULL, batch_id TEXT, state TEXT NOT NULL,"
        " started_at REAL NOT NULL, updated_at REAL NOT NULL)"
    )
    db.executemany("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def test_a_ledger_of_the_old_version_is_migrated_and_still_resumes_by_the_bytes(api, tmp_path):
    source = _write(tmp_path / "contacts.csv", "phone,name,city", ROWS)
    first = uploader("run", source, "--now", "--json")
    assert first.exit_code == 0, first.stderr
    ledger_path = tmp_path / "ledger.sqlite"
    _as_version_1(ledger_path)

    again = uploader("run", source, "--now", "--json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["batch_id"] == json.loads(first.stdout)["batch_id"]
    assert operations(api).count("create") == 1
    db = sqlite3.connect(ledger_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "contacts_sha256" in {row[1] for row in db.execute("PRAGMA table_info(uploads)")}
    db.close()
    assert [entry.contacts_sha256 for entry in Ledger(ledger_path).entries()] == [None]
