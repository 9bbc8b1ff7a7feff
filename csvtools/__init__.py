"""Validate and clean contact CSVs: every number to E.164, every bad row with a reason.

A run flows through three stages, one subpackage each: :mod:`csvtools.io`
reads the file (and, at the end, writes the outputs), :mod:`csvtools.numbers`
judges each number, :mod:`csvtools.run` drives the run and settles what needs
the whole file (duplicates, counts). :mod:`csvtools.distributed` drives the
same stages over many files on a Dask cluster (an extra: ``[dask]``).

    >>> from csvtools import clean_file
    >>> report = clean_file("contacts.csv", "clean.csv", region="IN")
    >>> report.rows == report.clean + report.rejected + report.blank
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
    from .click_options import file_options
    from .errors import ColumnError, CsvToolsError, InputFileError, OutputFileError
    from .html_report import render_html
    from .io.formulas import neutralize_formula
    from .io.naming import output_paths
    from .io.rows import FileRows, read_header, read_rows, record_lines, sheet_names
    from .numbers.chunk import clean_chunk
    from .numbers.reference import NumberResult, normalize_number, time_zones_for
    from .options import DEFAULT_TYPES, NUMBER_TYPES, Options
    from .reasons import REASONS
    from .report import Rejection, Report
    from .run.frame import clean_frame
    from .run.pipeline import clean_file, validate_file

__all__ = [
    "REASONS",
    "ColumnError",
    "CsvToolsError",
    "InputFileError",
    "NumberResult",
    "Options",
    "OutputFileError",
    "Rejection",
    "Report",
    "clean_chunk",
    "clean_file",
    "neutralize_formula",
    "normalize_number",
    "output_paths",
    "validate_file",
    "time_zones_for",
    "clean_frame",
    "render_html",
    "file_options",
    "DEFAULT_TYPES",
    "NUMBER_TYPES",
    "FileRows",
    "read_header",
    "read_rows",
    "record_lines",
    "sheet_names",
    "__version__",
]

# Importing the package loads nothing heavy: each public name is imported from its module on
# first use. The command line needs that to set up its process before numpy loads (__main__).
_MODULE_OF = {
    "REASONS": "reasons",
    "Options": "options",
    "NumberResult": "numbers.reference",
    "normalize_number": "numbers.reference",
    "clean_chunk": "numbers.chunk",
    "ColumnError": "errors",
    "CsvToolsError": "errors",
    "InputFileError": "errors",
    "OutputFileError": "errors",
    "Rejection": "report",
    "Report": "report",
    "clean_file": "run.pipeline",
    "validate_file": "run.pipeline",
    "output_paths": "io.naming",
    "neutralize_formula": "io.formulas",
    "time_zones_for": "numbers.reference",
    "clean_frame": "run.frame",
    "render_html": "html_report",
    "file_options": "click_options",
    "DEFAULT_TYPES": "options",
    "NUMBER_TYPES": "options",
    "FileRows": "io.rows",
    "read_header": "io.rows",
    "read_rows": "io.rows",
    "record_lines": "io.rows",
    "sheet_names": "io.rows",
}


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
