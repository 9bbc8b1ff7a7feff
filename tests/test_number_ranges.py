"""Number patterns as ranges of integers (csvtools.numbers.digit_language, .ranges, .range_book).

The tables must give every number the verdict the RE2 patterns give (which the
parity tests hold to phonenumbers), and the book's cache file must never serve
a table built from other metadata or by other code.
"""

import re

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools import knobs
from csvtools.numbers import range_book as book_module
from csvtools.numbers.digit_language import DigitPattern, UnsupportedPattern, digit_ranges
from csvtools.numbers.digits import LENGTH_MARKS
from csvtools.numbers.metadata import country_codes, country_rules
from csvtools.numbers.patterns import judge_country_rules
from csvtools.numbers.range_book import RangeBook, book_path, range_book
from csvtools.numbers.ranges import KEY_OFFSETS, number_keys


def spelled(number, length):
    return str(number).zfill(length) if length else ""


def strings_of(ranges, length):
    return {spelled(number, length) for first, last in ranges for number in range(first, last + 1)}


def every_string(length):
    return (spelled(number, length) for number in range(10**length))


@pytest.mark.parametrize(
    "pattern",
    [
        r"[2-9]\d{2}",
        r"7(?:[1-57-9]\d{2}|62\d)",
        r"(?:3[0-2]|4[2-9])\d{1,2}",
        r"1(?:0|1\d?)?",
        r"(?:12){1,2}\d?",
        r"(?:[1-3]\d|4){1,3}",
        r"0\d{0,3}",
        r"(?:2|3[45]|6(?:0[1-9]|7))\d*",
        r"[1-3]|4[5-9]\d",
        r"(?:1?)*2",
        r"(?:(?:0)?){2}1",
    ],
)
def test_ranges_are_exactly_the_strings_the_pattern_matches(pattern):
    reader = DigitPattern(pattern)
    for length in range(0, 5):
        matched = {text for text in every_string(length) if re.fullmatch(pattern, text)}
        assert strings_of(reader.ranges(length), length) == matched
        starting = {text for text in every_string(length) if re.match(pattern, text)}
        assert strings_of(reader.prefix_ranges(length), length) == starting


def digit_patterns():
    """Patterns of libphonenumber's vocabulary: digits, classes, groups, alternation, counted repeats."""
    atom = st.one_of(
        st.sampled_from("0123456789").map(str),
        st.sampled_from([r"\d", "[2-9]", "[0-24-7]", "[13579]"]),
    )

    def extend(inner):
        return st.one_of(
            st.lists(inner, min_size=1, max_size=3).map("".join),
            st.lists(inner, min_size=2, max_size=3).map(lambda parts: "(?:" + "|".join(parts) + ")"),
            st.tuples(inner, st.integers(0, 2), st.integers(0, 2)).map(
                lambda t: f"(?:{t[0]}){{{t[1]},{t[1] + t[2]}}}"
            ),
            inner.map(lambda part: f"(?:{part})?"),
        )

    return st.recursive(atom, extend, max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(digit_patterns())
def test_generated_patterns_give_the_strings_re_matches(pattern):
    reader = DigitPattern(pattern)
    for length in range(0, 4):
        matched = {text for text in every_string(length) if re.fullmatch(pattern, text)}
        assert strings_of(reader.ranges(length), length) == matched


@pytest.mark.parametrize("pattern", [r"(?=1)\d", r"(\d)\1", r"(?i)1", r"1.", r"[^1]"])
def test_patterns_outside_the_vocabulary_are_refused(pattern):
    with pytest.raises(UnsupportedPattern):
        DigitPattern(pattern).ranges(2)


def test_too_many_ranges_are_refused():
    with pytest.raises(UnsupportedPattern):
        digit_ranges(r"\d{9}[13579]", 10)  # 10**9 ranges of one number each


def test_number_keys_put_each_length_on_its_own_stretch():
    national = pa.array(["12", "012", "0012", "9", "123456789012345678"])
    lengths = np.array([2, 3, 4, 1, 18])
    keys = number_keys(national, lengths)
    assert keys[:3].tolist() == [KEY_OFFSETS[2] + 12, KEY_OFFSETS[3] + 12, KEY_OFFSETS[4] + 12]
    assert keys[3] == keys[4] == 0  # too short, too long: where no table has a valid number
    with pytest.raises(pa.ArrowInvalid):
        number_keys(pa.array(["12a"]), np.array([3]))


def boundary_numbers(table, seed):
    """Every segment's first number and the one before it, and random numbers of every length."""
    random = np.random.default_rng(seed)
    keys = np.concatenate([table.starts, table.starts - 1, random.integers(0, KEY_OFFSETS[-1], 2000)])
    keys = keys[(keys >= KEY_OFFSETS[2]) & (keys < KEY_OFFSETS[-1])]
    lengths = np.searchsorted(KEY_OFFSETS, keys, side="right") - 1
    values = keys - KEY_OFFSETS[lengths]
    national = pa.array(
        [str(value).zfill(length) for value, length in zip(values.tolist(), lengths.tolist())]
    )
    return national, lengths


def test_every_codes_table_gives_the_patterns_verdicts(number_range_book):
    """At each segment's edges (where a wrong range would show first) and at random numbers."""
    geographic = [code for code in sorted(country_codes()) if country_rules(code) is not None]
    assert number_range_book.codes.tolist() == geographic  # every code has a table
    for code in geographic:
        table = number_range_book.table(code)
        national, lengths = boundary_numbers(table, code)
        keyed = pc.binary_join_element_wise(LENGTH_MARKS.take(pa.array(lengths)), national, "")
        by_patterns = judge_country_rules(country_rules(code), keyed)
        by_table = table.verdicts(number_keys(national, lengths))
        for name, expected, found in zip(("valid", "region", "type"), by_patterns, by_table):
            assert np.array_equal(np.asarray(expected, np.int64), np.asarray(found, np.int64)), (code, name)


def test_a_shared_codes_table_names_the_region_phonenumbers_names(number_range_book):
    table = number_range_book.table(1)
    regions = country_rules(1).regions
    for region in ("US", "CA", "JM", "PR"):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
        nsn = phonenumbers.national_significant_number(example)
        valid, found, _ = table.verdicts(number_keys(pa.array([nsn]), np.array([len(nsn)])))
        assert valid[0] and regions[found[0]].region == region


@pytest.fixture
def fresh_book(monkeypatch, tmp_path):
    """No book held by this process, and the cache in a directory of this test's own."""
    monkeypatch.setattr(book_module, "_held", [])
    monkeypatch.setenv("CSVTOOLS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_big_call_builds_the_book_and_saves_it_for_the_next_process(fresh_book, number_range_book):
    assert range_book(knobs.RANGES_WORTH_BUILDING - 1) is None  # a small call does not build it
    assert not fresh_book.exists()
    built = range_book(knobs.RANGES_WORTH_BUILDING)
    assert book_path().parent == fresh_book and book_path().exists()
    assert np.array_equal(built.starts, number_range_book.starts)
    book_module._held.clear()  # as a new process
    loaded = range_book(1)  # a file is there: even a small call uses it
    for name in ("codes", "bounds", "starts", "labels"):
        assert np.array_equal(getattr(loaded, name), getattr(number_range_book, name)), name
    assert [path.name for path in fresh_book.iterdir()] == [book_path().name]  # no partial file left


def test_a_damaged_cache_file_is_built_again(fresh_book, number_range_book):
    book_path().parent.mkdir(parents=True)
    book_path().write_bytes(b"PK\x03\x04 not a whole file")
    assert range_book(1) is None
    rebuilt = range_book(knobs.RANGES_WORTH_BUILDING)
    assert np.array_equal(rebuilt.labels, number_range_book.labels)
    book_module._held.clear()
    assert range_book(1) is not None  # the damaged file was replaced


def test_the_file_is_named_by_the_metadata_version_and_the_builder(fresh_book, monkeypatch):
    name = book_path().name
    assert phonenumbers.__version__ in name
    monkeypatch.setattr(book_module, "_BUILT_BY", ("ranges.py",))  # other builder code: another file
    assert book_path().name != name


def test_an_empty_cache_dir_writes_no_file(monkeypatch, tmp_path):
    monkeypatch.setattr(book_module, "_held", [])
    monkeypatch.setenv("CSVTOOLS_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(
        RangeBook, "build", classmethod(lambda cls: RangeBook(*([np.zeros(1, np.int64)] * 4)))
    )
    assert book_path() is None
    assert range_book(knobs.RANGES_WORTH_BUILDING) is not None
    assert list(tmp_path.iterdir()) == []


def test_a_cache_that_cannot_be_written_still_judges(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(book_module, "_held", [])
    monkeypatch.setenv("CSVTOOLS_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(
        RangeBook, "build", classmethod(lambda cls: RangeBook(*([np.zeros(1, np.int64)] * 4)))
    )
    assert range_book(knobs.RANGES_WORTH_BUILDING) is not None
