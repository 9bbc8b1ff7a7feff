"""Writing one part: a piece's rendered chunks settled with its duplicates into ``clean/`` and ``rejects/``."""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..columns import OUTPUT_COLUMN
from ..io.outputs import Outputs
from ..options import Options
from ..report import Report
from ..run.render import RenderedChunk
from ..run.settle import Settler
from ..run.suppress import SuppressionLists
from .duplicates import PieceRepeats, piece_repeats
from .inputs import InputFile, input_and_line
from .pieces import about

__all__ = ["CLEAN", "REJECTS", "part_name", "write_part"]

CLEAN, REJECTS = "clean", "rejects"


def part_name(number: int) -> str:
    """``part-00007.csv``: parts sort in (input, line) order."""
    return f"part-{number:05d}.csv"


def write_part(
    number: int,
    item: InputFile,
    rendered: list[RenderedChunk],
    repeats: list | None,
    folder: str,
    header: list[str],
    phone_at: int,
    paths: list[str],
    options: Options,
) -> Report:
    """Settle one piece into ``folder/clean/`` and ``folder/rejects/``; return its counts.

    ``repeats`` is what the piece's duplicates are joined from (:func:`.duplicates.piece_repeats`;
    None keeps duplicates); ``paths``
    the inputs by index, to name a first occurrence in another file. The
    suppression lists of ``options`` are read here, once a part (they must be
    readable from every worker); the report's ``suppression`` counts what this
    part removed.
    """
    with about(item.path):
        report = Report(file=item.path)
        outputs = Outputs(
            os.path.join(folder, CLEAN, part_name(number)),
            os.path.join(folder, REJECTS, part_name(number)),
            [OUTPUT_COLUMN, *(name for at, name in enumerate(header) if at != phone_at)],
            header,
            source=item.path,
            rejects_bom=False,
        )  # parts are read by tools, often end to end
        try:
            index = None if repeats is None else PieceRepeats(piece_repeats(repeats, number), item.index)
            with SuppressionLists.load(options.suppress, options) as lists:
                # A suppressed number is suppressed on every line, so it never matters which of its
                # lines the shuffle called first: settling checks the lists before the duplicates.
                settler = Settler(
                    report,
                    outputs,
                    index,
                    phone_at,
                    0,
                    lists=lists,
                    first_places=lambda first: _places(first, item.index, paths),
                )
                for chunk in rendered:
                    settler.settle(chunk)
                report.suppression = lists.records("")
        except BaseException:
            outputs.discard()
            raise
        outputs.commit()
    return report


def _places(first: np.ndarray, own: int, paths: list[str]) -> pa.Array:
    """``line N`` for a first occurrence in the same file, ``line N of FILE`` for one in another."""
    inputs, lines = input_and_line(first)
    where = pa.array(
        ["" if index == own else f" of {path}" for index, path in enumerate(paths)], type=pa.string()
    )
    return pc.binary_join_element_wise(
        "line ", pa.array(lines, type=pa.int64()).cast(pa.string()), where.take(pa.array(inputs)), ""
    )
