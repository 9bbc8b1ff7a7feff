"""Reading digit spans: a text read in several modes (as under a region) is scanned once."""

import numpy as np
import pyarrow as pa

from csvtools.numbers import digits
from csvtools.numbers.digits import read_digit_spans

VALUES = [
    "+44 20 7946 0000",
    "tel:+1-415-555-0123",
    "0044 20 7946 0000",
    "020 7946 0000",
    "(415) 555-0123",
    "",
    None,
    "not a number",
    "+0123",
    "12",
    "98765 43210",
    "+9+1",
]


def _same(first, second) -> bool:
    if first is None or second is None:
        return first is second
    return all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(first, second))


def test_a_text_read_in_every_mode_reads_as_a_fresh_copy_of_it_does(monkeypatch):
    text = pa.array(VALUES, type=pa.string())
    scans = []
    read = digits._read_shapes
    monkeypatch.setattr(digits, "_read_shapes", lambda values: scans.append(values) or read(values))
    modes = ("plus", "national", "any", "plus")
    read_together = [read_digit_spans(text, mode) for mode in modes]  # as under a region: one after another
    assert sum(scanned is text for scanned in scans) == 1
    for mode, spans in zip(modes, read_together):
        fresh = pa.array(VALUES, type=pa.string())  # another array: read on its own
        assert _same(spans, read_digit_spans(fresh, mode)), mode
    assert len(scans) == 5  # the text once, each fresh copy once


def test_a_text_without_digits_reads_as_none_in_every_mode():
    text = pa.array(["none", "", None], type=pa.string())
    assert all(read_digit_spans(text, mode) is None for mode in ("plus", "national", "any"))
