"""Writing one part: a piece's rendered chunks settled with its duplicates into ``clean/`` and ``rejects/``."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..columns import OUTPUT_COLUMN
from ..io.atomic import AtomicCsvWriter
from ..io.lines import render_lines
from ..io.outputs import REJECTS_FIELDS
from ..report import Report
from ..run.render import RenderedChunk
from ..run.settle import Settler
from .duplicates import PieceRepeats
from .inputs import ORDER_LINE_BITS, InputFile
from .pieces import about

__all__ = ["CLEAN", "REJECTS", "REJECTS_FILE_FIELD", "part_name", "write_part"]

CLEAN, REJECTS = "clean", "rejects"
#: The column a distributed run's rejects put first: the input the row came from.
REJECTS_FILE_FIELD = "file"


def part_name(number: int) -> str:
    """``part-00007.csv``: parts sort in (input, line) order."""
    return f"part-{number:05d}.csv"


def write_part(number: int, item: InputFile, rendered: list[RenderedChunk], repeats: pd.DataFrame | None,
               folder: str, header: list[str], phone_at: int, paths: list[str]) -> Report:
    """Settle one piece into ``folder/clean/`` and ``folder/rejects/``; return its counts.

    ``repeats`` is the piece's duplicates (None keeps duplicates); ``paths``
    the inputs by index, to name a first occurrence in another file.
    """
    with about(item.path):
        report = Report(file=item.path)
        outputs = _PartOutputs(folder, part_name(number), item.path,
                               [OUTPUT_COLUMN, *(name for at, name in enumerate(header) if at != phone_at)],
                               header)
        try:
            index = None if repeats is None else PieceRepeats(repeats, item.index)
            settler = Settler(report, outputs, index, phone_at, 0,
                              first_places=lambda first: _places(first, item.index, paths))
            for chunk in rendered:
                settler.settle(chunk)
        except BaseException:
            outputs.discard()
            raise
        outputs.commit()
    return report


def _places(first: np.ndarray, own: int, paths: list[str]) -> pa.Array:
    """``line N`` for a first occurrence in the same file, ``line N of FILE`` for one in another."""
    inputs, lines = first >> ORDER_LINE_BITS, first & ((1 << ORDER_LINE_BITS) - 1)
    return pa.array([f"line {line}" if index == own else f"line {line} of {paths[index]}"
                     for index, line in zip(inputs.tolist(), lines.tolist())], type=pa.string())


class _PartOutputs:
    """A part's clean and rejects files (:class:`csvtools.io.outputs.Outputs`, with the input file
    before each rejected line)."""

    def __init__(self, folder: str, name: str, path: str, clean_header: list[str], input_header: list[str]) -> None:
        self._clean = AtomicCsvWriter(os.path.join(folder, CLEAN, name), clean_header)
        try:
            self._rejects = AtomicCsvWriter(os.path.join(folder, REJECTS, name),
                                            [REJECTS_FILE_FIELD, *REJECTS_FIELDS, *input_header])
        except BaseException:
            self._clean.discard()
            raise
        self._file_cell = render_lines([[path]])[0].as_py()[:-1] + ","

    def write_clean(self, lines: pa.Array) -> None:
        self._clean.write_lines(lines)

    def write_rejects(self, lines: pa.Array) -> None:
        if len(lines):
            self._rejects.write_lines(pc.binary_join_element_wise(self._file_cell, lines, ""))

    def commit(self) -> None:
        for writer in (self._clean, self._rejects):
            writer.commit()

    def discard(self) -> None:
        for writer in (self._clean, self._rejects):
            writer.discard()
