"""Which country a cell or an option names: ISO 3166 codes, English names, common variants, calling codes.

Names and codes come from ``pycountry`` (the ISO 3166 tables), so they are
not a hand-kept list; the few spellings people write that ISO does not
(``USA``, ``UK``, ``Great Britain``, ``South Korea`` …) are in
:data:`VARIANTS`. A country counts only when libphonenumber has a
numbering plan for it (:func:`.metadata.supported_regions`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .metadata import calling_code_for_region, country_codes, main_region_for_code, supported_regions

__all__ = [
    "VARIANTS",
    "calling_code",
    "calling_code_of_number",
    "closest_countries",
    "country_name",
    "resolve_country",
]

#: Spellings of countries that ISO 3166 does not list, and libphonenumber's regions outside it.
VARIANTS: dict[str, str] = {
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "America": "US",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "South Korea": "KR",
    "Korea": "KR",
    "North Korea": "KP",
    "Russia": "RU",
    "Vietnam": "VN",
    "Iran": "IR",
    "Syria": "SY",
    "Laos": "LA",
    "Bolivia": "BO",
    "Venezuela": "VE",
    "Tanzania": "TZ",
    "Moldova": "MD",
    "Czech Republic": "CZ",
    "Ivory Coast": "CI",
    "UAE": "AE",
    "Holland": "NL",
    "Macedonia": "MK",
    "Taiwan": "TW",
    "Palestine": "PS",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Burma": "MM",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "East Timor": "TL",
    "Turkey": "TR",
    "Brunei": "BN",
    "Micronesia": "FM",
    "DR Congo": "CD",
    "DRC": "CD",
    "Congo-Kinshasa": "CD",
    "Congo-Brazzaville": "CG",
    "Republic of the Congo": "CG",
    "Macau": "MO",
    "Hong Kong SAR": "HK",
    "Kosovo": "XK",
    "Ascension Island": "AC",
    "Tristan da Cunha": "TA",
    "Saint Helena": "SH",
    "St Helena": "SH",
    "Falklands": "FK",
}

_CALLING_CODE = re.compile(r"^\+?\s*([1-9]\d{0,2})$")


def resolve_country(text: str | None) -> str | None:
    """The region (ISO 3166 alpha-2) that ``text`` names, or None when it names none.

    Accepted, in any letter case: an alpha-2 or alpha-3 code (``de``,
    ``DEU``), an English name or a common variant (``Germany``, ``USA``,
    ``U.K.``), or a country calling code (``+44``, ``44``: the code's main
    region, ``GB``).
    """
    if text is None:
        return None
    return _resolve(str(text).strip())


@lru_cache(maxsize=4096)
def _resolve(text: str) -> str | None:
    if not text:
        return None
    code = _CALLING_CODE.match(text)
    if code:
        return main_region_for_code(int(code.group(1)))
    if len(text) == 2 and text.isascii() and text.upper() in supported_regions():
        return text.upper()  # what the names say of a code, without loading them (as --region IN needs)
    return _names().get(_key(text))


def calling_code(region: str) -> int:
    """The country calling code of a region (``GB`` → 44, ``GG`` → 44)."""
    return calling_code_for_region(region)


def calling_code_of_number(e164: str) -> int:
    """The country calling code an E.164 number (or its first four characters) starts with (0: none)."""
    digits = e164.lstrip("+")
    known = country_codes()
    return next(
        (int(digits[:size]) for size in (1, 2, 3) if digits[:size].isdigit() and int(digits[:size]) in known),
        0,
    )


def country_name(region: str) -> str:
    """A short English name for a region, for messages."""
    import pycountry  # loaded when a name is needed: a run without country names never is (0.02 s)

    country = pycountry.countries.get(alpha_2=region)
    if country is None:
        return next((name for name, code in VARIANTS.items() if code == region), region)
    return getattr(country, "common_name", None) or country.name


def closest_countries(text: str, count: int = 3) -> list[str]:
    """Up to ``count`` countries whose codes or names are closest to ``text``, as ``"DE (Germany)"``."""
    import difflib

    names = _names()
    found: list[str] = []
    for key in difflib.get_close_matches(_key(text), list(names), n=count * 4, cutoff=0.5):
        region = names[key]
        if region not in found:
            found.append(region)
    return [f"{region} ({country_name(region)})" for region in found[:count]]


def _key(text: str) -> str:
    """A spelling without case, accents, punctuation, spaces or a leading "the"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", "and")
    text = re.sub(r"^the\s+", "", text.strip())
    return re.sub(r"[\W_]+", "", text)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every accepted spelling's key → region, for regions libphonenumber knows."""
    import pycountry

    known = supported_regions()
    names: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 not in known:
            continue
        for attribute in ("name", "official_name", "common_name"):
            spelling = getattr(country, attribute, None)
            if spelling:
                names.setdefault(_key(spelling), country.alpha_2)
    for spelling, region in VARIANTS.items():
        names.setdefault(_key(spelling), region)
    # Codes last but winning: "US" is the United States whatever a name's key might be.
    for country in pycountry.countries:
        if country.alpha_2 in known:
            names[_key(country.alpha_3)] = country.alpha_2
    for region in known:
        if region.isalpha():
            names[_key(region)] = region
    return names
