"""The uploaded contact file as rows with their lines, and a corrected copy in which every row keeps its line.

A correction replaces one rejected row's phone cell. The copy is a UTF-8 CSV
whose records start on the same physical lines as in the upload (the gaps
are empty lines, which csvtools skips), so a line in the re-checked report
is the line the person saw in their own file or sheet.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path

import csvtools

__all__ = ["write_corrected"]


def write_corrected(
    path: str | os.PathLike,
    sheet: str | None,
    phone_column: str,
    corrections: Mapping[int, str],
    target: str | os.PathLike,
) -> Path:
    """Write the file at ``path`` to ``target`` as CSV with ``corrections`` (line → phone value) applied."""
    read = csvtools.read_rows(path, sheet)
    header_line, header, rows = read.header_line, read.header, read.rows
    at = header.index(phone_column) if phone_column in header else 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    line = 1

    def put(start: int, cells: list[str]) -> None:
        nonlocal line
        if start > line:
            buffer.write("\n" * (start - line))
            line = start
        writer.writerow(cells)
        line += 1 + sum(cell.count("\n") for cell in cells)

    put(header_line, header)
    for start, cells in rows:
        if start in corrections:
            cells = list(cells) + [""] * max(0, at + 1 - len(cells))
            cells[at] = corrections[start]
        put(start, cells)
    target = Path(target)
    temporary = target.with_name(target.name + ".part")
    temporary.write_bytes(buffer.getvalue().encode("utf-8", errors="surrogateescape"))
    os.replace(temporary, target)
    return target
