"""The ``csvtools`` command: a thin layer over the library.

Exit codes: 0 all good (``clean``: files written), 1 ``validate`` found rows
that would be rejected, 2 a file could not be processed or the usage is wrong.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ._version import VERSION_LINE, __version__
from .click_options import file_options
from .errors import CsvToolsError
from .io.atomic import AtomicFile, atomic_write_text
from .io.guard import check_output_paths
from .io.naming import rejects_path_for
from .io.spool import STDIN, is_stream, spooled
from .process import load_for_command

if TYPE_CHECKING:
    from .report import Report

# The report and its renderings (cli_output, html_report, json_text) are imported by the
# commands that print them: `csvtools --help` does without them (about 15 ms of its start-up).

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2


# The run's modules (pyarrow, phonenumbers) load when a command runs, not for --help.
def _pipeline() -> Any:
    return load_for_command("csvtools.run.pipeline", without_pandas=True)


def validate_file(*args: Any, **kwargs: Any) -> Report:
    """:func:`csvtools.validate_file`, its modules loaded on the first call."""
    return _pipeline().validate_file(*args, **kwargs)


def clean_file(*args: Any, **kwargs: Any) -> Report:
    """:func:`csvtools.clean_file`, its modules loaded on the first call."""
    return _pipeline().clean_file(*args, **kwargs)


ENGINES = ("default", "dask")


_PROGRESS_MIN_BYTES = 5 * 1024 * 1024


def _run_options(command: Callable) -> Callable:
    """The options of csvtools' own runs, beside the contact-file options every reader shares."""
    options = [
        click.option(
            "--keep-duplicates", is_flag=True, help="Keep repeated numbers instead of rejecting them."
        ),
        click.option(
            "--workers",
            type=click.IntRange(0, 64),
            default=0,
            help="Processes that judge numbers in parallel [default 0: one per core for files over 16 MB].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="csvtools", message=VERSION_LINE)
def cli() -> None:
    """Validate and clean contact CSVs for outbound call batches."""


_quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing but the errors of files that cannot be processed."
)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@file_options()
@_run_options
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
    files: tuple[str, ...], output_format: str, html_path: str | None, quiet: bool, **options: Any
) -> None:
    """Check FILES without writing anything; exit 1 if any row would be rejected.

    A FILE of - is standard input (a file named - is ./-).

    \b
    Example:
      csvtools validate contacts.csv --region IN --format github
      cat contacts.csv | csvtools validate - --quiet
    """
    from .cli_output import SHOWN_REJECTIONS, escape, github_annotations, summary
    from .io.json_text import json_text

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
        limit = _shown_rejections(SHOWN_REJECTIONS if output_format == "text" else None, html_path)
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
                click.echo(f"::error file={escape(path, True)}::{escape(_message(exc))}")
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
            click.echo(summary(report))
        elif output_format == "github":
            click.echo(github_annotations(report))
    if output_format == "json" and not quiet:
        payload = entries[0] if len(files) == 1 else entries
        click.echo(json_text(payload))
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
@file_options()
@_run_options
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
    **options: Any,
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
    from .cli_output import SHOWN_REJECTIONS, summary
    from .html_report import render_html

    if engine == "dask":
        _clean_with_dask(file, out, rejects, report_path, html_path, quiet, scheduler, options)
    if len(file) != 1:
        raise click.UsageError("the default engine cleans one FILE; several need --engine dask")
    if scheduler:
        raise click.UsageError("--scheduler needs --engine dask")
    path = file[0]
    to_stdout = out == STDIN
    if to_stdout and not rejects:
        _fail_line(path, "--rejects PATH is required when the clean CSV goes to standard output (-o -)")
        sys.exit(EXIT_FAILED)
    rejects = rejects or rejects_path_for(out)
    try:
        if html_path:  # the page is an output too: never the input, nor another output
            check_output_paths(
                None if is_stream(path) else path,
                [
                    ("clean", None if to_stdout else out),
                    ("rejects", rejects),
                    ("report", report_path),
                    ("html", html_path),
                ],
            )
        with _readable(path) as readable, _clean_target(to_stdout, out) as target:
            # Every rejected line is in the rejects file; the report keeps them all only when asked.
            limit = _shown_rejections(None if report_path else SHOWN_REJECTIONS, html_path)
            run = functools.partial(
                clean_file,
                readable,
                target,
                rejects,
                **options,
                max_rejections=limit,
                name=path,
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
        _fail_line(path, exc)
        sys.exit(EXIT_FAILED)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not quiet:
        click.echo(summary(report), err=to_stdout)
    sys.exit(EXIT_OK)


def _shown_rejections(limit: int | None, html_path: str | None) -> int | None:
    """The rejected lines a run keeps in its report: the page lists more than the text summary."""
    if limit is None or not html_path:
        return limit
    from .html_report import SHOWN_ROWS

    return max(limit, SHOWN_ROWS)


def _write_html(path: str, reports: list[Report], errors: dict[str, str]) -> bool:
    from .html_report import render_html

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

    from .cli_output import summary

    clean_files = load_for_command("csvtools.distributed", without_pandas=True).clean_files

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
        click.echo(summary(report))
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


def main() -> None:
    """Run the command line (the process is set up first by :func:`csvtools.__main__.main`)."""
    cli(prog_name="csvtools")
