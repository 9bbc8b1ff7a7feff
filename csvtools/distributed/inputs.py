"""The inputs of a distributed run: paths and globs expanded in order, each file's kind, the output folder."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import overload

import numpy as np

from ..errors import InputFileError, OutputFileError

__all__ = ["ORDER_LINE_BITS", "InputFile", "expand_inputs", "input_and_line", "order_of", "check_out_dir"]

#: An input's place in the run and a line of it share one int64 "order" key: (input << 40) | line.
ORDER_LINE_BITS = 40
_PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class InputFile:
    """One input file: its position in the run (``index``), its path as named (``path``, as reports
    and rejects show it) and as workers open it (``location``, absolute), and ``kind`` (``csv`` or ``parquet``)."""

    index: int
    path: str
    location: str
    kind: str


@overload
def order_of(index: int, lines: int) -> int: ...
@overload
def order_of(index: int, lines: np.ndarray) -> np.ndarray: ...
def order_of(index: int, lines: np.ndarray | int) -> np.ndarray | int:
    """The order key of ``lines`` of input ``index``: sorting by it sorts by (input, line).

    Inputs count from 1 in the key, so that no key is a plain line number: settling tells a
    duplicate from a first occurrence by comparing the first occurrence's key with the row's line.
    """
    return ((index + 1) << ORDER_LINE_BITS) | lines


def input_and_line(orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (input index, line) of each order key: :func:`order_of` undone."""
    return (orders >> ORDER_LINE_BITS) - 1, orders & ((1 << ORDER_LINE_BITS) - 1)


def expand_inputs(patterns: Iterable[str | os.PathLike[str]]) -> list[InputFile]:
    """Every file the patterns name, in the order given; a glob's matches in sorted order.

    A pattern that matches nothing, or a path that is not a file, is an
    :class:`~csvtools.InputFileError` naming it. A file named twice counts once
    (its first place), as its rows would otherwise all be duplicates of themselves.
    """
    paths: list[str] = []
    for pattern in (os.fspath(each) for each in patterns):
        if glob.has_magic(pattern):
            matches = sorted(path for path in glob.glob(pattern, recursive=True) if os.path.isfile(path))
            if not matches:
                raise InputFileError(f"{pattern}: no file matches")
            paths.extend(matches)
        elif os.path.isdir(pattern):
            raise InputFileError(
                f"{pattern}: is a directory (name its files, or a glob such as {pattern}/*.csv)"
            )
        elif not os.path.exists(pattern):
            raise InputFileError(f"{pattern}: no such file")
        else:
            paths.append(pattern)
    seen: set[str] = set()
    inputs: list[InputFile] = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            inputs.append(InputFile(len(inputs), path, os.path.abspath(path), _kind(path)))
    if len(inputs) + 1 >= 1 << (63 - ORDER_LINE_BITS):
        raise InputFileError(f"{len(inputs)} files are more than one run can number")
    return inputs


def check_out_dir(out_dir: str, inputs: list[InputFile], folders: Iterable[str]) -> None:
    """Refuse an output folder whose parts would replace an input (an output never replaces its input)."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise OutputFileError(f"{out_dir}: is not a directory")
    targets = [os.path.realpath(os.path.join(out_dir, folder)) for folder in folders]
    for item in inputs:
        real = os.path.realpath(item.path)
        for target in targets:
            if os.path.commonpath([real, target]) == target:
                raise OutputFileError(
                    f"{item.path}: is inside the output folder {target}, which the run replaces"
                )


def _kind(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(_PARQUET_MAGIC))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return "parquet" if start == _PARQUET_MAGIC else "csv"
