"""The upload ledger: a locked or read-only ledger is one line and exit 2, never a traceback."""

import os
import sqlite3

import pytest
from conftest import copy_sample, operations, uploader

from uploader import LedgerError, UploadInProgressError
from uploader.campaign import ledger as ledger_module
from uploader.campaign.ledger import Ledger


def test_a_write_locked_ledger_is_one_line_and_exit_2(api, tmp_path, monkeypatch):
    monkeypatch.setattr(ledger_module, "LOCK_TIMEOUT", 0.2)
    ledger_path = tmp_path / "ledger.sqlite"
    Ledger(ledger_path).close()
    holder = sqlite3.connect(ledger_path)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    try:
        result = uploader("run", copy_sample(tmp_path, "contacts_good.csv"), "--now")
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"uploader: the upload ledger {ledger_path} is locked by another process (database is locked)\n"
    )
    assert "create" not in operations(api)


@pytest.mark.parametrize("situation", ["new file", "resume"])
def test_a_read_only_ledger_is_one_line_and_exit_2(api, tmp_path, monkeypatch, situation):
    source = copy_sample(tmp_path, "contacts_good.csv")
    ledger_path = tmp_path / "ledger.sqlite"
    if situation == "resume":
        assert uploader("run", source, "--now").exit_code == 0
    else:
        Ledger(ledger_path).close()
    if os.geteuid() == 0:
        # Root writes files whatever their mode; SQLite opens an unwritable file read-only, so do that.
        connect = sqlite3.connect
        monkeypatch.setattr(
            ledger_module.sqlite3,
            "connect",
            lambda path, **kw: connect(f"file:{path}?mode=ro", uri=True, **kw),
        )
    else:
        ledger_path.chmod(0o444)
    result = uploader("run", source, "--now")
    assert result.exit_code == 2
    assert result.stderr == (
        f"uploader: the upload ledger {ledger_path} is read-only (attempt to write a readonly database)\n"
    )
    assert operations(api).count("create") == (1 if situation == "resume" else 0)


def test_not_a_database_is_a_ledger_error(tmp_path):
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match=f"the upload ledger {path} cannot be used"):
        Ledger(path)


def test_a_claim_is_exclusive_across_ledger_objects_and_ends_with_them(tmp_path):
    first, second = Ledger(tmp_path / "l.sqlite"), Ledger(tmp_path / "l.sqlite")
    with first.claim("http://api", "agent", "abc"):
        with first.claim("http://api", "agent", "abc"):  # nested in one object: fine
            pass
        with pytest.raises(
            UploadInProgressError, match=f"another run is uploading this file, pid {os.getpid()}"
        ):
            with second.claim("http://api", "agent", "abc"):
                pass
        with second.claim("http://api", "agent", "other bytes"):
            pass
    with second.claim("http://api", "agent", "abc"):
        pass
