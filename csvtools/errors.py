"""Exceptions of csvtools: raised only when a run cannot go on.

Bad rows are never exceptions; they are :class:`csvtools.Rejection` records.

    CsvToolsError
    ├── InputFileError     the input is missing, unreadable, empty, binary or undecodable
    ├── ColumnError        no phone column, or more than one candidate; an empty or repeated header name
    └── OutputFileError    an output path cannot be written
"""

from __future__ import annotations


class CsvToolsError(Exception):
    """Root of every error csvtools raises."""


class InputFileError(CsvToolsError):
    """The input file cannot be read as a CSV."""


class ColumnError(CsvToolsError):
    """The phone column cannot be decided."""


class OutputFileError(CsvToolsError):
    """An output file cannot be written."""
