"""Which country a cell or --region names: codes, names, variants and calling codes, and nothing else."""

import pytest

from csvtools import Options
from csvtools.numbers.countries import calling_code_of_number, closest_countries, resolve_country

SPELLINGS = [
    # (cell, region)
    ("DE", "DE"),
    ("de", "DE"),
    ("DEU", "DE"),
    ("deu", "DE"),
    ("Germany", "DE"),
    (" germany ", "DE"),
    ("United States", "US"),
    ("USA", "US"),
    ("U.S.", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("United Kingdom", "GB"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("Great Britain", "GB"),
    ("GBR", "GB"),
    ("India", "IN"),
    ("IND", "IN"),
    ("South Korea", "KR"),
    ("Korea, Republic of", "KR"),
    ("Viet Nam", "VN"),
    ("Vietnam", "VN"),
    ("Côte d'Ivoire", "CI"),
    ("Cote d'Ivoire", "CI"),
    ("Türkiye", "TR"),
    ("Turkey", "TR"),
    ("The Netherlands", "NL"),
    ("Kosovo", "XK"),
    ("XK", "XK"),
    ("+44", "GB"),
    ("44", "GB"),
    ("+1", "US"),
    ("+ 49", "DE"),
    ("+91", "IN"),
]


@pytest.mark.parametrize("cell, region", SPELLINGS, ids=[case[0] for case in SPELLINGS])
def test_a_country_is_found_however_it_is_spelled(cell, region):
    assert resolve_country(cell) == region


NOT_COUNTRIES = [
    "",
    "   ",
    None,
    "XX",
    "001",
    "+0",
    "+999",
    "Narnia",
    "Deutschland",
    "AQ",
    "Antarctica",
    "+800",
    "1234",
]


@pytest.mark.parametrize("cell", NOT_COUNTRIES, ids=[repr(cell) for cell in NOT_COUNTRIES])
def test_what_names_no_country_with_a_numbering_plan_is_none(cell):
    assert resolve_country(cell) is None


def test_closest_countries_are_offered_for_a_typo():
    assert closest_countries("Germny")[0] == "DE (Germany)"
    assert closest_countries("Untied Kingdom")[0] == "GB (United Kingdom)"


def test_the_calling_code_of_a_number_is_read_off_its_start():
    assert [
        calling_code_of_number(n) for n in ("+447911123456", "+12025550143", "+3531234567", "+8801234")
    ] == [44, 1, 353, 880]


@pytest.mark.parametrize(
    "region, code",
    [("DE", "DE"), ("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("+49", "DE"), ("uk", "GB")],
    ids=lambda value: str(value),
)
def test_options_keep_the_region_as_its_code(region, code):
    assert Options(region=region).region == code


@pytest.mark.parametrize("region", ["XX", "001", "Germny", "EU"], ids=str)
def test_options_refuse_a_region_that_names_no_country(region):
    with pytest.raises(ValueError) as raised:
        Options(region=region)
    message = str(raised.value)
    assert repr(region) in message
    assert "\n" not in message


def test_the_refusal_names_the_closest_matches():
    with pytest.raises(ValueError, match=r"closest: DE \(Germany\)"):
        Options(region="Germny")
