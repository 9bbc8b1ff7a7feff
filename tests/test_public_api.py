"""The public surface is deliberate: pinned here, and every command is in the docs."""

import re
from pathlib import Path

import csvtools
import uploader
from csvtools.cli import cli as csvtools_cli
from uploader.cli import cli as uploader_cli

DOCS = Path(__file__).resolve().parent.parent / "docs"
# The pages people read, as written (the CLI reference is generated, so it cannot stand in for them).
PAGES = "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md")))
CLEANING = (DOCS / "cleaning.md").read_text(encoding="utf-8")


def test_csvtools_exports():
    assert sorted(csvtools.__all__) == sorted(
        [
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
    )
    assert all(hasattr(csvtools, name) for name in csvtools.__all__)


def test_uploader_exports():
    assert sorted(uploader.__all__) == sorted(
        [
            "APIConnectionError",
            "APIStatusError",
            "APITimeoutError",
            "ActionResult",
            "AmbiguousCreateError",
            "AuthenticationError",
            "BadRequestError",
            "Batch",
            "BatchClient",
            "BatchFailedError",
            "ConfigError",
            "ConflictError",
            "Execution",
            "LedgerError",
            "NotFoundError",
            "RateLimitError",
            "RejectedRowsError",
            "ScheduleTimeError",
            "ServerError",
            "UploadInProgressError",
            "UploaderError",
            "WaitTimeoutError",
            "Account",
            "InsufficientBalanceError",
        ]
    )
    assert all(hasattr(uploader, name) for name in uploader.__all__)


def test_every_exception_has_one_root():
    for name in uploader.__all__:
        value = getattr(uploader, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, uploader.UploaderError), name
    for name in ("ColumnError", "InputFileError", "OutputFileError"):
        assert issubclass(getattr(csvtools, name), csvtools.CsvToolsError)


def test_docs_reason_table_is_the_reason_table():
    """The cleaning page's table of reason codes lists every code, in order, with csvtools.REASONS' meaning."""
    section = CLEANING.split("## Reason codes", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \|$", section, re.M)
    assert rows == list(csvtools.REASONS.items())


def test_every_command_is_in_the_docs():
    for group, program in ((csvtools_cli, "csvtools"), (uploader_cli, "uploader")):
        for command in group.commands:
            # As it is typed: a bare word ("run", "list") would be found in any prose.
            assert re.search(rf"\b{program}(?: \[[^\]]*\]| --\S+)* {command}\b", PAGES), (
                f"{program} {command}"
            )
