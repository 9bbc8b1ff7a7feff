"""A pandas DataFrame through the same run as a file: the clean frame, the rejects frame and the report."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

import numpy as np

from ..columns import OUTPUT_COLUMN
from ..io.frame import FIRST_LINE, FrameSource, column_text
from ..io.records import blank_rows
from ..options import Options
from ..report import Report
from .pipeline import run_source

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["clean_frame"]

#: The columns the rejects frame puts before the input's own (as the rejects CSV does).
REJECT_COLUMNS = ("line", "reason", "detail")


def clean_frame(
    frame: pd.DataFrame,
    column: str | None = None,
    region: str | None = None,
    *,
    options: Options | None = None,
    **settings: object,
) -> tuple[pd.DataFrame, pd.DataFrame, Report]:
    """Judge every row of ``frame`` as :func:`~csvtools.clean_file` judges a file's.

    Returns ``(clean, rejects, report)``. ``clean`` holds the kept rows:
    ``contact_number`` (E.164) first, then every column but the phone
    column, with their values and dtypes as they were. ``rejects`` holds the
    rejected rows: ``line``, ``reason`` and ``detail``, then every column as
    it was. Both keep ``frame``'s index labels. A row's ``line`` is its
    position as in a CSV of the frame (header = 1, first row = 2), which the
    duplicate details refer to. ``column``, ``region``, ``options`` and
    ``settings`` are as for :func:`~csvtools.clean_file`; the report lists
    every rejected row.
    """
    import pandas as pd
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    changes = {name: value for name, value in (("column", column), ("region", region)) if value is not None}
    options = Options.of(options, **changes, **settings, max_rejections=None)
    source = FrameSource(frame)
    header = list(source.header)
    with tempfile.TemporaryDirectory(prefix="csvtools-frame-") as directory:
        clean_path, rejects_path = (
            os.path.join(directory, "clean.csv"),
            os.path.join(directory, "rejects.csv"),
        )
        report = run_source(source, options, clean_path, rejects_path)
        numbers = arrow_csv.read_csv(
            clean_path,
            convert_options=arrow_csv.ConvertOptions(
                include_columns=[OUTPUT_COLUMN], column_types={OUTPUT_COLUMN: pa.string()}
            ),
        )
    report.clean_path = report.rejects_path = None  # the files were the run's own, and are gone

    assert report.column is not None  # a run that returned found its phone column
    phone_at = header.index(report.column)
    lines = np.array([rejection.line for rejection in report.rejections], dtype=np.int64)
    rejected_at = lines - FIRST_LINE
    # Blank rows were skipped, as a file's are: neither kept nor rejected (the report counts them).
    kept = ~blank_rows([column_text(frame.iloc[:, at]) for at in range(frame.shape[1])])
    kept[rejected_at] = False

    clean = frame.iloc[np.flatnonzero(kept), [at for at in range(frame.shape[1]) if at != phone_at]].copy()
    clean.insert(0, OUTPUT_COLUMN, pd.array(numbers.column(OUTPUT_COLUMN).to_pylist(), dtype=object))
    rejects = frame.iloc[rejected_at].copy()
    for at, (name, values) in enumerate(
        zip(
            REJECT_COLUMNS,
            (lines, [r.reason for r in report.rejections], [r.detail for r in report.rejections]),
        )
    ):
        rejects.insert(at, name, values, allow_duplicates=True)
    return clean, rejects, report
