"""Benchmark of ``csvtools clean`` against issue 24's targets, every figure and ratio from one run.

What it measures, each as whole processes on generated files (every run
printed, medians of ``--repeat`` runs count):

1. four mixes at ``--rows``: ``international`` (:mod:`generate`), ``india``
   (national numbers, ``--region IN``), ``countries`` (national numbers of 40
   countries with a Country column) and ``crm`` (:mod:`crm`: 30 % of rows with
   extensions, ``00`` prefixes, spreadsheet damage and blanks); each against
   ``distinct.py``, the pandas + phonenumbers script with the same rules that
   judges each distinct value once, checking both kept the same numbers;
2. the read+write floor (``floor.py``: pyarrow reads and writes the same file,
   a fresh interpreter, imports included) and csvtools' ratio to it, at
   ``--rows`` and at ``--big-rows``;
3. start-up of ``csvtools --version`` and ``--help``, and the import share of a run;
4. the peak memory of the whole process tree at ``--rows``, ``--big-rows`` and
   (``--ten-million``) 10M rows;
5. the default engine against ``--engine dask`` at ``--dask-rows`` sizes, and
   where Dask starts to pay;
6. a per-stage profile of a run (:mod:`stages`).

    python bench/run.py                         # everything, 1M and 4M rows (about 10 minutes)
    python bench/run.py --quick                 # a smoke run on tiny files
    python bench/run.py --mix crm --no-dask     # one mix
    python bench/run.py --ten-million           # and the memory of a 10M-row run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import crm  # noqa: E402
import generate  # noqa: E402
import national  # noqa: E402
from measure import CHILD_ENV, median, sampled, timed  # noqa: E402

__all__ = ["data_file", "median", "timed"]

#: mix → (extra csvtools options, extra arguments of distinct.py)
MIXES = {
    "international": ([], []),
    "india": (["--region", "IN"], ["IN"]),
    "countries": ([], []),
    "crm": ([], []),
}
TARGETS = {"speed-up": 20.0, "floor at rows": 3.0, "floor at big rows": 2.0, "start-up": 0.15, "dask": 1.5}
TOOL = [sys.executable, "-m", "csvtools"]


def data_file(rows: int, seed: int, directory: Path, mix: str = "international") -> Path:
    """The generated file of ``mix`` at ``rows`` rows, written once (through a temporary name)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (
        f"contacts_{rows}_{seed}.csv" if mix == "international" else f"{mix}_{rows}_{seed}.csv"
    )
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        partial = path.with_suffix(".partial")
        if mix == "international":
            generate.write(str(partial), rows, seed)
        elif mix == "crm":
            crm.write(str(partial), rows, seed)
        else:
            national.write(str(partial), rows, seed, mix)
        partial.replace(path)
    return path


def kept_numbers(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted(row["contact_number"] for row in csv.DictReader(handle))


def show(label: str, attempt: int, seconds: float) -> None:
    print(f"  run {attempt + 1} {label:34} {seconds:8.3f} s", flush=True)


def clean_command(source: Path, out: Path, options: list[str], workers: str) -> list[str]:
    return [*TOOL, "clean", str(source), "-o", str(out), "--workers", workers, "-q", *options]


def floor_command(source: Path, out: Path) -> list[str]:
    return [sys.executable, str(HERE / "floor.py"), str(source), str(out)]


def against_floor(source: Path, out: Path, options: list[str], args, label: str) -> tuple[list, list]:
    """csvtools and the floor on ``source``, alternating, ``--repeat`` times each."""
    ours, floor = [], []
    for attempt in range(args.repeat):
        ours.append(timed(clean_command(source, out / "clean.csv", options, args.workers)))
        show(f"csvtools clean, {label}", attempt, ours[-1])
        floor.append(timed(floor_command(source, out / "floor.csv")))
        show(f"floor (pyarrow read+write), {label}", attempt, floor[-1])
    return ours, floor


def bench_mix(mix: str, args, out: Path) -> dict:
    source = data_file(args.rows, args.seed, args.data_dir, mix)
    options, script_args = MIXES[mix]
    print(f"\n== {mix}: {source.name} ({args.rows:,} rows)", flush=True)
    ours, floor = against_floor(source, out, options, args, mix)
    baseline = []
    for attempt in range(args.baseline_repeat):
        baseline_run = sampled(
            [
                sys.executable,
                str(HERE / "distinct.py"),
                str(source),
                str(out / "b.csv"),
                str(out / "b.rej.csv"),
                *script_args,
            ]
        )
        baseline.append(baseline_run)
        show("distinct.py (same rules)", attempt, baseline_run[0])
    seconds, rss, pss = sampled(clean_command(source, out / "clean.csv", options, args.workers))
    print(f"  sampled run of csvtools: {seconds:.3f} s, peak RSS {rss:.0f} MB, PSS {pss:.0f} MB", flush=True)
    same = kept_numbers(out / "clean.csv") == kept_numbers(out / "b.csv")
    return {
        "mix": mix,
        "baseline": median([run[0] for run in baseline]),
        "baseline_pss": max(run[2] for run in baseline),
        "ours": median(ours),
        "floor": median(floor),
        "ours_rss": rss,
        "ours_pss": pss,
        "same": same,
    }


def bench_big(args, out: Path) -> dict:
    source = data_file(args.big_rows, args.seed, args.data_dir)
    print(f"\n== the floor at {args.big_rows:,} rows: {source.name}", flush=True)
    ours, floor = against_floor(source, out, [], args, f"{args.big_rows:,} rows")
    return {"ours": median(ours), "floor": median(floor)}


def bench_startup(args) -> dict:
    print("\n== start-up", flush=True)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "csvtools --version": [*TOOL, "--version"],
        "csvtools --help": [*TOOL, "--help"],
    }
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(max(args.repeat, 5)):
        for name, command in commands.items():
            runs[name].append(timed(command))
            show(name, attempt, runs[name][-1])
    return {name: median(seconds) for name, seconds in runs.items()}


def bench_memory(args, out: Path) -> list[tuple[int, float, float, float]]:
    sizes = [args.rows, args.big_rows] + ([10_000_000] if args.ten_million else [])
    print(
        f"\n== memory of the whole process tree: {', '.join(f'{rows:,}' for rows in sizes)} rows", flush=True
    )
    table = []
    for rows in sizes:
        source = data_file(rows, args.seed, args.data_dir)
        seconds, rss, pss = sampled(clean_command(source, out / "clean.csv", [], args.workers))
        print(f"  {rows:>12,} rows {seconds:8.2f} s  peak RSS {rss:6.0f} MB  PSS {pss:6.0f} MB", flush=True)
        table.append((rows, seconds, rss, pss))
    return table


def bench_dask(args, out: Path) -> list[tuple[int, float, float]]:
    sizes = [int(value) for value in args.dask_rows.split(",") if value]
    print(
        f"\n== default engine against --engine dask (--workers 2): {', '.join(f'{rows:,}' for rows in sizes)} rows"
    )
    table = []
    for rows in sizes:
        source = data_file(rows, args.seed, args.data_dir)
        pool, dask = [], []
        for attempt in range(args.repeat):
            pool.append(timed(clean_command(source, out / "pool.csv", [], "2")))
            show(f"default engine, {rows:,} rows", attempt, pool[-1])
            dask.append(
                timed(
                    [
                        *TOOL,
                        "clean",
                        str(source),
                        "--engine",
                        "dask",
                        "--workers",
                        "2",
                        "-q",
                        "-o",
                        str(out / "dask"),
                    ]
                )
            )
            show(f"dask engine, {rows:,} rows", attempt, dask[-1])
        table.append((rows, median(pool), median(dask)))
    return table


def bench_stages(args, source: Path) -> dict:
    print(f"\n== stages of a run on {source.name} (one process, --workers 1)", flush=True)
    done = subprocess.run(
        [sys.executable, str(HERE / "stages.py"), str(source)],
        capture_output=True,
        text=True,
        env=CHILD_ENV,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"stages.py failed:\n{done.stderr}")
    return json.loads(done.stdout)


def verdict(value: float, limit: float, below: bool = True) -> str:
    return "met" if (value <= limit if below else value >= limit) else "NOT met"


def report(
    args, mixes: list[dict], big: dict | None, startup: dict, memory, dask, stages: dict | None
) -> None:
    print("\n==== results (medians)")
    print(
        f"{'mix':14} {'distinct.py':>11} {'csvtools':>9} {'speed-up':>9} {'floor':>7} {'x floor':>8} {'peak MB RSS/PSS':>16} {'script PSS':>10}  same kept"
    )
    for row in mixes:
        speedup, ratio = row["baseline"] / row["ours"], row["ours"] / row["floor"]
        print(
            f"{row['mix']:14} {row['baseline']:>10.2f}s {row['ours']:>8.3f}s {speedup:>8.1f}x {row['floor']:>6.3f}s {ratio:>7.2f}x "
            f"{row['ours_rss']:>7.0f} / {row['ours_pss']:<6.0f} {row['baseline_pss']:>10.0f}  {'yes' if row['same'] else 'NO'}"
        )
    if big:
        print(
            f"{args.big_rows:,} rows: csvtools {big['ours']:.3f} s, floor {big['floor']:.3f} s, {big['ours'] / big['floor']:.2f}x the floor"
        )
    bare = startup["python -c pass"]
    print(
        f"start-up: --version {startup['csvtools --version']:.3f} s, --help {startup['csvtools --help']:.3f} s "
        f"(a bare interpreter {bare:.3f} s)"
    )
    international = next((row for row in mixes if row["mix"] == "international"), None)
    if stages and international:
        share = stages["imports"] / international["ours"]
        print(
            f"imports: {stages['imports']:.3f} s of a {international['ours']:.3f} s run at {args.rows:,} rows ({share:.0%})"
        )
    if memory:
        print(
            "memory: "
            + ", ".join(f"{rows:,} rows {rss:.0f} MB RSS / {pss:.0f} MB PSS" for rows, _, rss, pss in memory)
        )
    if dask:
        print(f"{'rows':>12} {'default':>9} {'dask':>9} {'dask/default':>13}")
        for rows, pool, distributed in dask:
            print(f"{rows:>12,} {pool:>8.2f}s {distributed:>8.2f}s {distributed / pool:>12.2f}x")
        pays = next((rows for rows, pool, distributed in dask if distributed < pool), None)
        print(
            f"dask starts to pay at {pays:,} rows"
            if pays
            else f"dask does not pay at any size measured (up to {dask[-1][0]:,} rows)"
        )
    if stages:
        inline = stages["run, inline"]
        print(f"stages of one run, --workers 1 ({inline:.3f} s inline; shipping and the pool apart):")
        for name in (
            "read",
            "judge",
            "render",
            "dedupe",
            "write",
            "collect after each piece",
            "settle, other",
        ):
            print(f"  {name:26} {stages[name]:7.3f} s {stages[name] / inline:6.0%}")
        print(
            f"  {'shipping':26} {stages['shipping']:7.3f} s  ({stages['shipped MB']:.0f} MB through a temporary file and back)"
        )
        print(f"  {'pool start and stop':26} {stages['pool start and stop']:7.3f} s")
        print(f"  {'imports':26} {stages['imports']:7.3f} s")
    print("\n==== targets (issue 24)")
    for row in mixes:
        speedup = row["baseline"] / row["ours"]
        print(
            f"  {row['mix']}: {speedup:.1f}x distinct.py (>= 20x): {verdict(speedup, TARGETS['speed-up'], below=False)}"
        )
    if international:
        ratio = international["ours"] / international["floor"]
        print(
            f"  {args.rows:,} rows: {ratio:.2f}x the floor (<= 3x): {verdict(ratio, TARGETS['floor at rows'])}"
        )
    if big:
        ratio = big["ours"] / big["floor"]
        print(
            f"  {args.big_rows:,} rows: {ratio:.2f}x the floor (<= 2x): {verdict(ratio, TARGETS['floor at big rows'])}"
        )
    for name in ("csvtools --version", "csvtools --help"):
        print(f"  {name}: {startup[name]:.3f} s (< 0.15 s): {verdict(startup[name], TARGETS['start-up'])}")
    if dask:
        rows, pool, distributed = dask[-1]
        print(
            f"  dask at {rows:,} rows: {distributed / pool:.2f}x the default (<= 1.5x): {verdict(distributed / pool, TARGETS['dask'])}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="csvtools clean against issue 24's targets, in one run")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--big-rows", type=int, default=4_000_000, help="the second size for the floor and memory"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of csvtools and the floor; medians count"
    )
    parser.add_argument(
        "--baseline-repeat", type=int, default=1, help="timed runs of distinct.py (about 20 s each)"
    )
    parser.add_argument(
        "--mix", action="append", choices=sorted(MIXES), help="repeatable [default: all four]"
    )
    parser.add_argument("--workers", default="0", help="csvtools --workers (default 0: automatic)")
    parser.add_argument("--dask-rows", default="250000,1000000,4000000", help="sizes of the engine table")
    parser.add_argument("--no-dask", action="store_true", help="leave out the engine table")
    parser.add_argument("--ten-million", action="store_true", help="also the memory of a 10M-row run")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny files, one run each")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.big_rows, args.repeat, args.baseline_repeat = 2_000, 4_000, 1, 1
        args.dask_rows = "2000"

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load} at the start"
    )
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        mixes = [bench_mix(mix, args, out) for mix in (args.mix or list(MIXES))]
        big = bench_big(args, out)
        startup = bench_startup(args)
        memory = bench_memory(args, out)
        dask = [] if args.no_dask else bench_dask(args, out)
        stages = bench_stages(args, data_file(args.rows, args.seed, args.data_dir))
    report(args, mixes, big, startup, memory, dask, stages)
    print(f"load average {', '.join(f'{value:.2f}' for value in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
