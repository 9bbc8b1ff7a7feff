"""Validate and clean contact CSVs: every number to E.164, every bad row with a reason.

    >>> from csvtools import clean_file
    >>> report = clean_file("contacts.csv", "clean.csv", region="IN")
    >>> report.rows == report.clean + report.rejected
    True
"""

from .chunk import clean_chunk
from .errors import ColumnError, CsvToolsError, InputFileError, OutputFileError
from .phone import REASONS, NumberResult, normalize_number
from .pipeline import clean_file, validate_file
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
    "normalize_number",
    "validate_file",
]

__version__ = "0.1.0"
