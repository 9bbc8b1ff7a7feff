"""The normalizer, one raw value at a time, against what phonenumbers itself says."""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csvtools import REASONS, normalize_number

KEPT = [
    # (raw value, region, expected E.164)
    ("+919876543210", None, "+919876543210"),
    ("+91 98765 43210", None, "+919876543210"),
    ("+1 (202) 555-0143", None, "+12025550143"),
    ("  +44 7911 123456  ", None, "+447911123456"),
    ("\u00a0+44 7911 123456\u00a0", None, "+447911123456"),
    ("\u200b+44 7911 123456", None, "+447911123456"),
    ("'+919876543210", None, "+919876543210"),
    ("tel:+1-202-555-0143", None, "+12025550143"),
    ("TEL:+44-7911-123456;phone-context=example.com", None, "+447911123456"),
    (
        "\uff0b\uff19\uff11 \uff19\uff18\uff17\uff16\uff15 \uff14\uff13\uff12\uff11\uff10",
        None,
        "+919876543210",
    ),
    ("+\u0669\u0661\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660", None, "+919876543210"),
    ("00919876543210", None, "+919876543210"),
    ("0044 7911 123456", None, "+447911123456"),
    ("447911123456", None, "+447911123456"),
    ("919876543210.0", None, "+919876543210"),
    ("9.19876543214E+11", None, "+919876543214"),
    ("9.19876543214e11", None, "+919876543214"),
    ("07911 123456", "GB", "+447911123456"),
    ("07911 123456", "gb", "+447911123456"),
    ("(0221) 1234567", "DE", "+492211234567"),
    ("202-555-0143", "US", "+12025550143"),
    ("011 44 7911 123456", "US", "+447911123456"),
    ("0091 98765 43210", "US", "+919876543210"),
    ("+44 7911 123456", "IN", "+447911123456"),
    ("98765 43210", "IN", "+919876543210"),
    (919876543210.0, None, "+919876543210"),
    # Every character whose compatibility form is "+" is a plus (not a national digit string under DE).
    ("\u208a44 7911 123456", "DE", "+447911123456"),
    ("\ufe6244 7911 123456", "DE", "+447911123456"),
    ("\ufb2944 7911 123456", "DE", "+447911123456"),
    ("\u207a44 7911 123456", None, "+447911123456"),
    # A "+" followed by the region's international prefix, read as libphonenumber reads it.
    ("+011 44 7911 123456", "US", "+447911123456"),
    ("+00 44 7911 123456", "GB", "+447911123456"),
    ("+0011 44 7911 123456", "AU", "+447911123456"),
]


@pytest.mark.parametrize("raw, region, expected", KEPT, ids=[repr(case[0]) for case in KEPT])
def test_kept_values_become_e164(raw, region, expected):
    result = normalize_number(raw, region)
    assert result.reason is None, result.detail
    assert result.number == expected


REJECTED = [
    # (raw value, region, reason)
    ("", None, "missing_number"),
    ("   ", None, "missing_number"),
    (None, None, "missing_number"),
    (float("nan"), None, "missing_number"),
    ("N/A", None, "not_a_number"),
    ("call me", None, "not_a_number"),
    ("+00021000000", None, "invalid_country_code"),
    ("07911 123456", None, "invalid_country_code"),
    ("+11231237890", None, "invalid_number"),
    ("+44999999007", None, "invalid_number"),
    ("+91012345678", None, "invalid_number"),
    ("+44 7700 900123", None, "invalid_number"),
    ("12345", None, "too_short"),
    ("+1 202 555 012", None, "too_short"),
    ("+1 202 555 01234567", None, "too_long"),
    ("9.19877E+11", None, "excel_mangled"),
    ("9.1987654321E+11", None, "excel_mangled"),
    ("+1 202 555 0143 ext. 12", None, "has_extension"),
    ("+1 202 555 0143 x12", None, "has_extension"),
    ("+1 202 555 0143 #12", None, "has_extension"),
    ("tel:+1-202-555-0143;ext=7", None, "has_extension"),
    ("+91 98765 43210 ::: +91 98765 43211", None, "multiple_numbers"),
    ("+44 7911 123456, +44 7911 123457", None, "multiple_numbers"),
    ("+44 7911 123456 +44 7911 123457", None, "multiple_numbers"),
    ("98765 43210 / 98765 43211", "IN", "multiple_numbers"),
]


@pytest.mark.parametrize("raw, region, reason", REJECTED, ids=[repr(case[0]) for case in REJECTED])
def test_rejected_values_get_a_stable_reason(raw, region, reason):
    result = normalize_number(raw, region)
    assert result.number is None
    assert result.reason == reason
    assert result.reason in REASONS
    assert result.detail


def test_a_slash_inside_one_number_is_not_two_numbers():
    assert normalize_number("0221/1234567", "DE").number == "+492211234567"


def test_bare_digits_without_region_are_read_as_international_and_say_so():
    result = normalize_number("2015550123")
    # The documented trap: a US number without +1 reads as Egyptian (+20).
    assert result.number == "+2015550123"
    assert result.reading == "plus_added"
    assert result.region == "EG"


def test_a_wrong_region_is_silent_but_marked_national():
    # pitfalls.md: a US number under IN is a valid Indian number; the reading shows why.
    result = normalize_number("202 555 0123", "IN")
    assert (result.number, result.reading) == ("+912025550123", "national")


def test_region_reading_beats_the_00_fallback_only_when_valid():
    assert normalize_number("00919876543210", "US").reading == "00_as_plus"
    assert normalize_number("07911 123456", "GB").reading == "national"
    assert normalize_number("+447911123456", "GB").reading == "international"


def test_possible_level_keeps_numbers_outside_known_ranges():
    assert normalize_number("+11231237890").reason == "invalid_number"
    assert normalize_number("+11231237890", level="possible").number == "+11231237890"
    assert normalize_number("+1 202 555 012", level="possible").reason == "too_short"


def test_unknown_level_is_a_programming_error():
    with pytest.raises(ValueError):
        normalize_number("+919876543210", level="strict")


@settings(max_examples=300, deadline=None)
@given(
    country=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
    digits=st.text(alphabet="0123456789", min_size=4, max_size=14),
    spelling=st.sampled_from(["+{cc}{n}", "+{cc} {n}", "00{cc}{n}", "{cc}{n}", "tel:+{cc}-{n}"]),
)
def test_verdict_matches_phonenumbers_on_generated_numbers(country, digits, spelling):
    """Whatever the spelling, the kept number and the verdict are phonenumbers' own."""
    code = phonenumbers.country_code_for_region(country)
    raw = spelling.format(cc=code, n=digits)
    reference = phonenumbers.parse(f"+{code}{digits}", None)
    expected_valid = phonenumbers.is_valid_number(reference)
    result = normalize_number(raw)
    assert result.ok == expected_valid
    if expected_valid:
        assert result.number == phonenumbers.format_number(reference, phonenumbers.PhoneNumberFormat.E164)


def test_every_character_whose_compatibility_form_is_plus_counts_as_plus():
    import sys
    import unicodedata

    from csvtools.numbers.reference import _PLUS_SIGNS

    pluses = {
        code for code in range(0x80, sys.maxunicode + 1) if unicodedata.normalize("NFKC", chr(code)) == "+"
    }
    assert pluses <= set(_PLUS_SIGNS)


def test_a_plus_and_an_international_prefix_is_read_only_with_that_region():
    assert normalize_number("+011 44 7911 123456").reason == "invalid_country_code"
    assert normalize_number("+011 44 7911 123456", "GB").reason == "invalid_country_code"  # GB's prefix is 00


HINT = "pass --region or a country column"
NATIONAL_LOOKING = [
    # (raw value, region, whether the detail carries the hint)
    ("07911 123456", None, True),  # trunk prefix
    ("(202) 555-0143", None, True),  # a US number without +1: Egypt's +20 has no such number
    ("2801234567", None, True),  # no country code +28
    ("12345", None, False),  # too short for any national number with its area code
    ("+44 7911 12345", None, False),  # international: the + is there
    ("0044 7911 12345", None, False),  # international: 00
    ("07911 12345", "GB", False),  # a region was given
]


@pytest.mark.parametrize(
    "raw, region, hinted", NATIONAL_LOOKING, ids=[repr(case[0]) for case in NATIONAL_LOOKING]
)
def test_a_rejected_national_looking_value_without_region_says_to_pass_one(raw, region, hinted):
    result = normalize_number(raw, region)
    assert result.number is None
    assert (HINT in result.detail) is hinted


NEEDS_COUNTRY = [
    ("07911 123456", True),
    ("447911123456", True),
    ("tel:202-555-0143", True),
    ("+44 7911 123456", False),
    ("0044 7911 123456", False),
    ("\uff0b44 7911 123456", False),
    ("N/A", False),
    ("", False),
]


@pytest.mark.parametrize("raw, needs", NEEDS_COUNTRY, ids=[repr(case[0]) for case in NEEDS_COUNTRY])
def test_which_values_need_a_country(raw, needs):
    from csvtools.numbers.reference import needs_country

    assert needs_country(raw) is needs
