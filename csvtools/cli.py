"""The ``csvtools`` command: a thin layer over the library.

Exit codes: 0 all good (``clean``: files written), 1 ``validate`` found rows
that would be rejected, 2 a file could not be processed or the usage is wrong.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

import click

from .errors import CsvToolsError
from .io.atomic import atomic_write_text
from .io.naming import rejects_path_for
from .options import LEVELS
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
        click.option("--region", metavar="CC", help="Default region for national numbers, e.g. IN, GB, US."),
        click.option("--column", metavar="NAME", help="The phone column, when it cannot be found by name."),
        click.option("--level", type=click.Choice(LEVELS), default="valid", show_default=True,
                     help="'possible' also keeps numbers of ranges libphonenumber does not know yet."),
        click.option("--keep-duplicates", is_flag=True, help="Keep repeated numbers instead of rejecting them."),
        click.option("--encoding", metavar="E", help="Force the input encoding (default: detected)."),
        click.option("--delimiter", metavar="D", help="Force the delimiter (default: sniffed among , ; tab |)."),
        click.option("--workers", type=click.IntRange(0, 64), default=0,
                     help="Processes that judge numbers in parallel [default 0: one per core for files over 16 MB]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="contact-batch-tools")
def cli() -> None:
    """Validate and clean contact CSVs for outbound call batches."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@_number_options
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="json prints the library's report; github prints CI annotations.")
def validate(files: tuple[str, ...], output_format: str, **options: object) -> None:
    """Check FILES without writing anything; exit 1 if any row would be rejected.

    \b
    Example:
      csvtools validate contacts.csv --region IN --format github
    """
    exit_code = EXIT_OK
    reports = []
    for path in files:
        # Text shows a few rejected lines; json and github show them all.
        limit = _SHOWN_REJECTIONS if output_format == "text" else None
        try:
            report = validate_file(path, **options, max_rejections=limit, on_progress=_progress_bar(path))
        except CsvToolsError as exc:
            _fail_line(path, exc)
            exit_code = EXIT_FAILED
            continue
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        reports.append(report)
        if not report.valid:
            exit_code = max(exit_code, EXIT_REJECTED)
        if output_format == "text":
            click.echo(_summary(report))
        elif output_format == "github":
            click.echo(_annotations(report))
    if output_format == "json":
        payload = reports[0].to_dict() if len(files) == 1 and reports else [r.to_dict() for r in reports]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    sys.exit(exit_code)


@cli.command()
@click.argument("file", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("-o", "--output", "out", required=True, metavar="CLEAN",
              help="Where the clean CSV goes (with --engine dask: the output folder).")
@click.option("--rejects", metavar="REJECTS", help="Where rejected rows go [default: CLEAN with .rejects.csv].")
@click.option("--report", "report_path", metavar="REPORT.json", help="Also write the JSON report here.")
@_number_options
@click.option("--engine", type=click.Choice(ENGINES), default="default", show_default=True,
              help="dask: clean several CSV or Parquet files (paths or globs) as one run on a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: the cluster's scheduler, e.g. tcp://10.0.0.5:8786 [default: a local cluster].")
def clean(file: tuple[str, ...], out: str, rejects: str | None, report_path: str | None, engine: str,
          scheduler: str | None, **options: object) -> None:
    """Write the kept rows of FILE to CLEAN (E.164 in contact_number) and the rest to REJECTS.

    With --engine dask, FILE may be several CSV or Parquet files and globs,
    and CLEAN is a folder: CLEAN/clean/part-*.csv, CLEAN/rejects/part-*.csv
    and CLEAN/report.json.

    \b
    Example:
      csvtools clean export.csv -o clean.csv --region GB
      csvtools clean 'crm/*.csv' --engine dask --scheduler tcp://10.0.0.5:8786 -o out/
    """
    if engine == "dask":
        _clean_with_dask(file, out, rejects, report_path, scheduler, options)
    if len(file) != 1:
        raise click.UsageError("the default engine cleans one FILE; several need --engine dask")
    if scheduler:
        raise click.UsageError("--scheduler needs --engine dask")
    file = file[0]
    rejects = rejects or rejects_path_for(out)
    try:
        # Every rejected line is in the rejects file; the report keeps them all only when asked.
        limit = None if report_path else _SHOWN_REJECTIONS
        report = clean_file(file, out, rejects, **options, max_rejections=limit, on_progress=_progress_bar(file))
        if report_path:
            atomic_write_text(report_path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    except CsvToolsError as exc:
        _fail_line(file, exc)
        sys.exit(EXIT_FAILED)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(_summary(report))
    sys.exit(EXIT_OK)


def _clean_with_dask(patterns: tuple[str, ...], out_dir: str, rejects: str | None, report_path: str | None,
                     scheduler: str | None, options: dict) -> None:
    """``clean --engine dask``: the files as one run on a cluster (:func:`csvtools.distributed.clean_files`)."""
    if rejects or report_path:
        raise click.UsageError("with --engine dask the rejects and report.json go into the -o folder")
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
    click.echo(_summary(report))
    sys.exit(EXIT_OK)


def _fail_line(path: str, exc: Exception) -> None:
    click.echo(f"csvtools: {path}: {exc}", err=True)


def _progress_bar(path: str) -> Callable[[int, int], None] | None:
    """A tqdm bar on an interactive stderr for large files; silence otherwise."""
    try:
        if not sys.stderr.isatty() or os.path.getsize(path) < _PROGRESS_MIN_BYTES:
            return None
    except OSError:
        return None
    from tqdm import tqdm

    bar = tqdm(total=os.path.getsize(path), unit="B", unit_scale=True, desc=os.path.basename(path), leave=False)

    def update(done: int, total: int) -> None:
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _summary(report: Report) -> str:
    lines = [f"{report.file}: {report.rows} rows in, {report.clean} clean, {report.rejected} rejected"
             f" (phone column {report.column!r}, {report.encoding}, delimiter {report.delimiter!r})"]
    if report.by_reason:
        lines.append("  rejected: " + ", ".join(f"{reason} {count}" for reason, count in report.by_reason.items()))
    for rejection in report.rejections[:_SHOWN_REJECTIONS]:
        value = "" if rejection.value is None else f" [{rejection.value}]"
        lines.append(f"  line {rejection.line}: {rejection.reason}: {rejection.detail}{value}")
    hidden = report.rejected - min(len(report.rejections), _SHOWN_REJECTIONS)
    if hidden:
        lines.append(f"  … and {hidden} more (see the rejects file or --format json)")
    for reading, note in _READING_NOTES.items():
        if report.by_reading.get(reading):
            lines.append(f"  note: {report.by_reading[reading]} numbers {note}")
    if report.by_country:
        lines.append("  countries: " + ", ".join(f"{region} {count}" for region, count in report.by_country.items()))
    if report.clean_path:
        lines.append(f"  wrote {report.clean} rows to {report.clean_path}, {report.rejected} to {report.rejects_path}")
    return "\n".join(lines)


def _annotations(report: Report) -> str:
    lines = [
        f"::error file={_escape(report.file, True)},line={rejection.line},title={rejection.reason}::"
        f"{_escape(rejection.detail)}"
        for rejection in report.rejections
    ]
    lines.append(f"{report.file}: {report.rows} rows in, {report.clean} clean, {report.rejected} rejected")
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
