"""Turn one raw phone value into E.164 or a reason code: the reference for every verdict.

This module wraps ``phonenumbers`` (``parse``, ``is_valid_number``,
``format_number``) and maps its errors and length results onto our reason
codes; :mod:`.metadata` exports its numbering rules as data, and the
vectorized path (:mod:`.vectorized`) must agree with this one on every value.
Everything here is a pure function of its arguments, so results can be
cached per distinct value and computed in any process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult

from .. import reasons
from ..options import LEVELS, NUMBER_TYPES

__all__ = [
    "NATIONAL_HINT",
    "READINGS",
    "NumberResult",
    "length_reason",
    "length_verdict",
    "needs_country",
    "normalize_number",
    "parse_failure",
    "places_for",
    "time_zones_for",
    "type_name",
]

#: Added to the detail of a rejected value that looks national when no region was given.
NATIONAL_HINT = "; a national number? pass --region or a country column"
#: Bare digits of these lengths look like a national number with its area code (the US's 10, …).
NATIONAL_LENGTHS = range(7, 12)

#: How a kept number was read (``NumberResult.reading``); the report counts these so
#: that a user sees how many numbers depended on a guess (bare digits read under ``+``).
READINGS = ("international", "plus_added", "00_as_plus", "national")


@dataclass(frozen=True)
class NumberResult:
    """The verdict on one raw value: an E.164 ``number`` or a ``reason`` code.

    A kept number also has its ``region``, how it was ``reading`` read, and its
    ``type``: ``phonenumbers.number_type`` as a name of :data:`csvtools.options.NUMBER_TYPES`.
    """

    number: str | None
    reason: str | None = None
    detail: str = ""
    region: str | None = None
    reading: str | None = None
    type: str | None = None

    @property
    def ok(self) -> bool:
        """True when the value is a number to keep (``number`` is its E.164 form)."""
        return self.number is not None


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202c"))
# Every character whose compatibility form (NFKC) is "+" (a test checks the whole of Unicode), and ➕.
_PLUS_SIGNS = dict.fromkeys(map(ord, "\u207a\u208a\ufb29\ufe62\uff0b\u2795"), "+")
_FLOAT_ARTEFACT = re.compile(r"^(\+?\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
_SEPARATORS = re.compile(r":::|[;,/|\n]|\s(?:or|and|&)\s", re.IGNORECASE)
_EXTENSION_PARAM = re.compile(r";\s*ext\s*=", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[\s\-.()\[\]/\\~\u2010-\u2015\u2212\u30fc]")

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: reasons.INVALID_COUNTRY_CODE,
    NumberParseException.NOT_A_NUMBER: reasons.NOT_A_NUMBER,
    NumberParseException.TOO_SHORT_AFTER_IDD: reasons.TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: reasons.TOO_SHORT,
    NumberParseException.TOO_LONG: reasons.TOO_LONG,
}

_LENGTH_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: (reasons.INVALID_COUNTRY_CODE, "unknown country calling code"),
    ValidationResult.TOO_SHORT: (reasons.TOO_SHORT, "too few digits for the country"),
    ValidationResult.TOO_LONG: (reasons.TOO_LONG, "too many digits for the country"),
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: (
        reasons.TOO_SHORT,
        "too few digits (a local number without its area code?)",
    ),
    ValidationResult.INVALID_LENGTH: (reasons.INVALID_NUMBER, "no number of this length in the country"),
}


def normalize_number(value: object, region: str | None = None, level: str = "valid") -> NumberResult:
    """Normalize one raw cell to E.164.

    ``region`` is an ISO 3166 code used as the default region for national
    numbers; without it every number is read as international. ``level`` is
    ``"valid"`` (``phonenumbers.is_valid_number``) or ``"possible"``
    (``is_possible_number``, for ranges libphonenumber does not know yet).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    text = _tidy(value)
    if not text:
        return NumberResult(None, reasons.MISSING_NUMBER, "the number cell is empty")

    text, excel_reason = _undo_spreadsheet_damage(text)
    if excel_reason:
        return excel_reason

    if text.lower().startswith("tel:"):
        text = text[4:]
        if not _EXTENSION_PARAM.search(text):
            text = text.split(";", 1)[0]

    if _holds_several_numbers(text):
        return NumberResult(None, reasons.MULTIPLE_NUMBERS, "the cell holds more than one number")

    candidates = _readings(text, region.upper() if region else None)
    first_failure: NumberResult | None = None
    for candidate, parse_region, reading in candidates:
        result = _judge(candidate, parse_region, reading, level)
        if result.ok or result.reason == reasons.HAS_EXTENSION:
            return result
        first_failure = first_failure or result
    assert first_failure is not None  # _readings gives at least one reading
    if region is None and _looks_national(_PUNCTUATION.sub("", text)):
        first_failure = NumberResult(None, first_failure.reason, first_failure.detail + NATIONAL_HINT)
    return first_failure


def needs_country(value: object) -> bool:
    """Whether reading ``value`` depends on a country: digits without a leading ``+`` or ``00``."""
    text = _tidy(value)
    if text.lower().startswith("tel:"):
        text = text[4:]
    compact = _PUNCTUATION.sub("", text)
    return any(ch.isdigit() for ch in compact) and not compact.startswith(("+", "00"))


def _looks_national(compact: str) -> bool:
    """Bare digits with a trunk prefix (``07911…``) or of a national number's length."""
    if not compact.isdigit() or compact.startswith("00"):
        return False
    return compact[0] == "0" or len(compact) in NATIONAL_LENGTHS


def _tidy(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # A float only reaches us from a caller who let a reader guess types.
        if value != value:
            return ""
        value = repr(value)
    text = str(value)
    if not text.isascii():
        text = text.translate(_INVISIBLE).translate(_PLUS_SIGNS)
        text = "".join(_ascii_digit(ch) for ch in text)
    text = text.strip()
    if text.startswith("'"):  # spreadsheet "treat as text" marker
        text = text[1:].strip()
    return text


def _ascii_digit(ch: str) -> str:
    if ch.isdecimal() and not ("0" <= ch <= "9"):
        return str(unicodedata.decimal(ch))
    return ch


def _undo_spreadsheet_damage(text: str) -> tuple[str, NumberResult | None]:
    """Recover digits a spreadsheet turned into a float, or refuse to guess."""
    artefact = _FLOAT_ARTEFACT.match(text)
    if artefact:
        return artefact.group(1), None
    scientific = _SCIENTIFIC.match(text)
    if scientific:
        lead, fraction, exponent = scientific.group(1), scientific.group(2) or "", int(scientific.group(3))
        if len(fraction) == exponent:
            prefix = "+" if text.startswith("+") else ""
            return prefix + lead + fraction, None
        return text, NumberResult(
            None,
            reasons.EXCEL_MANGLED,
            f"{text} is a spreadsheet's scientific notation; digits were lost, re-export the column as text",
        )
    return text, None


def _holds_several_numbers(text: str) -> bool:
    if text.count("+") > 1:
        return True
    parts = _SEPARATORS.split(text)
    if len(parts) < 2:
        return False
    return sum(1 for part in parts if sum(c.isdigit() for c in part) >= 7) >= 2


def _readings(text: str, region: str | None) -> list[tuple[str, str | None, str]]:
    """The ways to read ``text``, in order: (candidate, default region, reading)."""
    compact = _PUNCTUATION.sub("", text)
    if compact.startswith("+"):
        readings: list[tuple[str, str | None, str]] = [(text, None, "international")]
        if region and compact.startswith("+0"):
            # No calling code starts with 0: libphonenumber reads "+011 44 …" under US as the
            # region's international prefix after a stray "+".
            readings.append((text, region, "international"))
        return readings
    if region:
        readings = [(text, region, "national")]
        if compact.startswith("00"):
            readings.append(("+" + compact[2:], None, "00_as_plus"))
        return readings
    if compact.startswith("00"):
        return [("+" + compact[2:], None, "00_as_plus")]
    if compact.isdigit() or any(c.isdigit() for c in text):
        # Digits with letters or an extension: let libphonenumber decide what they are.
        return [("+" + (compact if compact.isdigit() else text), None, "plus_added")]
    return [(text, None, "international")]


def _judge(candidate: str, region: str | None, reading: str, level: str) -> NumberResult:
    try:
        parsed = phonenumbers.parse(candidate, region)
    except NumberParseException as exc:
        return parse_failure(_PARSE_REASONS.get(exc.error_type, reasons.NOT_A_NUMBER))
    if parsed.extension:
        return NumberResult(
            None, reasons.HAS_EXTENSION, f"extension {parsed.extension} cannot be dialled in a batch"
        )

    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    keep = (
        phonenumbers.is_valid_number(parsed) if level == "valid" else phonenumbers.is_possible_number(parsed)
    )
    if keep:
        region_code = phonenumbers.region_code_for_number(parsed)
        kind = type_name(phonenumbers.number_type(parsed))
        return NumberResult(e164, region=region_code, reading=reading, type=kind)

    possibility = phonenumbers.is_possible_number_with_reason(parsed)
    assert parsed.country_code is not None  # parse always sets it
    return length_verdict(e164, parsed.country_code, _VALIDATION_NAMES[possibility])


_TYPE_NAMES = {getattr(phonenumbers.PhoneNumberType, name.upper()): name for name in NUMBER_TYPES}


def type_name(number_type: int) -> str:
    """The name of a ``phonenumbers.PhoneNumberType`` value, as :data:`csvtools.options.NUMBER_TYPES` spells it."""
    return _TYPE_NAMES[number_type]


_VALIDATION_NAMES = {
    getattr(ValidationResult, name): name
    for name in (
        "IS_POSSIBLE",
        "IS_POSSIBLE_LOCAL_ONLY",
        "INVALID_COUNTRY_CODE",
        "TOO_SHORT",
        "INVALID_LENGTH",
        "TOO_LONG",
    )
}

_PARSE_DETAILS = {
    reasons.INVALID_COUNTRY_CODE: "no known country calling code at the start",
    reasons.NOT_A_NUMBER: "no phone number in the value",
    reasons.TOO_SHORT: "too few digits",
    reasons.TOO_LONG: "too many digits",
}


def length_verdict(e164: str, country_code: int, possibility: str) -> NumberResult:
    """The rejection of a number that parsed but is not valid, from its length check.

    ``possibility`` is a :class:`phonenumbers.ValidationResult` name such as
    ``"TOO_SHORT"``; shared by both paths so that their details are identical.
    """
    reason, detail = length_reason(country_code, possibility)
    return NumberResult(None, reason, f"read as {e164}: {detail}")


@cache
def length_reason(country_code: int, possibility: str) -> tuple[str, str]:
    """(reason code, detail after "read as +…: ") for a length check's result."""
    country = phonenumbers.region_code_for_country_code(country_code)
    return _LENGTH_REASONS.get(
        getattr(ValidationResult, possibility),
        (reasons.INVALID_NUMBER, f"in no number range of +{country_code} ({country})"),
    )


def parse_failure(reason: str) -> NumberResult:
    """The rejection of a value libphonenumber could not parse, by reason code."""
    return NumberResult(None, reason, _PARSE_DETAILS[reason])


_UNKNOWN_ZONE = "Etc/Unknown"


@lru_cache(maxsize=1 << 16)
def time_zones_for(number: str) -> tuple[str, ...]:
    """The candidate IANA time zones of an E.164 number (``phonenumbers.timezone``), sorted.

    A number whose zone libphonenumber does not know (``Etc/Unknown``) gets
    every zone it lists for the number's country calling code; a number of
    no country at all (``+800`` …) keeps ``("Etc/Unknown",)``.
    """
    from phonenumbers.timezone import time_zones_for_number
    from phonenumbers.tzdata import TIMEZONE_DATA  # the table phonenumbers.timezone reads

    parsed = phonenumbers.parse(number)
    zones = tuple(zone for zone in time_zones_for_number(parsed) if zone != _UNKNOWN_ZONE)
    if not zones:
        zones = tuple(
            zone for zone in TIMEZONE_DATA.get(str(parsed.country_code), ()) if zone != _UNKNOWN_ZONE
        )
    return tuple(sorted(zones)) or (_UNKNOWN_ZONE,)


@lru_cache(maxsize=1 << 16)
def places_for(number: str) -> tuple[str, ...]:
    """The places ``phonenumbers.geocoder`` names for an E.164 number, in English, sorted.

    For a number of the North American plan (``+1``) that is every place named
    anywhere in its area code (``Florida``, ``Miami, FL`` …), since an area
    code can span states; for any other number, the geocoder's description of
    the number itself. Empty when the geocoder names nothing (``+1 800 …``).
    """
    if number.startswith("+1") and len(number) >= 5:
        return _area_code_places().get(number[2:5], ())
    from phonenumbers.geocoder import description_for_number

    place = description_for_number(phonenumbers.parse(number), "en")
    return (place,) if place else ()


@cache
def _area_code_places() -> dict[str, tuple[str, ...]]:
    # The geocoder answers per number; its data, keyed by digit prefix, also says what a whole area code spans.
    from phonenumbers.geodata import GEOCODE_DATA

    places: dict[str, set[str]] = {}
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4 and names.get("en"):
            places.setdefault(prefix[1:4], set()).add(names["en"])
    return {area: tuple(sorted(found)) for area, found in places.items()}
