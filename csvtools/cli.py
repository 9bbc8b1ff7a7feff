"""The ``csvtools`` command: a thin layer over the library.

Exit codes: 0 all good (``clean``: files written), 1 ``validate`` found rows
that would be rejected, 2 a file could not be processed or the usage is wrong.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from .errors import CsvToolsError
from .html_report import SHOWN_ROWS, render_html
from .io.atomic import AtomicFile, atomic_write_text
from .io.guard import check_output_paths
from .io.naming import rejects_path_for
from .io.spool import STDIN, is_stream, spooled
from .options import LEVELS, NUMBER_TYPES
from .report import Report
from .run.pipeline import clean_file, validate_file

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2
ENGINES = ("default", "dask")
_PROGRESS_MIN_BYTES = 5 * 1024 * 1024
_SHOWN_REJECTIONS = 20

_READING_NOTES = {
    "plus_added": "had no + and were read as international; rerun with --region if they are national",
    "00_as_plus": "began with 00, read as +",
    "national": "were read as national numbers of the --region",
}


def _number_options(command: Callable) -> Callable:
    options = [
        click.option(
            "--region", metavar="CC", help="Default region for national numbers: IN, GB, US, Germany, +49."
        ),
        click.option(
            "--column",
            metavar="NAME",
            multiple=True,
            help="The phone column, when it cannot be found by name; repeat it to take each row's first"
            " non-empty one (--column Mobile --column Phone).",
        ),
        click.option(
            "--level",
            type=click.Choice(LEVELS),
            default="valid",
            show_default=True,
            help="'possible' also keeps numbers of ranges libphonenumber does not know yet.",
        ),
        click.option(
            "--keep-duplicates", is_flag=True, help="Keep repeated numbers instead of rejecting them."
        ),
        click.option("--encoding", metavar="E", help="Force the input encoding (default: detected)."),
        click.option(
            "--delimiter", metavar="D", help="Force the delimiter (default: sniffed among , ; tab |)."
        ),
        click.option(
            "--workers",
            type=click.IntRange(0, 64),
            default=0,
            help="Processes that judge numbers in parallel [default 0: one per core for files over 16 MB].",
        ),
        click.option(
            "--types",
            metavar="LIST",
            help=f"Number types to keep, comma-separated, among {', '.join(NUMBER_TYPES)} "
            "[default: all but premium_rate]; mobile includes fixed_line_or_mobile.",
        ),
        click.option(
            "--suppress",
            metavar="FILE",
            multiple=True,
            help="A do-not-call list (CSV or one number a line): its numbers are rejected. Repeatable.",
        ),
        click.option(
            "--sheet",
            metavar="NAME|INDEX",
            help="A workbook's sheet, by name or position from 1 [default: the first].",
        ),
        click.option(
            "--region-column",
            metavar="NAME",
            help="The column holding each row's country [default: a header like Country or Country/Region].",
        ),
        click.option(
            "--no-region-column",
            "detect_region_column",
            is_flag=True,
            flag_value=False,
            default=True,
            help="Do not look for a country column by its header.",
        ),
        click.option(
            "--strict-region",
            is_flag=True,
            help="Reject international numbers of another country than the row's country column says.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="contact-batch-tools")
def cli() -> None:
    """Validate and clean contact CSVs for outbound call batches."""


_quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing but the errors of files that cannot be processed."
)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@_number_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="json prints the library's report; github prints CI annotations.",
)
@click.option(
    "--html", "html_path", metavar="REPORT.html", help="Also write a report page (one file, offline)."
)
@_quiet_option
def validate(
    files: tuple[str, ...], output_format: str, html_path: str | None, quiet: bool, **options: object
) -> None:
    """Check FILES without writing anything; exit 1 if any row would be rejected.

    A FILE of - is standard input (a file named - is ./-).

    \b
    Example:
      csvtools validate contacts.csv --region IN --format github
      cat contacts.csv | csvtools validate - --quiet
    """
    if html_path:  # the page must not replace a file it reports on
        for path in files:
            try:
                check_output_paths(None if is_stream(path) else path, [("html", html_path)])
            except CsvToolsError as exc:
                _fail_line(html_path, exc)
                sys.exit(EXIT_FAILED)
    exit_code = EXIT_OK
    entries = []  # for json: each file's report, or what stopped it, in the order given
    reports, errors = [], {}  # for the page
    for path in files:
        # Text shows a few rejected lines; json and github show them all.
        limit = _shown_rejections(_SHOWN_REJECTIONS if output_format == "text" else None, html_path)
        try:
            with _readable(path) as readable:
                report = validate_file(
                    readable,
                    **options,
                    max_rejections=limit,
                    name=path,
                    on_progress=None if quiet else _progress_bar(readable),
                )
        except _FAILURES as exc:
            _fail_line(path, exc)
            if output_format == "github":
                click.echo(f"::error file={_escape(path, True)}::{_escape(_message(exc))}")
            entries.append({"file": path, "error": _message(exc)})
            errors[path] = _message(exc)
            exit_code = EXIT_FAILED
            continue
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        entries.append(report.to_dict())
        reports.append(report)
        if not report.valid:
            exit_code = max(exit_code, EXIT_REJECTED)
        if quiet:
            continue
        if output_format == "text":
            click.echo(_summary(report))
        elif output_format == "github":
            click.echo(_annotations(report))
    if output_format == "json" and not quiet:
        payload = entries[0] if len(files) == 1 else entries
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    if html_path and not _write_html(html_path, reports, errors):
        exit_code = EXIT_FAILED
    sys.exit(exit_code)


@cli.command()
@click.argument("file", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    metavar="CLEAN",
    help="Where the clean CSV goes (- for standard output; then --rejects is required; "
    "with --engine dask: the output folder).",
)
@click.option(
    "--rejects", metavar="REJECTS", help="Where rejected rows go [default: CLEAN with .rejects.csv]."
)
@click.option("--report", "report_path", metavar="REPORT.json", help="Also write the JSON report here.")
@click.option(
    "--html", "html_path", metavar="REPORT.html", help="Also write a report page (one file, offline)."
)
@_number_options
@_quiet_option
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="default",
    show_default=True,
    help="dask: clean several CSV or Parquet files (paths or globs) as one run on a Dask cluster.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: the cluster's scheduler, e.g. tcp://10.0.0.5:8786 [default: a local cluster].",
)
def clean(
    file: tuple[str, ...],
    out: str,
    rejects: str | None,
    report_path: str | None,
    html_path: str | None,
    quiet: bool,
    engine: str,
    scheduler: str | None,
    **options: object,
) -> None:
    """Write the kept rows of FILE to CLEAN (E.164 in contact_number) and the rest to REJECTS.

    A FILE of - is standard input, a CLEAN of - standard output (a file named - is ./-).
    With --engine dask, FILE may be several CSV or Parquet files and globs,
    and CLEAN is a folder: CLEAN/clean/part-*.csv, CLEAN/rejects/part-*.csv
    and CLEAN/report.json.

    \b
    Example:
      csvtools clean export.csv -o clean.csv --region GB
      cat export.csv | csvtools clean - -o - --rejects bad.csv > clean.csv
      csvtools clean 'crm/*.csv' --engine dask --scheduler tcp://10.0.0.5:8786 -o out/
    """
    if engine == "dask":
        _clean_with_dask(file, out, rejects, report_path, html_path, quiet, scheduler, options)
    if len(file) != 1:
        raise click.UsageError("the default engine cleans one FILE; several need --engine dask")
    if scheduler:
        raise click.UsageError("--scheduler needs --engine dask")
    file = file[0]
    to_stdout = out == STDIN
    if to_stdout and not rejects:
        _fail_line(file, "--rejects PATH is required when the clean CSV goes to standard output (-o -)")
        sys.exit(EXIT_FAILED)
    rejects = rejects or rejects_path_for(out)
    try:
        if html_path:  # the page is an output too: never the input, nor another output
            check_output_paths(
                None if is_stream(file) else file,
                [
                    ("clean", None if to_stdout else out),
                    ("rejects", rejects),
                    ("report", report_path),
                    ("html", html_path),
                ],
            )
        with _readable(file) as readable, _clean_target(to_stdout, out) as target:
            # Every rejected line is in the rejects file; the report keeps them all only when asked.
            limit = _shown_rejections(None if report_path else _SHOWN_REJECTIONS, html_path)
            run = functools.partial(
                clean_file,
                readable,
                target,
                rejects,
                **options,
                max_rejections=limit,
                name=file,
                on_progress=None if quiet else _progress_bar(readable),
            )
            report = (
                _clean_to_stdout(run, readable, target, rejects, report_path)
                if to_stdout
                else run(report_path=report_path)
            )
        if html_path:
            atomic_write_text(html_path, render_html(report))
    except _FAILURES as exc:
        _fail_line(file, exc)
        sys.exit(EXIT_FAILED)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not quiet:
        click.echo(_summary(report), err=to_stdout)
    sys.exit(EXIT_OK)


def _shown_rejections(limit: int | None, html_path: str | None) -> int | None:
    """The rejected lines a run keeps in its report: the page lists more than the text summary."""
    return limit if limit is None or not html_path else max(limit, SHOWN_ROWS)


def _write_html(path: str, reports: list[Report], errors: dict[str, str]) -> bool:
    try:
        atomic_write_text(path, render_html(reports, errors))
    except CsvToolsError as exc:
        _fail_line(path, exc)
        return False
    return True


def _clean_to_stdout(
    run: Callable[..., Report], source: str, clean: str, rejects: str, report_path: str | None
) -> Report:
    """``clean -o -``: the run writes the clean CSV to a temporary file, copied to standard output at the end.

    The report (whose ``clean_path`` is then ``-``) is written here, so its
    path is checked and its temporary file made before the run starts.
    """
    check_output_paths(source, [("rejects", rejects), ("report", report_path)])
    report_file = AtomicFile(report_path) if report_path else None
    try:
        report = run()
        report.clean_path = STDIN
        if report_file is not None:
            report_file.write(report.to_json().encode("utf-8"))
            report_file.commit()
    except BaseException:
        if report_file is not None:
            report_file.discard()
        raise
    with open(clean, "rb") as clean_lines:
        shutil.copyfileobj(clean_lines, sys.stdout.buffer, 1 << 20)
    sys.stdout.flush()
    return report


# What a run cannot get past: one line each. OSError covers io.UnsupportedOperation (also a
# ValueError) and UnicodeError (a forced encoding that does not fit) must not read as usage errors.
_FAILURES = (CsvToolsError, OSError, UnicodeError)


@contextmanager
def _readable(path: str) -> Iterator[str]:
    """``path`` itself, or for ``-`` and pipes a temporary copy of the stream."""
    if not is_stream(path):
        yield path
        return
    if path == STDIN:
        with spooled(sys.stdin.buffer) as copy:
            yield copy
        return
    with open(path, "rb") as stream, spooled(stream) as copy:
        yield copy


@contextmanager
def _clean_target(to_stdout: bool, out: str) -> Iterator[str]:
    """Where ``clean_file`` writes the clean CSV: ``out``, or a temporary file to copy to standard output."""
    if not to_stdout:
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="csvtools-") as directory:
        yield os.path.join(directory, "clean.csv")


def _fail_line(path: str, exc: Exception | str) -> None:
    message = exc if isinstance(exc, str) else _message(exc)
    click.echo(f"csvtools: {path}: {message}", err=True)


def _message(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"cannot decode the file as {exc.encoding}: {exc.reason}; check --encoding"
    if isinstance(exc, OSError) and not isinstance(exc, CsvToolsError):
        return f"cannot read or write: {exc.strerror or exc}"
    return str(exc)


def _clean_with_dask(
    patterns: tuple[str, ...],
    out_dir: str,
    rejects: str | None,
    report_path: str | None,
    html_path: str | None,
    quiet: bool,
    scheduler: str | None,
    options: dict,
) -> None:
    """``clean --engine dask``: the files as one run on a cluster (:func:`csvtools.distributed.clean_files`)."""
    if rejects or report_path:
        raise click.UsageError("with --engine dask the rejects and report.json go into the -o folder")
    if html_path:
        raise click.UsageError(
            "--html is not available with --engine dask: the report is OUT_DIR/report.json"
        )
    if scheduler and options["workers"]:
        raise click.UsageError("--workers sizes a local cluster; with --scheduler the cluster's workers work")
    import logging

    from .distributed import clean_files

    # Dask's shuffle logs each shuffle it starts at WARNING; a run reports its own outcome.
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    try:
        report = clean_files(patterns, out_dir, scheduler, **options)
    except CsvToolsError as exc:
        click.echo(f"csvtools: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not quiet:
        click.echo(_summary(report))
    sys.exit(EXIT_OK)


def _progress_bar(path: str) -> Callable[[int, int], None] | None:
    """A tqdm bar on an interactive stderr for large files; silence otherwise."""
    try:
        if not sys.stderr.isatty() or os.path.getsize(path) < _PROGRESS_MIN_BYTES:
            return None
    except OSError:
        return None
    from tqdm import tqdm

    bar = tqdm(
        total=os.path.getsize(path), unit="B", unit_scale=True, desc=os.path.basename(path), leave=False
    )

    def update(done: int, total: int) -> None:
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _summary(report: Report) -> str:
    read_as = (
        f"sheet {report.sheet!r}"
        if report.sheet is not None
        else f"{report.encoding}, delimiter {report.delimiter!r}"
    )
    lines = [
        f"{report.file}: {report.rows} rows in, {report.clean} clean, {report.rejected} rejected"
        f"{_blank_note(report)} (phone column {report.column!r}, {read_as})"
    ]
    if report.region_column:
        found = (
            "found by its header; --no-region-column ignores it"
            if report.region_column_detected
            else "--region-column"
        )
        default = f", {report.region} where empty" if report.region else ""
        lines.append(
            f"  each row's national numbers read in its country column {report.region_column!r}"
            f" ({found}{default})"
        )
    if report.by_reason:
        lines.append(
            "  rejected: " + ", ".join(f"{reason} {count}" for reason, count in report.by_reason.items())
        )
    for rejection in report.rejections[:_SHOWN_REJECTIONS]:
        value = "" if rejection.value is None else f" [{rejection.value}]"
        lines.append(f"  line {rejection.line}: {rejection.reason}: {rejection.detail}{value}")
    hidden = report.rejected - min(len(report.rejections), _SHOWN_REJECTIONS)
    if hidden:
        where = "the rejects file" if report.rejects_path else "--format json"
        lines.append(f"  … and {hidden} more (see {where})")
    for reading, note in _READING_NOTES.items():
        if report.by_reading.get(reading):
            if reading == "national" and report.region_column:
                note = "were read as national numbers of their row's country"
            lines.append(f"  note: {report.by_reading[reading]} numbers {note}")
    if report.region_mismatches:
        lines.append(
            f"  note: {report.region_mismatches} kept numbers are of another country than their row's"
            " (--strict-region rejects them)"
        )
        for mismatch in report.mismatches[:_SHOWN_REJECTIONS]:
            lines.append(f"  line {mismatch.line}: {mismatch.reason}: {mismatch.detail} [{mismatch.value}]")
    if report.by_column:
        lines.append(
            "  numbers by column: " + ", ".join(f"{name} {count}" for name, count in report.by_column.items())
        )
    if report.by_country:
        lines.append(
            "  countries: " + ", ".join(f"{region} {count}" for region, count in report.by_country.items())
        )
    if report.by_type:
        lines.append("  types: " + ", ".join(f"{kind} {count}" for kind, count in report.by_type.items()))
    for scrub in report.suppression:
        lines.append(
            f"  suppression list {scrub['path']}: {scrub['numbers']} numbers, removed {scrub['removed']} rows"
            f" (sha256 {scrub['sha256'][:12]}…, checked {scrub['checked_at']})"
        )
        if scrub.get("unreadable"):
            lines.append(
                f"  warning: {scrub['unreadable']} lines of {scrub['path']} are no number csvtools can read,"
                " so they suppress nothing: fix the list"
            )
    if report.clean_path:
        lines.append(
            f"  wrote {report.clean} rows to {report.clean_path}, {report.rejected} to {report.rejects_path}"
        )
    return "\n".join(lines)


def _blank_note(report: Report) -> str:
    return f", {report.blank} blank (skipped)" if report.blank else ""


def _annotations(report: Report) -> str:
    lines = [
        f"::error file={_escape(report.file, True)},line={rejection.line},title={rejection.reason}::"
        f"{_escape(rejection.detail)}"
        for rejection in report.rejections
    ]
    lines += [
        f"::warning file={_escape(report.file, True)},line={mismatch.line},title={mismatch.reason}::"
        f"{_escape(mismatch.detail)}"
        for mismatch in report.mismatches
    ]
    lines.append(
        f"{report.file}: {report.rows} rows in, {report.clean} clean, {report.rejected} rejected"
        f"{_blank_note(report)}"
    )
    return "\n".join(lines)


def _escape(text: str, is_property: bool = False) -> str:
    # GitHub workflow-command escaping: properties also escape ':' and ','.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if is_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def main() -> None:
    """Run the command line (the process is set up first by :func:`csvtools.__main__.main`)."""
    cli(prog_name="csvtools")
