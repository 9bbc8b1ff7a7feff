"""Benchmark: ``csvtools clean --workers N`` against ``--engine dask`` on a local cluster of N workers.

All three run on the same generated file (``bench/generate.py``), in turn,
``--repeat`` times; every run is printed and the medians count:

- ``pool``: ``csvtools clean FILE --workers N`` (one machine's process pool);
- ``dask``: ``csvtools clean FILE --engine dask --workers N``, which starts a
  ``LocalCluster`` of N worker processes for the run and closes it after;
- ``dask, running cluster``: the same against a 2-worker cluster this script
  started before the runs (``--scheduler``) and warmed by one untimed run, so
  neither the cluster's start nor its workers' first imports are timed.

The script checks that every run kept the same numbers (with ``--files``,
the dask runs: the pool cleans each file alone, duplicates per file).

    python bench/dask_run.py --rows 1000000 --repeat 5
    python bench/dask_run.py --rows 1000000 --files 8     # the rows split over 8 files
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import data_file, median, timed  # noqa: E402


def split(source: Path, files: int, directory: Path) -> list[Path]:
    """``source``'s rows in ``files`` files of about equal size, each with the header."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    size = -(-len(body) // files)
    paths = []
    for number in range(files):
        path = directory / f"part{number:03d}.csv"
        path.write_text(header + "".join(body[number * size : (number + 1) * size]), encoding="utf-8")
        paths.append(path)
    return paths


def kept(paths: list[Path]) -> list[str]:
    numbers = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            numbers += [row["contact_number"] for row in csv.DictReader(handle)]
    return sorted(numbers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="csvtools --workers N against --engine dask with N local workers"
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--files", type=int, default=1, help="split the rows over this many files")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    args = parser.parse_args(argv)

    import dask
    import distributed
    from distributed import Client, LocalCluster

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"dask {dask.__version__}, distributed {distributed.__version__}"
    )
    source = data_file(args.rows, args.seed, args.data_dir)
    tool = [sys.executable, "-m", "csvtools", "clean"]
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalCluster(
            n_workers=args.workers,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        out = Path(scratch)
        inputs = [source] if args.files == 1 else split(source, args.files, out)
        names = [str(path) for path in inputs]
        commands = {"pool": [*tool, *names, "-o", str(out / "pool.csv"), "--workers", str(args.workers)]}
        if args.files > 1:  # the default engine takes one file: its run is the files one after another
            commands["pool"] = None
        commands["dask"] = [
            *tool,
            *names,
            "--engine",
            "dask",
            "--workers",
            str(args.workers),
            "-o",
            str(out / "dask"),
        ]
        commands["dask, running cluster"] = [
            *tool,
            *names,
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "-o",
            str(out / "running"),
        ]
        # A fresh cluster's workers import csvtools, pandas and phonenumbers' metadata on their first
        # task: one untimed run, so that "running cluster" means a cluster that has worked before.
        timed(commands["dask, running cluster"])
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for attempt in range(args.repeat):
            for name, command in commands.items():
                if command is None:
                    seconds = sum(
                        timed(
                            [
                                *tool,
                                str(path),
                                "-o",
                                str(out / f"pool-{path.stem}.csv"),
                                "--workers",
                                str(args.workers),
                            ]
                        )
                        for path in inputs
                    )
                else:
                    seconds = timed(command)
                runs[name].append(seconds)
                print(f"run {attempt + 1} {name:24} {seconds:7.2f} s", flush=True)

        # Several files: the pool cleans each alone, so only a number's repeats within its file go.
        reference = (
            kept([out / "pool.csv"])
            if args.files == 1
            else kept(sorted((out / "dask" / "clean").glob("*.csv")))
        )
        same = all(
            kept(sorted((out / folder / "clean").glob("part-*.csv"))) == reference
            for folder in ("dask", "running")
        )

    print(
        f"\n{args.rows:,} rows in {args.files} file(s), {args.workers} workers, medians of {args.repeat} runs:"
    )
    print(f"{'':26} {'seconds':>8} {'rows/s':>10}  runs (s)")
    for name, seconds in runs.items():
        middle = median(seconds)
        print(
            f"{name:26} {middle:>8.2f} {args.rows / middle:>10,.0f}  {', '.join(f'{s:.2f}' for s in seconds)}"
        )
    print(
        "same kept numbers in every run: "
        + ("yes" if same else "NO")
        + ("" if args.files == 1 else " (the two dask runs; the pool judges each file alone)")
    )


if __name__ == "__main__":
    main()
