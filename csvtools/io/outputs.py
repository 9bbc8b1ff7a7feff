"""The files a clean run writes, as one set: all of them appear when the run succeeds, none when it fails."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .atomic import AtomicCsvWriter
from .lines import render_lines

__all__ = ["REJECTS_FIELDS", "SOURCE_FIELD", "Outputs"]

#: The columns the rejects file puts before the input's own.
REJECTS_FIELDS = ("line", "reason", "detail")
#: The column before those in a run over several files: the input the row came from.
SOURCE_FIELD = "file"


class Outputs:
    """The clean and rejects CSVs of a run, written to temporary files until :meth:`commit`.

    Lines arrive rendered (:func:`.lines.render_lines`) and in line order.
    With ``source`` (a run over several files), each rejects line starts with
    it, in a first column :data:`SOURCE_FIELD`.
    """

    def __init__(self, clean_path: str, rejects_path: str, clean_header: list[str], input_header: list[str],
                 *, source: str | None = None) -> None:
        self._clean = AtomicCsvWriter(clean_path, clean_header)
        self._source_cell = None if source is None else render_lines([[source]])[0].as_py()[:-1] + ","
        try:
            self._rejects = AtomicCsvWriter(rejects_path, [*([SOURCE_FIELD] if source is not None else []),
                                                           *REJECTS_FIELDS, *input_header])
        except BaseException:
            self._clean.discard()
            raise

    def write_clean(self, lines: pa.Array) -> None:
        """Append rendered clean lines: ``contact_number``, then the other columns."""
        self._clean.write_lines(lines)

    def write_rejects(self, lines: pa.Array) -> None:
        """Append rendered rejects lines: line, reason, detail, then the raw fields."""
        if self._source_cell is not None and len(lines):
            lines = pc.binary_join_element_wise(self._source_cell, lines, "")
        self._rejects.write_lines(lines)

    def commit(self) -> None:
        """Move every file into place."""
        for writer in (self._clean, self._rejects):
            writer.commit()

    def discard(self) -> None:
        """Delete every temporary file; the targets stay as they were."""
        for writer in (self._clean, self._rejects):
            writer.discard()
