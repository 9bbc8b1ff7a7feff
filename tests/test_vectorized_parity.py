"""The vectorized path must agree with phonenumbers (through the reference wrapper) on every verdict.

These tests assert parity, never timings.
"""

import csv
import re

import numpy as np
import phonenumbers
import pytest
from helpers.numbers import fast_verdicts, generate, reference
from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools import clean_chunk
from csvtools.numbers.reference import type_name

# Every test here runs on both ways of deciding validity (tables of ranges, RE2 patterns).
pytestmark = pytest.mark.usefixtures("judging_path")


@pytest.fixture(scope="module")
def benchmark_values(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "contacts.csv"
    generate.write(str(path), 6000, seed=7)
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted({row["phone"] for row in csv.DictReader(handle)})


def test_fast_path_agrees_with_phonenumbers_on_the_benchmark_file(benchmark_values):
    fast = fast_verdicts(benchmark_values)
    decided = [(value, verdict) for value, verdict in zip(benchmark_values, fast) if verdict is not None]
    assert len(decided) > 0.9 * len(benchmark_values)  # it does take the common case
    mismatches = [
        (value, verdict, reference(value)) for value, verdict in decided if verdict != reference(value)
    ]
    assert mismatches == []


def test_fast_path_leaves_what_it_cannot_settle(benchmark_values):
    values = [
        "919876543210.0",
        "9.19877E+11",
        "+44 7911 123456 ext 3",
        "'+919876543210",
        "+800 1234 5678",
        "07911 123456",
        "+91 98765 43210 / +91 98765 43211",
        "N/A",
        "+۹۱۹۸۷۶۵۴۳۲۱۰",
    ]
    assert fast_verdicts(values) == [None] * len(values)
    assert fast_verdicts(["+919876543210"], level="possible") == [None]
    assert fast_verdicts(["07911 123456"], region="GB") == [None]


CHUNK_SPELLINGS = [
    "+{cc}{n}",
    "+{cc} {n}",
    "00{cc}{n}",
    "{cc}{n}",
    "tel:+{cc}-{n}",
    "+{cc}-{n}",
    "({cc}) {n}",
    " +{cc}{n} ",
    "+{cc}{n}0",
    "TeL:{cc}{n}",
    "+{cc}+{n}",
    "0 0{cc} {n}",
    "+ {cc}{n}",
    "tel{cc}{n}",
    "{cc}{n}x",
    "++{cc}{n}",
]


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(
        st.tuples(
            st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
            st.text(alphabet="0123456789", min_size=1, max_size=16),
            st.sampled_from(CHUNK_SPELLINGS),
        ),
        min_size=1,
        max_size=40,
    ),
    region=st.sampled_from([None, None, "IN", "US", "GB"]),
)
def test_clean_chunk_equals_the_reference_on_generated_numbers(numbers, region):
    """Whatever path a value takes, its verdict is the reference's, in every column."""
    import pandas as pd

    values = [
        spelling.format(cc=phonenumbers.country_code_for_region(country), n=digits)
        for country, digits, spelling in numbers
    ]
    frame = pd.DataFrame({"phone": values}, index=pd.RangeIndex(2, 2 + len(values), name="line"))
    verdicts = clean_chunk(frame, "phone", region)
    columns = (
        verdicts[name].astype(object).where(verdicts[name].notna(), None)
        for name in ("contact_number", "reason", "detail", "region", "reading", "type")
    )
    got = list(zip(*columns))
    assert got == [reference(value, region) for value in values]


ALL_TYPES = [
    getattr(phonenumbers.PhoneNumberType, name)
    for name in (
        "MOBILE",
        "FIXED_LINE",
        "FIXED_LINE_OR_MOBILE",
        "TOLL_FREE",
        "PREMIUM_RATE",
        "SHARED_COST",
        "VOIP",
        "PERSONAL_NUMBER",
        "PAGER",
        "UAN",
        "VOICEMAIL",
    )
]


def example_numbers():
    """Every region's example number of every type libphonenumber has one for."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in ALL_TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                yield phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164), example


def test_every_type_is_phonenumbers_number_type_on_both_paths():
    """The type of a kept number is phonenumbers.number_type, in the vectorized path too; every type occurs."""
    examples = dict(example_numbers())
    values = sorted(examples)
    expected = [type_name(phonenumbers.number_type(examples[value])) for value in values]
    assert [reference(value)[5] for value in values] == expected
    fast = fast_verdicts(values)
    decided = [(value, verdict[5], want) for value, verdict, want in zip(values, fast, expected) if verdict]
    assert len(decided) > 0.9 * len(values)
    assert [item for item in decided if item[1] != item[2]] == []
    assert {kind for _, kind, _ in decided} >= {
        "mobile",
        "fixed_line",
        "fixed_line_or_mobile",
        "toll_free",
        "premium_rate",
        "shared_cost",
        "voip",
        "personal_number",
        "pager",
        "uan",
        "voicemail",
    }


@pytest.mark.parametrize("few", [0, None])
def test_fast_path_agrees_on_every_region_with_trunk_prefixes_and_wrong_lengths(monkeypatch, few):
    """With few=0 the national-prefix step runs vectorized for every code, however few its numbers."""
    from csvtools import knobs

    if few is not None:
        monkeypatch.setattr(knobs, "FEW_NATIONAL_PREFIXES", few)
    values = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in ALL_TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                nsn, code = phonenumbers.national_significant_number(example), example.country_code
                values += [
                    f"+{code}{nsn}",
                    f"+{code}0{nsn}",
                    f"00{code}{nsn}",
                    f"+{code}{nsn[:-1]}",
                    f"+{code}{nsn}9",
                    f"+{code} (0) {nsn}",
                    f"{code}{nsn}",
                ]
    fast = fast_verdicts(values)
    decided = [(value, verdict) for value, verdict in zip(values, fast) if verdict is not None]
    assert len(decided) > 0.85 * len(values)
    assert [(value, verdict) for value, verdict in decided if verdict != reference(value)] == []


def national_spellings(region):
    """National spellings of a region's example numbers: with and without the trunk prefix, formatted,
    with a digit too few or too many, and with the calling code or international prefix in front."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    values = []
    for kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
    ):
        example = phonenumbers.example_number_for_type(region, kind)
        if not example:
            continue
        nsn, code = phonenumbers.national_significant_number(example), example.country_code
        trunk = metadata.national_prefix or ""
        formatted = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        values += [
            nsn,
            f"{trunk}{nsn}",
            f"{trunk} {nsn}",
            f"0{nsn}",
            f"1{nsn}",
            f"{nsn[:-1]}",
            f"{nsn}7",
            f"{trunk}{nsn[:-2]}",
            f"{code}{nsn}",
            f"00{code}{nsn}",
            f"{nsn[:3]}-{nsn[3:]}",
            f"{nsn[:4]} {nsn[4:]}",
        ]
        if formatted[:1].isdigit():
            values.append(formatted)
    return values


@pytest.mark.parametrize("few", [0, None])
def test_fast_path_agrees_on_national_spellings_of_every_region(monkeypatch, few):
    """Under every region, national spellings judged vectorized are the reference's verdicts, including
    the regions whose national prefix for parsing is a pattern or carries a transform rule (AR, MX, BR …)."""
    from csvtools import knobs

    if few is not None:
        monkeypatch.setattr(knobs, "FEW_NATIONAL_PREFIXES", few)
    decided_anywhere = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        values = national_spellings(region)
        fast = fast_verdicts(values, region)
        decided = [(value, verdict) for value, verdict in zip(values, fast) if verdict is not None]
        decided_anywhere += len(decided)
        assert [
            (region, value, verdict) for value, verdict in decided if verdict != reference(value, region)
        ] == []
    assert decided_anywhere > 1000


@pytest.mark.parametrize(
    "region, values",
    [
        ("IN", ["98765 43210", "9876543210", "98765-43210", "8765432109", "022 2345 6789"]),
        ("US", ["202 555 0143", "12025550143", "1 202 555 0143", "(202) 555-0143"[1:]]),
        ("CA", ["506 234 5678", "15062345678"]),  # shares +1 with the US: its own parsing rules
        ("GG", ["7781 123456", "7781123456"]),  # shares +44 with the UK (its trunk 0 has a transform rule)
        # National prefixes with a transform rule: a carrier code (BR), "15" after the area code (AR),
        # a local number that gains its area code (GG, AG).
        ("BR", ["011 98765 4321", "0 21 2345 6789", "015 11 98765 4321", "090 21 2345 6789"]),
        ("AR", ["011 15 2345 6789", "0341 15 555 1234", "011 4321 1234", "02944 15 12 3456"]),
        ("JP", ["03-1234-5678", "090 1234 5678", "0120 123 456"]),
        ("GG", ["781234", "01481 781234"]),
        ("AG", ["4601234", "1 268 460 1234"]),
    ],
    ids=["IN", "US", "CA", "GG", "BR", "AR", "JP", "GG-local", "AG"],
)
def test_fast_path_takes_the_common_national_spellings(region, values):
    fast = fast_verdicts(values * 10, region)
    assert all(verdict is not None for verdict in fast)
    assert fast == [reference(value, region) for value in values * 10]


@settings(max_examples=150, deadline=None)
@given(
    region=st.sampled_from(
        sorted(phonenumbers.SUPPORTED_REGIONS)
        + ["US", "IN", "GB", "RU", "BR", "AR", "MX"] * 20
        + ["JP", "GG", "AG", "CC", "GA", "MG"] * 5
    ),
    numbers=st.lists(
        st.tuples(
            st.sampled_from(
                ["", "0", "1", "8", "00", "01", "7", "44", "91", "49", "55", "52", "54", "61", "810"]
                + ["015", "021", "090", "0xx", "011 15", "0003768", "000"]
            ),
            st.text(alphabet="0123456789", min_size=3, max_size=15),
            st.sampled_from(["{p}{n}", "{p} {n}", "{p}-{n}", "{p}({n})", " {p}{n} "]),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_clean_chunk_equals_the_reference_on_generated_national_numbers(region, numbers):
    import pandas as pd

    values = [spelling.format(p=prefix, n=digits) for prefix, digits, spelling in numbers]
    frame = pd.DataFrame({"phone": values})
    verdicts = clean_chunk(frame, "phone", region)
    columns = (
        verdicts[name].astype(object).where(verdicts[name].notna(), None)
        for name in ("contact_number", "reason", "detail", "region", "reading", "type")
    )
    assert list(zip(*columns)) == [reference(value, region) for value in values]


def test_plus_signs_outside_ascii_are_left_to_the_reference():
    """The reference knows every compatibility form of "+"; the vectorized path reads ASCII only."""
    import pandas as pd

    values = ["\u208a44 7911 123456", "\ufe6244 7911 123456", "\ufb2944 7911 123456", "\u207a44 7911 123456"]
    assert fast_verdicts(values, region="DE") == [None] * len(values)
    frame = pd.DataFrame({"phone": values})
    assert list(clean_chunk(frame, "phone", "DE")["contact_number"]) == ["+447911123456"] * len(values)


def test_fast_path_types_agree_on_example_numbers_with_other_endings():
    """Every region's example numbers with other last digits: fixed lines that are mobile too, rare
    types and numbers of no type, each typed as phonenumbers types it (the passes that carry the
    rare types' patterns along with fixed line's and mobile's)."""
    values = sorted(
        {f"{value[:-2]}{ending:02d}" for value, _ in example_numbers() for ending in range(0, 100, 7)}
    )
    fast = fast_verdicts(values)
    decided = [(value, verdict) for value, verdict in zip(values, fast) if verdict is not None]
    assert len(decided) > 0.85 * len(values)
    assert {verdict[5] for _, verdict in decided} >= {"mobile", "fixed_line", "fixed_line_or_mobile", "voip"}
    assert [(value, verdict) for value, verdict in decided if verdict != reference(value)] == []


NATIONAL_PREFIX_STARTS = ("0", "00", "1", "8", "80", "9", "90", "10", "15", "19", "2", "4", "6", "7")


@pytest.mark.parametrize("few", [0, None])
def test_fast_path_agrees_where_national_prefixes_start_with_other_digits(monkeypatch, few):
    """Numbers of every region written with a national prefix's first digits after the calling code:
    the national-prefix step sees each one the prefix can start with (``national_prefix.first_digits``)."""
    from csvtools import knobs

    if few is not None:
        monkeypatch.setattr(knobs, "FEW_NATIONAL_PREFIXES", few)
    values = sorted(
        {
            f"+{example.country_code}{start}{phonenumbers.national_significant_number(example)}"
            for _, example in example_numbers()
            for start in NATIONAL_PREFIX_STARTS
        }
    )
    fast = fast_verdicts(values)
    decided = [(value, verdict) for value, verdict in zip(values, fast) if verdict is not None]
    assert len(decided) > 0.8 * len(values)
    assert [(value, verdict) for value, verdict in decided if verdict != reference(value)] == []


def test_first_digits_of_national_prefixes():
    """The digits a national prefix for parsing can start with: never one too few (every match of
    every prefix in the metadata over numbers that start with each digit is checked)."""
    from csvtools.numbers.metadata import country_codes, country_rules
    from csvtools.numbers.national_prefix import DIGITS, first_digits

    assert first_digits("(?:0|90)(?:(1[245]|2[1-35])(\\d{10,11}))?") == {"0", "9"}
    assert first_digits("([24-9]\\d{6})$|0") == set("0245678" + "9")
    assert first_digits("0?(?:(11|2)15)?") == DIGITS  # it may match nothing at all
    assert first_digits("[^0]") == DIGITS
    prefixes = {
        rules.national_prefix_for_parsing
        for code in country_codes()
        if (rules := country_rules(code)) and rules.national_prefix_for_parsing
    }
    numbers = {
        f"{start}{phonenumbers.national_significant_number(example)}"[:length]
        for _, example in example_numbers()
        for start in "0123456789"
        for length in range(4, 14)
    }
    missed = [
        (prefix, number)
        for prefix in prefixes
        for number in numbers
        if (found := re.match(prefix, number)) and found.end() > 0 and number[0] not in first_digits(prefix)
    ]
    assert missed == []


def test_fast_path_agrees_on_every_regions_national_spellings_in_one_country_column():
    """Every region's national spellings in one array, each under its own region (a country column):
    the regions' numbers are judged together, each with its region's own parsing rules (CA and US
    share +1, GG and GB +44 …), and every verdict is the reference's under the row's region."""
    from csvtools.numbers.vectorized import Regions, judge_array

    names = (None, *sorted(phonenumbers.SUPPORTED_REGIONS))
    pairs = [
        (value, group) for group, region in enumerate(names[1:], 1) for value in national_spellings(region)
    ]
    pairs += [(f"+{value}", 0) for value, _ in pairs[:300]] + [(value, 0) for value, _ in pairs[:300]]
    # Regions whose own parsing rules read these (a trunk prefix's transform rule: GG, AG).
    own_rules = [("4601234", "AG"), ("781234", "GG"), ("01481 781234", "GG"), ("506 234 5678", "CA")]
    pairs += [(value, names.index(region)) for value, region in own_rules] * 5
    order = np.random.default_rng(5).permutation(len(pairs))
    values = [pairs[at][0] for at in order]
    groups = np.array([pairs[at][1] for at in order])
    fast = judge_array(np.asarray(values, dtype=object), Regions(names, groups), "valid")
    columns = [
        fast.column(name).to_pylist() for name in ("number", "reason", "detail", "region", "reading", "type")
    ]
    decided = [
        (value, names[group], verdict)
        for value, group, verdict, known in zip(values, groups, zip(*columns), fast.decided)
        if known
    ]
    assert len(decided) > 0.6 * len(values)
    assert {(value, region) for value, region, _ in decided} >= set(own_rules)
    assert [item for item in decided if item[2] != reference(item[0], item[1])] == []
