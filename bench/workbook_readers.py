"""Benchmark: which library reads an ``.xlsx`` contact sheet fastest, to every cell as text.

Writes one workbook (the benchmark's usual columns, the phone column stored as
numbers in half the rows as Excel does when digits are typed, a date column),
then reads every row of it with each reader in a fresh process, ``--repeat``
times, alternating the readers, and prints every run, the median and the peak
resident memory of each. Both readers must agree on every cell's text. Then
``csvtools clean`` takes the workbook and the same rows as a CSV end to end,
``--repeat`` times each, alternating.

    python bench/workbook_readers.py --rows 200000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READERS = {
    # python-calamine (Rust calamine): reads .xlsx, .xlsm, .xlsb, .xls and .ods.
    "python-calamine": """
import python_calamine
book = python_calamine.CalamineWorkbook.from_path(PATH)
rows = book.get_sheet_by_index(0).iter_rows()
""",
    # openpyxl in its streaming mode: .xlsx and .xlsm only.
    "openpyxl (read_only)": """
import openpyxl
book = openpyxl.load_workbook(PATH, read_only=True, data_only=True)
rows = book.worksheets[0].iter_rows(values_only=True)
""",
}

# The same text rule for both, so that their outputs can be compared.
_MEASURE = """
import datetime, hashlib, resource, sys, time
PATH = sys.argv[1]
started = time.perf_counter()
{open}
def text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
digest = hashlib.sha256()
count = 0
for row in rows:
    digest.update("\\x1f".join(text(cell) for cell in row).encode())
    count += 1
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(seconds, peak, count, digest.hexdigest())
"""


def write_workbook(path: Path, rows: int, seed: int = 7) -> None:
    """A sheet of ``rows`` contacts: the phone as a number or as text, a name, a plan and a date."""
    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.append(["phone", "first_name", "last_name", "plan", "signed_up"])
    start = datetime.date(2024, 1, 1)
    for _ in range(rows):
        digits = f"91{rng.randrange(6_000_000_000, 9_999_999_999)}"
        phone = int(digits) if rng.random() < 0.5 else f"+{digits[:2]} {digits[2:7]} {digits[7:]}"
        sheet.append(
            [
                phone,
                rng.choice(["Aarav", "Diya", "Zoë", "Omar"]),
                rng.choice(["Sharma", "Müller"]),
                rng.choice(["gold", "silver", "basic"]),
                start + datetime.timedelta(days=rng.randrange(900)),
            ]
        )
    book.save(path)


def write_csv_twin(path: Path, twin: Path) -> None:
    import csv

    from csvtools.io.workbook import WorkbookSource

    with WorkbookSource(path) as source, open(twin, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(source.header)
        for chunk in source.pieces(50_000):
            writer.writerows(zip(*(column.to_pylist() for column in chunk.columns)))


def run_reader(name: str, path: Path) -> tuple[float, float, int, str]:
    code = _MEASURE.format(open=READERS[name].strip())
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    seconds, peak, count, digest = done.stdout.split()
    return float(seconds), float(peak), int(count), digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "contacts.xlsx"
        started = time.perf_counter()
        write_workbook(path, args.rows)
        print(
            f"{args.rows:,} rows, {path.stat().st_size / 2**20:.1f} MB .xlsx"
            f" (written in {time.perf_counter() - started:.1f} s)"
        )
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in READERS}
        digests = set()
        for attempt in range(args.repeat):
            for name in READERS:
                seconds, peak, count, digest = run_reader(name, path)
                if count != args.rows + 1:
                    raise SystemExit(f"{name} read {count} rows, not {args.rows + 1}")
                digests.add(digest)
                runs[name].append((seconds, peak))
                print(f"  run {attempt + 1}: {name:22} {seconds:6.2f} s  {peak:6.0f} MB peak RSS")
        if len(digests) != 1:
            raise SystemExit("the readers disagree on the cells' text")
        print("same text from both readers")
        summary = {}
        for name, figures in runs.items():
            median = statistics.median(seconds for seconds, _ in figures)
            peak = max(peak for _, peak in figures)
            summary[name] = {
                "median_s": round(median, 3),
                "rows_per_s": round(args.rows / median),
                "peak_mb": round(peak),
            }
            print(
                f"{name:22} median {median:6.2f} s  {args.rows / median:10,.0f} rows/s  {peak:6.0f} MB peak"
            )
        # The same rows as a CSV (csvtools' own cell text), to see what reading a workbook adds to a run.
        twin = path.with_suffix(".csv")
        write_csv_twin(path, twin)
        cleaned: dict[str, list[float]] = {"xlsx": [], "csv": []}
        for attempt in range(args.repeat):
            for kind, source in (("xlsx", path), ("csv", twin)):
                started = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "csvtools",
                        "clean",
                        str(source),
                        "-o",
                        str(Path(directory) / f"out.{kind}.csv"),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                cleaned[kind].append(time.perf_counter() - started)
                print(f"  run {attempt + 1}: csvtools clean .{kind:4} (whole run) {cleaned[kind][-1]:6.2f} s")
        for kind, figures in cleaned.items():
            median = statistics.median(figures)
            summary[f"csvtools clean .{kind}"] = {
                "median_s": round(median, 3),
                "rows_per_s": round(args.rows / median),
            }
            print(
                f"{'csvtools clean .' + kind:22} median {median:6.2f} s  {args.rows / median:10,.0f} rows/s"
            )
        if args.json:
            print(json.dumps(summary))


if __name__ == "__main__":
    main()
