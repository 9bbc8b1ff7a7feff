"""Benchmark of one stage: the vectorized judging of a column's distinct values (CPU seconds).

Times :func:`csvtools.numbers.vectorized.judge_array` on the distinct phone
values of the benchmark file, in one process, ``--repeat`` times after a
warm-up, and prints every run and the median. With ``--against DIR`` (a
folder holding another tree's ``csvtools`` package, e.g. from ``git archive
OLD csvtools | tar -x -C DIR``) it alternates the two, so that a change's cost
is measured on the same machine at the same moments:

    python bench/judging.py --rows 200000
    python bench/judging.py --rows 200000 --against /tmp/old
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import data_file  # noqa: E402


def _other_judge(folder: Path):
    """The judge_array of the csvtools package in ``folder``, imported under another name."""
    copy = Path(tempfile.mkdtemp(prefix="judging-"))
    shutil.copytree(folder / "csvtools", copy / "csvtools_other")
    sys.path.insert(0, str(copy))
    return importlib.import_module("csvtools_other.numbers.vectorized").judge_array


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="CPU seconds of the vectorized judging of distinct values")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--against", type=Path, help="a folder with another csvtools package to alternate with"
    )
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    args = parser.parse_args(argv)

    import pyarrow as pa
    import pyarrow.csv as pcsv

    from csvtools.numbers.vectorized import judge_array

    table = pcsv.read_csv(
        data_file(args.rows, args.seed, args.data_dir),
        convert_options=pcsv.ConvertOptions(column_types={"phone": pa.string()}),
    )
    values = table.column("phone").combine_chunks().unique()
    judges = {"this tree": judge_array}
    if args.against:
        judges["--against"] = _other_judge(args.against)
    runs: dict[str, list[float]] = {name: [] for name in judges}
    for judge in judges.values():
        judge(values, None, "valid")  # warm-up: metadata, pattern caches
    for turn in range(args.repeat):
        order = list(judges.items()) if turn % 2 == 0 else list(reversed(judges.items()))
        for name, judge in order:
            started = time.process_time()
            judge(values, None, "valid")
            runs[name].append(time.process_time() - started)
    print(f"{len(values):,} distinct values of {args.rows:,} rows; CPU seconds per run, median first")
    for name, times in runs.items():
        print(f"{name:>10}: {statistics.median(times):.3f}  ({', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()
