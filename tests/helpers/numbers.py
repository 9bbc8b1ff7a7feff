"""Helpers shared by the parity and speed-path tests: the reference verdicts and the benchmark's generator."""

import sys
from pathlib import Path

import numpy as np

from csvtools import normalize_number
from csvtools.numbers.vectorized import judge_array

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402,F401  (the benchmark's list generator)


def reference(value, region=None, level="valid"):
    result = normalize_number(value, region, level)
    return result.number, result.reason, result.detail, result.region, result.reading, result.type


def fast_verdicts(values, region=None, level="valid"):
    verdicts = judge_array(np.asarray(values, dtype=object), region, level)
    columns = [
        verdicts.column(name).to_pylist()
        for name in ("number", "reason", "detail", "region", "reading", "type")
    ]
    return [
        tuple(column[i] for column in columns) if verdicts.decided[i] else None for i in range(len(values))
    ]
