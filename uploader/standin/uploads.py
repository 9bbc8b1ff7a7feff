"""Check an uploaded contact CSV the way the Batch API does."""

from __future__ import annotations

import csv
import io
import re

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_SHOWN_LINES = 5


class UploadError(ValueError):
    """The file is refused; the message names what is wrong."""


def read_contacts(data: bytes, *, lenient: bool = False) -> tuple[list[dict], int]:
    """Parse an upload into contacts (dicts of the row) and the count of valid numbers.

    Strict (the default) refuses a file with any number not in E.164 form;
    ``lenient`` counts such rows out instead, as the real service appears to.
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

    contacts, problems, valid = [], [], 0
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row:
            continue
        if len(row) != len(header):
            problems.append(f"line {line}: expected {len(header)} fields, found {len(row)}")
            continue
        contact = dict(zip(header, row))
        if E164.match(contact["contact_number"]):
            valid += 1
        elif not lenient:
            problems.append(f"line {line}: {contact['contact_number']!r} is not an E.164 number")
        contacts.append(contact)
    if problems:
        more = f" (and {len(problems) - _SHOWN_LINES} more)" if len(problems) > _SHOWN_LINES else ""
        raise UploadError("; ".join(problems[:_SHOWN_LINES]) + more)
    if not contacts:
        raise UploadError("the CSV has no contacts")
    return contacts, valid
