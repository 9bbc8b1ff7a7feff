"""Check an uploaded contact CSV the way the Batch API does."""

from __future__ import annotations

import csv
import io
import re

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_SHOWN_LINES = 5


class UploadError(ValueError):
    """The file is refused; the message names what is wrong."""


def read_contacts(data: bytes, *, strict: bool = False) -> tuple[list[dict], int, int]:
    """Parse an upload into contacts (dicts of the row), the count of valid numbers, and the rows in all.

    By default a row whose number is not E.164, or whose field count is wrong,
    is counted out (in the total, not among the valid), as the docs describe
    the real service; ``strict`` refuses the whole file naming such lines.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"the file is not UTF-8 (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or "contact_number" not in header:
        found = ", ".join(header or []) or "nothing"
        raise UploadError(f"the CSV needs a contact_number column; found {found}")
    if len(set(header)) != len(header):
        raise UploadError("the CSV header repeats a column name")

    contacts, problems, valid, ragged = [], [], 0, 0
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row:
            continue
        if len(row) != len(header):
            ragged += 1
            if strict:
                problems.append(f"line {line}: expected {len(header)} fields, found {len(row)}")
            continue
        contact = dict(zip(header, row))
        if E164.match(contact["contact_number"]):
            valid += 1
        elif strict:
            problems.append(f"line {line}: {contact['contact_number']!r} is not an E.164 number")
        contacts.append(contact)
    if problems:
        more = f" (and {len(problems) - _SHOWN_LINES} more)" if len(problems) > _SHOWN_LINES else ""
        raise UploadError("; ".join(problems[:_SHOWN_LINES]) + more)
    if not contacts and not ragged:
        raise UploadError("the CSV has no contacts")
    return contacts, valid, len(contacts) + ragged
