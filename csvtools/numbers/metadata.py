"""libphonenumber's numbering rules as plain data, for the vectorized path (:mod:`.vectorized`).

Read once per calling code from ``phonenumbers``' own metadata, so that the
vectorized path matches exactly the patterns the reference uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import phonenumbers

__all__ = [
    "RARE_TYPES",
    "CountryRules",
    "Pattern",
    "RegionRules",
    "calling_code_for_region",
    "country_codes",
    "country_rules",
    "main_region_for_code",
    "parsing_rules",
    "supported_regions",
]

# The types a number may be of (any one makes it valid).
_TYPE_DESCS = (
    "mobile",
    "fixed_line",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)
#: The types ``_number_type_helper`` tries before fixed line and mobile, in its order.
RARE_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


@dataclass(frozen=True)
class Pattern:
    """A number description: a pattern the national number must match in full, and its lengths."""

    regex: str
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class RegionRules:
    """What makes a national number valid in one region, taken from libphonenumber's metadata."""

    region: str
    general: Pattern | None
    #: Each type's pattern by name (``RARE_TYPES``, ``fixed_line``, ``mobile``): any one makes a number
    #: valid, and ``_number_type_helper``'s order of trying them gives its type.
    named: tuple[tuple[str, Pattern], ...]
    leading_digits: str | None
    #: libphonenumber's ``same_mobile_and_fixed_line_pattern``: then a fixed line is ``fixed_line_or_mobile``.
    same_mobile_and_fixed_line: bool = False


@dataclass(frozen=True)
class CountryRules:
    """A country calling code: its regions in libphonenumber's order, and its length rules."""

    country_code: int
    main_region: str
    regions: tuple[RegionRules, ...]
    possible_lengths: tuple[int, ...]
    local_only_lengths: tuple[int, ...]
    national_prefix_for_parsing: str | None
    national_prefix_transform_rule: str | None
    international_prefix: str | None = None


def country_codes() -> frozenset[int]:
    """Every country calling code libphonenumber knows."""
    return frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def country_rules(country_code: int) -> CountryRules | None:
    """The rules of a geographic country code, or None (unknown, or non-geographic like +800)."""
    return _country_rules(country_code)


@cache
def _country_rules(country_code: int) -> CountryRules | None:
    region_codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not region_codes or region_codes[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    main = phonenumbers.PhoneMetadata.metadata_for_region(region_codes[0])
    if main is None:
        return None
    regions = []
    for code in region_codes:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(code)
        if metadata is None:
            continue
        regions.append(
            RegionRules(
                code,
                _pattern(metadata.general_desc),
                _named_patterns(metadata),
                metadata.leading_digits,
                bool(metadata.same_mobile_and_fixed_line_pattern),
            )
        )
    general = main.general_desc
    assert general is not None  # every region of libphonenumber's metadata has a general description
    return CountryRules(
        country_code=country_code,
        main_region=region_codes[0],
        regions=tuple(regions),
        possible_lengths=tuple(general.possible_length or ()),
        local_only_lengths=tuple(general.possible_length_local_only or ()),
        national_prefix_for_parsing=main.national_prefix_for_parsing or None,
        national_prefix_transform_rule=main.national_prefix_transform_rule or None,
        international_prefix=main.international_prefix or None,
    )


def parsing_rules(region: str) -> CountryRules | None:
    """The rules ``parse(value, region)`` reads a national number of ``region`` by.

    For the main region of a calling code they are :func:`country_rules`'
    own; another region of a shared code (``CA`` under +1, ``GG`` under +44)
    has its own national prefix for parsing, international prefix, general
    pattern and lengths. Only ``regions[0]`` (``region`` itself) is set:
    validity is still decided over every region of the code.
    """
    return _parsing_rules(region)


@cache
def _parsing_rules(region: str) -> CountryRules | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    main = country_rules(metadata.country_code)
    if main is None:
        return None
    general = metadata.general_desc
    assert general is not None  # every region of libphonenumber's metadata has a general description
    return CountryRules(
        country_code=metadata.country_code,
        main_region=main.main_region,
        regions=(RegionRules(region, _pattern(general), _named_patterns(metadata), metadata.leading_digits),),
        possible_lengths=tuple(general.possible_length or ()),
        local_only_lengths=tuple(general.possible_length_local_only or ()),
        national_prefix_for_parsing=metadata.national_prefix_for_parsing or None,
        national_prefix_transform_rule=metadata.national_prefix_transform_rule or None,
        international_prefix=metadata.international_prefix or None,
    )


def _named_patterns(metadata: phonenumbers.PhoneMetadata) -> tuple[tuple[str, Pattern], ...]:
    pairs = ((name, _pattern(getattr(metadata, name))) for name in _TYPE_DESCS)
    return tuple((name, pattern) for name, pattern in pairs if pattern)


def _pattern(desc: object) -> Pattern | None:
    regex = getattr(desc, "national_number_pattern", None)
    if not regex:
        return None
    return Pattern(regex, tuple(getattr(desc, "possible_length", ()) or ()))


def supported_regions() -> frozenset[str]:
    """Every region (ISO 3166 alpha-2, plus libphonenumber's AC, TA, XK) that has a numbering plan."""
    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def calling_code_for_region(region: str) -> int:
    """The country calling code of ``region`` (0 when it has none)."""
    return phonenumbers.country_code_for_region(region)


def main_region_for_code(country_code: int) -> str | None:
    """The main region of a geographic country calling code (``44`` → ``GB``), or None."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or regions[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    return regions[0]
