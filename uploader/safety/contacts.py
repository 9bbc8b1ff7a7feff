"""Who a clean file calls, as the ledger keys it: one key per contact, and the file's identity.

A contact is a row: its number and its variables, by column name, so the
order of rows or of columns changes neither a contact's key nor the file's
identity. The identity is the digest of the multiset of contact keys (their
count and their sum), so it is computed in one pass, whatever the file's size.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Contact", "contacts_digest", "contacts_of", "identity_of"]

#: Hex digits of a contact's key (128 bits: no accidental match among billions).
KEY_CHARS = 32
_MODULUS = 1 << 256


@dataclass(frozen=True)
class Contact:
    """One row of a clean file: its physical line, number, key and fields."""

    line: int
    number: str
    key: str
    row: tuple[str, ...]


def contacts_of(path: str | os.PathLike) -> Iterator[Contact]:
    """Every row of a clean file (``contact_number`` first) as a :class:`Contact`."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        order = sorted(range(len(header)), key=header.__getitem__)
        # The column names once, then each row's fields in the names' order: the key ignores column order.
        prefix = "\x1f".join(header[i] for i in order) + "\x1e"
        for row in reader:
            if row:
                fields = [row[i] for i in order] if len(row) == len(header) else row
                key = hashlib.sha256((prefix + "\x1f".join(fields)).encode()).hexdigest()[:KEY_CHARS]
                yield Contact(reader.line_num, row[0], key, tuple(row))


def identity_of(keys: Iterator[str] | list[str]) -> str:
    """The identity of a set of contacts (their keys, in any order): a SHA-256 in hex."""
    total = count = 0
    for key in keys:
        total = (total + int(key, 16)) % _MODULUS
        count += 1
    return hashlib.sha256(f"contacts:{count}:{total:x}".encode()).hexdigest()


def contacts_digest(path: str | os.PathLike) -> str:
    """The identity of a clean file: the same for the same contacts in any row or column order."""
    return identity_of(contact.key for contact in contacts_of(path))
