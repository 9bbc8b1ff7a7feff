"""Validate and clean contact CSVs: every number to E.164, every bad row with a reason.

    >>> from csvtools import clean_file
    >>> report = clean_file("contacts.csv", "clean.csv", region="IN")
    >>> report.rows == report.clean + report.rejected
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chunk import clean_chunk
    from .errors import ColumnError, CsvToolsError, InputFileError, OutputFileError
    from .phone import REASONS, NumberResult, normalize_number
    from .pipeline import clean_file, output_paths, validate_file
    from .writing import neutralize_formula
    from .report import Rejection, Report

__all__ = [
    "REASONS",
    "ColumnError",
    "CsvToolsError",
    "InputFileError",
    "NumberResult",
    "OutputFileError",
    "Rejection",
    "Report",
    "clean_chunk",
    "clean_file",
    "neutralize_formula",
    "normalize_number",
    "output_paths",
    "validate_file",
]

__version__ = "0.1.0"

# Importing the package loads nothing heavy: each public name is imported from its module on
# first use. The command line needs that to set up its process before numpy loads (__main__).
_MODULE_OF = {
    "REASONS": "phone", "NumberResult": "phone", "normalize_number": "phone",
    "ColumnError": "errors", "CsvToolsError": "errors", "InputFileError": "errors", "OutputFileError": "errors",
    "Rejection": "report", "Report": "report",
    "clean_chunk": "chunk", "clean_file": "pipeline", "validate_file": "pipeline", "output_paths": "pipeline",
    "neutralize_formula": "writing",
}


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
