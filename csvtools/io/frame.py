"""A pandas DataFrame as a contact list: its columns as the header, its rows as the same records a file gives.

Each cell becomes text as a workbook's does (:func:`.workbook.cell_text`): a
float column's ``919876543210.0`` is ``919876543210``, a missing value
(``NaN``, ``None``, ``pd.NA``, ``NaT``) an empty cell, a string stays as it is.
A row's line is its position as in a CSV of the frame: header = 1, first row = 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .records import Block, Chunk, without_blank_rows
from .workbook import EXACT_INTEGERS, cell_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_NAME", "FrameSource", "column_text", "float_column_text"]

#: What a report calls a frame's rows, in place of a file name.
FRAME_NAME = "<DataFrame>"

FIRST_LINE = 2


def column_text(column: pd.Series) -> pa.Array:
    """One column of a frame as Arrow strings: missing values empty, every other cell :func:`cell_text`."""
    import pandas as pd

    missing = pd.isna(column).to_numpy()
    values = column.to_numpy(dtype=object)
    return pa.array(
        [
            "" if gone else cell_text(value.item() if isinstance(value, np.generic) else value)
            for value, gone in zip(values, missing)
        ],
        type=pa.string(),
    )


def float_column_text(column: pa.Array) -> pa.Array:
    """An Arrow float column as :func:`column_text` writes a frame's: ``12025550123.0`` as ``12025550123``.

    Arrow's own cast writes ``1.2025550123e+10``. Null and NaN are empty;
    integral values within a float's exact range are their digits (as
    :func:`.workbook.cell_text`, vectorized), any other value its ``repr``.
    """
    values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    missing = np.isnan(values)
    integral = ~missing & (np.abs(values) < EXACT_INTEGERS) & (np.floor(values) == values)
    texts = np.full(len(values), "", dtype=object)
    texts[integral] = (
        pa.array(values[integral].astype(np.int64)).cast(pa.string()).to_numpy(zero_copy_only=False)
    )
    rest = ~missing & ~integral
    texts[rest] = [cell_text(float(value)) for value in values[rest]]
    return pa.array(texts, type=pa.string())


class FrameSource:
    """A DataFrame's rows, with the interface of :class:`~.source.CsvSource`."""

    encoding = None
    delimiter = None
    sheet = None

    def __init__(self, frame: pd.DataFrame) -> None:
        self.path = FRAME_NAME
        self.size = len(frame)
        self.header = [cell_text(name) for name in frame.columns]
        self.header_line = 1
        self._frame: pd.DataFrame | None = frame
        self._done = 0

    def pieces(self, chunk_rows: int, block_bytes: int = 0, tail_blocks: int = 1) -> Iterator[Block | Chunk]:
        """The rows as :class:`Chunk` s of at most ``chunk_rows``."""
        frame = self._frame
        assert frame is not None, "the source is closed"
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start : start + chunk_rows]
            self._done = start + len(part)
            yield without_blank_rows(
                np.arange(FIRST_LINE + start, FIRST_LINE + self._done, dtype=np.int64),
                [column_text(part.iloc[:, at]) for at in range(part.shape[1])],
            )

    def bytes_read(self) -> int:
        """Rows done so far (the frame's ``size`` counts rows), for progress callbacks."""
        return self._done

    def check_unchanged(self) -> None:
        """Nothing to check: a frame in memory has no file to change."""

    def close(self) -> None:
        self._frame = None

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
