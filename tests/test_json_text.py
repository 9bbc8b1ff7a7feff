"""A report's JSON is json.dumps(indent=2)'s text, character for character, however it is built."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools import Rejection, Report
from csvtools.io.json_text import json_text

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # quotes, %, controls, accents, emoji
SCALARS = st.none() | st.booleans() | st.integers() | TEXT
KEYS = st.sampled_from(["line", "reason", "detail", "value", "a%sb", 'q"uote', "é"])


def dumped(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@given(
    st.recursive(
        SCALARS | st.floats(allow_nan=False),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
        max_leaves=30,
    )
)
def test_any_json_value_is_written_as_json_dumps_writes_it(value):
    assert json_text(value) == dumped(value)


@settings(max_examples=60)
@given(
    keys=st.lists(KEYS, min_size=1, max_size=4, unique=True),
    rows=st.lists(st.lists(SCALARS, min_size=4, max_size=4), min_size=64, max_size=150),
    nested=st.booleans(),
)
def test_long_lists_of_records_are_written_as_json_dumps_writes_them(keys, rows, nested):
    records = [dict(zip(keys, row)) for row in rows]
    if nested:  # one record that is not flat sends the list the general way, with the same text
        records[len(records) // 2] = {**records[0], keys[0]: {"inner": [1, "two"]}}
    value = {"file": "x.csv", "rejections": records, "counts": {"a": 1}, "empty": [], "nothing": {}}
    assert json_text(value) == dumped(value)


def test_records_of_different_shapes_are_written_as_json_dumps_writes_them():
    records = [{"line": line, "reason": "r"} for line in range(100)]
    records[50] = {"reason": "r", "line": 50}  # the same keys in another order
    records[70] = {"line": 70}
    assert json_text(records) == dumped(records)


def test_a_report_with_many_rejections_is_the_json_of_its_dataclass():
    from dataclasses import asdict

    report = Report(file="ü.csv", rows=300, rejected=300, by_reason={"invalid_number": 300})
    report.rejections = [
        Rejection(line, "invalid_number", f'"{line}" is not %s', None) for line in range(2, 302)
    ]
    report.mismatches = [Rejection(5, "region_mismatch", "a number of +44", "+44 20")]
    report.suppression = [{"path": "dnc.txt", "removed": 0}]
    expected = {**asdict(report), "valid": False}
    assert report.to_dict() == expected
    assert report.to_json() == dumped(expected) + "\n"


def test_a_reports_rejections_are_not_left_to_the_json_modules_python_encoder(monkeypatch):
    # With an indent, json.dumps encodes in pure Python (about 3 s for 200,000 rejections).
    report = Report(file="big.csv", rows=1000, rejected=1000)
    report.rejections = [Rejection(line, "invalid_number", "too short", "12") for line in range(2, 1002)]
    expected = dumped(report.to_dict()) + "\n"

    def refused(*args, **kwargs):
        raise AssertionError("the json module's encoder was used")

    monkeypatch.setattr(json.JSONEncoder, "iterencode", refused)
    assert report.to_json() == expected
