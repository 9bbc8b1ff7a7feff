"""Spreadsheet and CRM spellings judged at once (csvtools.numbers.respell) agree with the reference on every field.

Parity, never timings; and the fast path does take the spellings it was written for.
"""

import csv

import numpy as np
import phonenumbers
import pyarrow as pa
import pytest
from helpers.numbers import reference
from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools.numbers.chunk import _fast_verdicts, judge_column

FIELDS = ("number", "reason", "detail", "region", "reading", "type")

SPELLINGS = [
    "'+{cc}{n}",
    "  ' +{cc}{n} ",
    "''+{cc}{n}",
    "'{cc}{n}",
    "'0{n}",
    "{cc}{n}.0",
    "'{cc}{n}.00",
    "+{cc}{n}.0",
    "{cc}{n}.5",
    "{sci}",
    "'{sci}",
    "+{sci}",
    "{lossy}",
    "+{cc}{n} x{e}",
    "+{cc}{n} x{e}{e}{e}{e}{e}{e}{e}",
    "+{cc} {n} ext. {e}",
    "+{cc}{n} ext. {e}",
    "tel:+{cc}{n};ext={e}",
    "TEL:+{cc}{n};ext={e}",
    "'+{cc}{n} x{e}",
    "+{cc}{n}x{e}",
    "=+{cc}{n}",
    " =+{cc}{n}",
    "=+{cc} {n}",
    "00{cc}{n}.0",
    "'\t+{cc}{n}",
    "+{cc}{n} x{e}\n",
]


def spelled(spelling: str, cc: int, n: str, e: str) -> str:
    digits = f"{cc}{n}"
    fraction = digits[1:]
    return spelling.format(
        cc=cc,
        n=n,
        e=e,
        sci=f"{digits[0]}.{fraction}E+{len(fraction)}",
        lossy=f"{digits[0]}.{fraction[:4]}E+{len(fraction)}",
    )


def numbers_of_every_region():
    """(calling code, national number) of every region's example mobile and fixed-line number."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                yield example.country_code, phonenumbers.national_significant_number(example)


EXAMPLES = sorted(set(numbers_of_every_region()))


def judged(values, region=None):
    table = judge_column(pa.array(values, type=pa.string()), region)
    return [tuple(row[name] for name in FIELDS) for row in table.to_pylist()]


@settings(max_examples=80, deadline=None)
@given(
    numbers=st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from(EXAMPLES),
                st.tuples(
                    st.sampled_from([1, 44, 91, 49, 55, 81, 999]),
                    st.text(alphabet="0123456789", min_size=1, max_size=14),
                ),
            ),
            st.sampled_from(SPELLINGS),
            st.text(alphabet="0123456789", min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=40,
    ),
    region=st.sampled_from([None, None, "IN", "US", "GB"]),
)
def test_respelled_values_get_the_reference_verdict_in_every_field(numbers, region):
    values = [spelled(spelling, cc, n, e) for (cc, n), spelling, e in numbers]
    assert judged(values, region) == [reference(value, region) for value in values]


@pytest.mark.parametrize("region", [None, "IN"])
def test_every_region_example_in_every_spelling_gets_the_reference_verdict(region):
    values = [spelled(spelling, cc, n, "12") for cc, n in EXAMPLES for spelling in SPELLINGS]
    mismatches = [
        (value, got, reference(value, region))
        for value, got in zip(values, judged(values, region))
        if got != reference(value, region)
    ]
    assert mismatches == []


@pytest.fixture(scope="module")
def crm_values(tmp_path_factory):
    import crm  # the benchmark's CRM export (bench/ is on the path through helpers.numbers)

    path = tmp_path_factory.mktemp("crm") / "crm.csv"
    crm.write(str(path), 6000, seed=11)
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted({row["Phone"] for row in csv.DictReader(handle)})


def test_the_crm_export_gets_the_reference_verdicts(crm_values):
    assert judged(crm_values) == [reference(value) for value in crm_values]


@pytest.mark.parametrize(
    "value",
    [
        "'+919876543210",
        " ' +919876543210 ",
        "919876543210.0",
        "9.19876543210E+11",
        "+919876543210 x6",
        "tel:+919876543210;ext=9",
        "+91 9876543210 ext. 12",
        "+91 987654321 ext. 12",
        "=+919876543210",
    ],
)
def test_the_fast_path_takes_spreadsheet_spellings_and_extensions_of_kept_numbers(value):
    rows, _ = _fast_verdicts(pa.array([value], type=pa.string()), None, "valid")
    assert rows[0] >= 0


def test_the_fast_path_leaves_lossy_and_odd_spellings_to_the_reference():
    values = ["9.1987E+11", "''+919876543210", "+919876543210 x1234567", "+999123456789 x5", "=+91 98765"]
    rows, _ = _fast_verdicts(pa.array(values, type=pa.string()), None, "valid")
    assert np.all(rows < 0)
    # With a region, phonenumbers reads past the "=": the reference decides.
    rows, _ = _fast_verdicts(pa.array(["=+919876543210"], type=pa.string()), "IN", "valid")
    assert np.all(rows < 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789 +-()'.,;=eExXtel:é€😀", max_size=12), max_size=30), st.data())
def test_respelling_candidates_are_the_values_with_one_of_the_marks(values, data):
    """The byte-level filter finds exactly the values with one of ``',.;=eExX``, in a slice of an array too."""
    from csvtools.numbers.respell import respell_candidates

    start = data.draw(st.integers(0, len(values)))
    array = pa.array(["x", *values, "1.0"], type=pa.string()).slice(1 + start, len(values) - start)
    expected = [at for at, value in enumerate(values[start:]) if any(mark in value for mark in "',.;=eExX")]
    assert respell_candidates(array).tolist() == expected
