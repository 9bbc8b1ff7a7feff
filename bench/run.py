"""Benchmark: the naive pandas + phonenumbers script against ``csvtools clean``, in one run.

Both run as whole processes on the same generated file; the script prints
rows per second, wall time, peak memory (PSS of the whole process tree,
sampled in a separate run so that sampling does not slow the timed ones) and
the ratio, and checks that both kept the same set of numbers. csvtools is
timed ``--repeat`` times, once before the naive script and the rest after
it, and the median counts: on a shared machine a 3-second run is at the
mercy of its neighbours in a way a 45-second run is not.

    python bench/run.py --rows 1000000
    python bench/run.py --rows 1000000 --scale 2000000,4000000   # csvtools alone at more sizes
    python bench/run.py --rows 200000 --workers 1                # csvtools on one core
    python bench/run.py --mix india        # national Indian numbers, --region IN, against bench/distinct.py
    python bench/run.py --mix countries    # national numbers of 40 countries with a Country column

The international mix is timed against ``naive.py`` (row by row); the national
mixes against ``distinct.py``, the same rules judging each distinct value once.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import national  # noqa: E402

#: mix → (extra csvtools options, the baseline script and its extra arguments, its name)
MIXES = {
    "international": ([], ["naive.py"], "naive pandas + phonenumbers"),
    "india": (["--region", "IN"], ["distinct.py", "IN"], "pandas + phonenumbers, distinct"),
    "countries": ([], ["distinct.py"], "pandas + phonenumbers, distinct"),
}


def timed(command: list[str]) -> float:
    """Wall seconds of ``command``, with nothing else running beside it."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode(errors='replace')}")
    return time.perf_counter() - started


def peak_memory_of(command: list[str]) -> float:
    """Peak MB of ``command``'s whole process tree (PSS, sampled every 0.1 s) in a separate run,
    so that the sampling does not slow the timed run."""
    import psutil

    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, sum(_resident(p) for p in [process, *process.children(recursive=True)]))
        except psutil.Error:
            pass
        time.sleep(0.1)
    return peak / 2**20


def measure(command: list[str]) -> tuple[float, float]:
    return timed(command), peak_memory_of(command)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _resident(process) -> int:
    """Proportional set size where the OS reports it: forked workers share pages with their parent,
    and plain RSS would count those pages once per process."""
    try:
        return process.memory_full_info().pss
    except (AttributeError, OSError):
        return process.memory_info().rss


def data_file(rows: int, seed: int, directory: Path, mix: str = "international") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (
        f"contacts_{rows}_{seed}.csv" if mix == "international" else f"{mix}_{rows}_{seed}.csv"
    )
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        if mix == "international":
            generate.write(str(path), rows, seed)
        else:
            national.write(str(path), rows, seed, mix)
    return path


def kept_numbers(path: Path, column: str) -> set[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="naive pandas + phonenumbers vs csvtools clean")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", default="0", help="csvtools --workers (default 0: automatic)")
    parser.add_argument(
        "--scale", default="", help="more row counts to run csvtools alone on, e.g. 2000000,4000000"
    )
    parser.add_argument("--skip-naive", action="store_true", help="only time csvtools")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed csvtools runs at --rows, one before the naive script and the rest after; "
        "the median counts (a shared machine's speed drifts more than a 45 s run averages out)",
    )
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="international",
        help="the numbers: international spellings, national Indian ones, or national ones of many countries",
    )
    args = parser.parse_args(argv)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        source = data_file(args.rows, args.seed, args.data_dir, args.mix)
        options, (script, *script_args), baseline = MIXES[args.mix]
        print(f"mix: {args.mix} ({source.name})")
        naive = None
        tool = [sys.executable, "-m", "csvtools", "clean", "--workers", str(args.workers), *options]
        ours_command = [*tool, str(source), "-o", str(out / "clean.csv")]
        runs = [timed(ours_command)]
        if not args.skip_naive:
            naive = measure(
                [
                    sys.executable,
                    str(HERE / script),
                    str(source),
                    str(out / "naive.csv"),
                    str(out / "naive.rejects.csv"),
                    *script_args,
                ]
            )
            results.append((baseline, args.rows, *naive))
        runs += [timed(ours_command) for _ in range(max(args.repeat, 1) - 1)]
        ours = (median(runs), peak_memory_of(ours_command))
        results.append((f"csvtools clean (--workers {args.workers})", args.rows, *ours))
        if naive:
            same = kept_numbers(out / "naive.csv", "contact_number") == kept_numbers(
                out / "clean.csv", "contact_number"
            )
        for rows in [int(value) for value in args.scale.split(",") if value]:
            bigger = data_file(rows, args.seed, args.data_dir, args.mix)
            results.append(
                (
                    f"csvtools clean (--workers {args.workers})",
                    rows,
                    *measure([*tool, str(bigger), "-o", str(out / f"clean_{rows}.csv")]),
                )
            )

    print(f"{'':34} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak MB':>8}")
    for name, rows, seconds, peak in results:
        print(f"{name:34} {rows:>10,} {seconds:>9.2f} {rows / seconds:>10,.0f} {peak:>8.0f}")
    print(
        "csvtools runs at {:,} rows (s): {}; the table shows the median".format(
            args.rows, ", ".join(f"{run:.2f}" for run in runs)
        )
    )
    if naive:
        print(
            f"speed-up: {naive[0] / ours[0]:.1f}x rows per second; "
            f"memory: {ours[1]:.0f} MB against {naive[1]:.0f} MB"
        )
        print(f"same set of kept numbers as {script}: " + ("yes" if same else "NO"))


if __name__ == "__main__":
    main()
