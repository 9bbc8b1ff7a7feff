"""The files a clean run writes, as one set: all of them appear when the run succeeds, none when it fails."""

from __future__ import annotations

import os
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from .atomic import AtomicCsvWriter, AtomicFile
from .lines import render_lines

__all__ = ["REJECTS_FIELDS", "SOURCE_FIELD", "Outputs"]

#: The columns the rejects file puts before the input's own.
REJECTS_FIELDS = ("line", "reason", "detail")
#: The column before those in a run over several files: the input the row came from.
SOURCE_FIELD = "file"

_File = TypeVar("_File", bound=AtomicFile)


class Outputs:
    """The clean and rejects CSVs of a run, and its JSON report if asked, in temporary files until :meth:`commit`.

    Lines arrive rendered (:func:`.lines.render_lines`) and in line order.
    The rejects file, which is for people, begins with a UTF-8 byte order
    mark so that spreadsheets read its accents right; the clean file (the
    upload file) never does; ``rejects_bom=False`` leaves it out (the parts of
    a distributed run, which are concatenated). With ``source`` (a run over several files), each
    rejects line starts with it, in a first column :data:`SOURCE_FIELD`.
    """

    def __init__(
        self,
        clean_path: str,
        rejects_path: str,
        clean_header: list[str],
        input_header: list[str],
        report_path: str | os.PathLike | None = None,
        *,
        source: str | None = None,
        rejects_bom: bool = True,
    ) -> None:
        self._files: list[AtomicFile] = []
        self._source_cell = None if source is None else render_lines([[source]])[0].as_py()[:-1] + ","
        source_header = [SOURCE_FIELD] if source is not None else []
        try:
            self._clean = self._add(AtomicCsvWriter(clean_path, clean_header))
            self._rejects = self._add(
                AtomicCsvWriter(
                    rejects_path, [*source_header, *REJECTS_FIELDS, *input_header], bom=rejects_bom
                )
            )
            self._report = self._add(AtomicFile(report_path)) if report_path is not None else None
        except BaseException:
            self.discard()
            raise

    def _add(self, file: _File) -> _File:
        self._files.append(file)
        return file

    def write_clean(self, lines: pa.Array) -> None:
        """Append rendered clean lines: ``contact_number``, then the other columns."""
        self._clean.write_lines(lines)

    def write_rejects(self, lines: pa.Array) -> None:
        """Append rendered rejects lines: line, reason, detail, then the raw fields."""
        if self._source_cell is not None and len(lines):
            lines = pc.binary_join_element_wise(self._source_cell, lines, "")
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
