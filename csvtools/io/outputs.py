"""The files a clean run writes, as one set: all of them appear when the run succeeds, none when it fails."""

from __future__ import annotations

import os

import pyarrow as pa

from .atomic import AtomicCsvWriter, AtomicFile

__all__ = ["REJECTS_FIELDS", "Outputs"]

#: The columns the rejects file puts before the input's own.
REJECTS_FIELDS = ("line", "reason", "detail")


class Outputs:
    """The clean and rejects CSVs of a run, and its JSON report if asked, in temporary files until :meth:`commit`.

    Lines arrive rendered (:func:`.lines.render_lines`) and in line order.
    The rejects file, which is for people, begins with a UTF-8 byte order
    mark so that spreadsheets read its accents right; the clean file (the
    upload file) never does.
    """

    def __init__(self, clean_path: str, rejects_path: str, clean_header: list[str], input_header: list[str],
                 report_path: str | os.PathLike | None = None) -> None:
        self._files: list[AtomicFile] = []
        try:
            self._clean = self._add(AtomicCsvWriter(clean_path, clean_header))
            self._rejects = self._add(AtomicCsvWriter(rejects_path, [*REJECTS_FIELDS, *input_header], bom=True))
            self._report = self._add(AtomicFile(report_path)) if report_path is not None else None
        except BaseException:
            self.discard()
            raise

    def _add(self, file: AtomicFile) -> AtomicFile:
        self._files.append(file)
        return file

    def write_clean(self, lines: pa.Array) -> None:
        """Append rendered clean lines: ``contact_number``, then the other columns."""
        self._clean.write_lines(lines)

    def write_rejects(self, lines: pa.Array) -> None:
        """Append rendered rejects lines: line, reason, detail, then the raw fields."""
        self._rejects.write_lines(lines)

    def commit(self, report_text: str | None = None) -> None:
        """Write the report's text (when there is a report file), then move every file into place.

        Every file is written and closed before the first one moves, so a
        failure up to then leaves none of them.
        """
        try:
            if self._report is not None:
                self._report.write((report_text or "").encode("utf-8"))
            for file in self._files:
                file.finish()
        except BaseException:
            self.discard()
            raise
        for file in self._files:
            file.move()

    def discard(self) -> None:
        """Delete every temporary file; the targets stay as they were."""
        for file in self._files:
            file.discard()
