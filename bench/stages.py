"""Where a ``csvtools clean`` run spends its time, stage by stage (a fresh interpreter, printed as JSON).

The run is ``clean_file(..., workers=1)`` in this process, with a CPU-time
timer (a shared machine's neighbours slow the wall clock, not this) around each stage's function (the stages :mod:`csvtools.run.pool` and
:mod:`csvtools.run.settle` call), so the stages add up to the run:

- read: cutting the file into pieces and parsing them into columns;
- judge: :func:`csvtools.numbers.chunk.judge_column` (and the ``--types`` filter);
- render: a judged chunk's lines and duplicate keys (:mod:`csvtools.run.render`);
- dedupe: the duplicate index and the suppression lists, with re-reading a duplicate's fields;
- write: appending the lines and committing the files;
- collect after each piece: the garbage collection each worker runs after a piece (:mod:`csvtools.process`);
- settle, other: the rest of the run (counts, the report, opening the file).

With a pool, two more costs appear, measured apart: shipping (each piece's
result written to a temporary file and read back, as it travels from a worker,
:mod:`csvtools.run.shipping`) and the pool's start
and stop (fork two workers, one empty task each, wall time). ``imports`` is the
CPU time to import the run's modules in a fresh interpreter, less a bare interpreter's.

    python bench/stages.py contacts.csv [csvtools options as JSON, e.g. '{"region": "IN"}']
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

spent: dict[str, float] = defaultdict(float)


def timed_call(stage: str, function: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.process_time() - started

    return wrapper


def timed_iteration(stage: str, function: Callable) -> Callable:
    def wrapper(*args, **kwargs) -> Iterator:
        pieces = iter(function(*args, **kwargs))
        while True:
            started = time.process_time()
            try:
                piece = next(pieces)
            except StopIteration:
                spent[stage] += time.process_time() - started
                return
            spent[stage] += time.process_time() - started
            yield piece

    return wrapper


def bare_seconds(code: str, repeat: int = 3) -> float:
    """Median CPU seconds (user + system) of ``python -c code`` in a fresh interpreter."""
    runs = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return sorted(runs)[len(runs) // 2]


def pool_start_seconds(workers: int = 2) -> float:
    """Start a fork pool of ``workers`` (with csvtools' worker set-up), one empty task each, and stop it."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from csvtools import process

    started = time.perf_counter()
    with ProcessPoolExecutor(
        workers, mp_context=get_context("fork"), initializer=process.set_up_worker
    ) as pool:
        list(pool.map(int, range(workers)))
    return time.perf_counter() - started


def main(source: str, options: dict) -> dict[str, float]:
    imports = bare_seconds(
        "from csvtools import process; process.start_command(); "
        "process.load_for_command('csvtools.run.pipeline', without_pandas=True)"
    ) - bare_seconds("pass")
    from csvtools import process

    process.start_command()
    process.load_for_command("csvtools.run.pipeline", without_pandas=True)
    from csvtools.io import outputs
    from csvtools.io import source as sources
    from csvtools.run import pipeline, pool, settle

    sources.CsvSource.pieces = timed_iteration("read", sources.CsvSource.pieces)
    pool.read_block = timed_call("read", pool.read_block)
    pool.judge_column = timed_call("judge", pool.judge_column)
    pool.restrict_types = timed_call("judge", pool.restrict_types)
    pool.render_chunk = timed_call("render", pool.render_chunk)
    settle.Settler._removed = timed_call("dedupe", settle.Settler._removed)
    settle.Settler._reread = timed_call("dedupe", settle.Settler._reread)
    settle.Settler._write = timed_call("write", settle.Settler._write)
    outputs.Outputs.commit = timed_call("write", outputs.Outputs.commit)
    process.after_piece = timed_call("collect after each piece", process.after_piece)
    work = pool.work
    shipped_bytes = 0
    from csvtools.run import shipping

    def work_and_ship(piece, plan):
        # The pool's own transport (csvtools/run/shipping.py): a worker's result written to a
        # temporary file and read back by the main process, here both in this process.
        nonlocal shipped_bytes
        rendered = work(piece, plan)
        started = time.process_time()
        shipped = shipping.ship(rendered, scratch)
        assert isinstance(shipped, shipping.Shipped), "TMPDIR cannot hold a piece: nothing to time"
        shipped_bytes += shipped.size
        shipping.receive(shipped)
        spent["shipping"] += time.process_time() - started
        return rendered

    pool.work = work_and_ship
    with tempfile.TemporaryDirectory() as scratch:
        started = time.process_time()
        # max_rejections as the command line sets it: the report lists the first 20 rejected lines.
        pipeline.clean_file(source, str(Path(scratch) / "clean.csv"), workers=1, max_rejections=20, **options)
        total = time.process_time() - started - spent["shipping"]
    stages = {
        name: spent[name]
        for name in ("read", "judge", "render", "dedupe", "write", "collect after each piece")
    }
    return {
        "imports": imports,
        **stages,
        "settle, other": total - sum(stages.values()),
        "run, inline": total,
        "shipping": spent["shipping"],
        "shipped MB": shipped_bytes / 2**20,
        "pool start and stop": pool_start_seconds(),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})))
