"""The options that say how to read a contact file, declared once for every command that reads one.

``csvtools validate`` and ``csvtools clean`` take them, and so do ``uploader run`` and
``uploader plan``: an option added here reaches all four commands in one change. Each
option's name is the :class:`csvtools.Options` field it sets.

    >>> import click, csvtools
    >>> from csvtools import file_options
    >>> @click.command()
    ... @click.argument("file")
    ... @file_options(gather="options")
    ... def check(file, options):
    ...     print(csvtools.validate_file(file, **options).clean)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .options import LEVELS, NUMBER_TYPES

__all__ = ["FILE_OPTION_NAMES", "file_options"]

F = TypeVar("F", bound=Callable[..., Any])


def _declarations() -> list[tuple[list[str], dict[str, Any]]]:
    """Each option as click declares it: its names, then its settings."""
    return [
        (
            ["--region"],
            {"metavar": "CC", "help": "Default region for national numbers: IN, GB, US, Germany, +49."},
        ),
        (
            ["--column"],
            {
                "metavar": "NAME",
                "multiple": True,
                "help": "The phone column, when it cannot be found by name; repeat it to take each row's first"
                " non-empty one (--column Mobile --column Phone).",
            },
        ),
        (
            ["--level"],
            {
                "type": click.Choice(LEVELS),
                "default": "valid",
                "show_default": True,
                "help": "'possible' also keeps numbers of ranges libphonenumber does not know yet.",
            },
        ),
        (["--encoding"], {"metavar": "E", "help": "Force the input encoding (default: detected)."}),
        (
            ["--delimiter"],
            {"metavar": "D", "help": "Force the delimiter (default: sniffed among , ; tab |)."},
        ),
        (
            ["--types"],
            {
                "metavar": "LIST",
                "help": f"Number types to keep, comma-separated, among {', '.join(NUMBER_TYPES)} "
                "[default: all but premium_rate]; mobile includes fixed_line_or_mobile.",
            },
        ),
        (
            ["--suppress"],
            {
                "metavar": "FILE",
                "multiple": True,
                "help": "A do-not-call list (CSV or one number a line): its numbers are rejected. Repeatable.",
            },
        ),
        (
            ["--sheet"],
            {
                "metavar": "NAME|INDEX",
                "help": "A workbook's sheet, by name or position from 1 [default: the first].",
            },
        ),
        (
            ["--region-column"],
            {
                "metavar": "NAME",
                "help": "The column holding each row's country [default: a header like Country or Country/Region].",
            },
        ),
        (
            ["--no-region-column", "detect_region_column"],
            {
                "is_flag": True,
                "flag_value": False,
                "default": True,
                "help": "Do not look for a country column by its header.",
            },
        ),
        (
            ["--strict-region"],
            {
                "is_flag": True,
                "help": "Reject international numbers of another country than the row's country column says.",
            },
        ),
    ]


#: The keyword each option gives its command, as :class:`csvtools.Options` names it.
FILE_OPTION_NAMES: tuple[str, ...] = tuple(
    str(click.Option(names, **settings).name) for names, settings in _declarations()
)


def file_options(gather: str | None = None) -> Callable[[F], F]:
    """A click decorator adding the contact-file options to a command.

    Without ``gather`` each option arrives as its own keyword. With
    ``gather="name"`` the command gets one keyword ``name``: a dict of the
    options the user gave (those left at their default are absent), ready for
    ``csvtools.Options(**name)`` or ``clean_file(..., **name)``.
    """

    def decorate(command: F) -> F:
        declarations = _declarations()
        if gather is not None:
            defaults = {
                name: settings.get("default") for name, (_, settings) in zip(FILE_OPTION_NAMES, declarations)
            }

            @functools.wraps(command)
            def gathered(*args: Any, **kwargs: Any) -> Any:
                given = {name: kwargs.pop(name) for name in FILE_OPTION_NAMES}
                kwargs[gather] = {
                    name: value for name, value in given.items() if value not in (None, (), defaults[name])
                }
                return command(*args, **kwargs)

            target: Any = gathered
        else:
            target = command
        for names, settings in reversed(declarations):
            target = click.option(*names, **settings)(target)
        return target

    return decorate
