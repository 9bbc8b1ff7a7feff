"""SIGTERM in the middle of a large clean ends it like Ctrl-C: no outputs, no temporary files, no orphans."""

import os
import signal
import subprocess
import sys
import time

import pytest
from helpers.numbers import generate


def processes_mentioning(marker):
    """Pids of live processes whose command line contains ``marker`` (the parent's and its workers')."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in command and state != "Z":
            found.append(int(entry))
    return found


@pytest.fixture
def big_run(tmp_path):
    """A clean of a generated 400,000-row file with two workers, caught while it is writing."""
    source = tmp_path / "big.csv"
    generate.write(str(source), 400_000)
    out = tmp_path / "out" / "clean.csv"
    out.parent.mkdir()
    run = subprocess.Popen(
        [sys.executable, "-m", "csvtools", "clean", str(source), "-o", str(out), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # Wait until the run is writing (its .part files exist) and its workers are up.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None:
            if os.listdir(out.parent) and len(processes_mentioning(str(source))) >= 3:
                break
            time.sleep(0.01)
        assert run.poll() is None, "the run ended before it could be stopped; make the file larger"
        yield run, source, out
    finally:
        for pid in processes_mentioning(str(source)):  # should there be any, they are this test's own
            os.kill(pid, signal.SIGKILL)
        run.wait()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to find the worker processes")
def test_sigterm_mid_run_leaves_no_outputs_no_part_files_and_no_workers(big_run):
    run, source, out = big_run
    run.send_signal(signal.SIGTERM)
    stdout, stderr = run.communicate(timeout=60)  # returns only once no process holds the pipes open
    assert run.returncode != 0
    assert b"Traceback" not in stderr
    assert os.listdir(out.parent) == []
    deadline = time.monotonic() + 10
    while processes_mentioning(str(source)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(str(source)) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_parent_killed_outright(big_run):
    """SIGKILL cannot be handled; the kernel still takes the workers down with their parent."""
    run, source, out = big_run
    run.kill()
    run.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while processes_mentioning(str(source)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(str(source)) == []
