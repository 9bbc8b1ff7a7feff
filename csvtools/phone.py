"""Turn one raw phone value into E.164 or a reason code.

This is the only module that imports ``phonenumbers``. Everything here is a
pure function of its arguments, so results can be cached per distinct value
and computed in any process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult
from phonenumbers import re_util

# Lists touching many countries overflow the re module's 512-pattern cache and
# recompile metadata patterns on every call (python-phonenumbers issue #108);
# this keeps each compiled pattern instead.
if hasattr(re_util, "enable_pattern_cache"):
    re_util.enable_pattern_cache()

__all__ = [
    "LEVELS",
    "READINGS",
    "REASONS",
    "NumberResult",
    "normalize_number",
]

#: Stable reason codes. They are part of the public contract: never rename one.
REASONS = (
    "missing_number",
    "not_a_number",
    "invalid_country_code",
    "too_short",
    "too_long",
    "invalid_number",
    "excel_mangled",
    "has_extension",
    "multiple_numbers",
    "duplicate",
    "malformed_row",
)

LEVELS = ("valid", "possible")

#: How a kept number was read (``NumberResult.reading``); the report counts these so
#: that a user sees how many numbers depended on a guess (bare digits read under ``+``).
READINGS = ("international", "plus_added", "00_as_plus", "national")


@dataclass(frozen=True)
class NumberResult:
    """The verdict on one raw value: an E.164 ``number`` or a ``reason`` code."""

    number: str | None
    reason: str | None = None
    detail: str = ""
    region: str | None = None
    reading: str | None = None

    @property
    def ok(self) -> bool:
        return self.number is not None


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202c"))
_PLUS_SIGNS = {ord("\uff0b"): "+", ord("\u2795"): "+", ord("\u207a"): "+"}
_FLOAT_ARTEFACT = re.compile(r"^(\+?\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
_SEPARATORS = re.compile(r":::|[;,/|\n]|\s(?:or|and|&)\s", re.IGNORECASE)
_EXTENSION_PARAM = re.compile(r";\s*ext\s*=", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[\s\-.()\[\]/\\~\u2010-\u2015\u2212\u30fc]")

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_country_code",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}

_LENGTH_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: ("invalid_country_code", "unknown country calling code"),
    ValidationResult.TOO_SHORT: ("too_short", "too few digits for the country"),
    ValidationResult.TOO_LONG: ("too_long", "too many digits for the country"),
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: ("too_short", "too few digits (a local number without its area code?)"),
    ValidationResult.INVALID_LENGTH: ("invalid_number", "no number of this length in the country"),
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
        return NumberResult(None, "missing_number", "the number cell is empty")

    text, excel_reason = _undo_spreadsheet_damage(text)
    if excel_reason:
        return excel_reason

    if text.lower().startswith("tel:"):
        text = text[4:]
        if not _EXTENSION_PARAM.search(text):
            text = text.split(";", 1)[0]

    if _holds_several_numbers(text):
        return NumberResult(None, "multiple_numbers", "the cell holds more than one number")

    candidates = _readings(text, region.upper() if region else None)
    first_failure: NumberResult | None = None
    for candidate, parse_region, reading in candidates:
        result = _judge(candidate, parse_region, reading, level)
        if result.ok or result.reason == "has_extension":
            return result
        first_failure = first_failure or result
    return first_failure  # type: ignore[return-value]


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
            "excel_mangled",
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
        return [(text, None, "international")]
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
        return parse_failure(_PARSE_REASONS.get(exc.error_type, "not_a_number"))
    if parsed.extension:
        return NumberResult(None, "has_extension", f"extension {parsed.extension} cannot be dialled in a batch")

    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    keep = phonenumbers.is_valid_number(parsed) if level == "valid" else phonenumbers.is_possible_number(parsed)
    if keep:
        region_code = phonenumbers.region_code_for_number(parsed)
        return NumberResult(e164, region=region_code, reading=reading)

    possibility = phonenumbers.is_possible_number_with_reason(parsed)
    return length_verdict(e164, parsed.country_code, _VALIDATION_NAMES[possibility])


_VALIDATION_NAMES = {
    getattr(ValidationResult, name): name
    for name in ("IS_POSSIBLE", "IS_POSSIBLE_LOCAL_ONLY", "INVALID_COUNTRY_CODE", "TOO_SHORT", "INVALID_LENGTH",
                 "TOO_LONG")
}

_PARSE_DETAILS = {
    "invalid_country_code": "no known country calling code at the start",
    "not_a_number": "no phone number in the value",
    "too_short": "too few digits",
    "too_long": "too many digits",
}


# -- numbering rules as plain data, for the vectorized path (csvtools.fastpath) ------------

# Validity needs any one type to match; the common types come first so most numbers stop early.
_TYPE_DESCS = ("mobile", "fixed_line", "toll_free", "premium_rate", "shared_cost", "voip", "personal_number",
               "pager", "uan", "voicemail")


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
    types: tuple[Pattern, ...]
    leading_digits: str | None


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


def country_codes() -> frozenset[int]:
    """Every country calling code libphonenumber knows."""
    return frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def country_rules(country_code: int) -> CountryRules | None:
    """The rules of a geographic country code, or None (unknown, or non-geographic like +800)."""
    return _country_rules(country_code)


@lru_cache(maxsize=None)
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
        types = tuple(p for p in (_pattern(getattr(metadata, name)) for name in _TYPE_DESCS) if p)
        regions.append(RegionRules(code, _pattern(metadata.general_desc), types, metadata.leading_digits))
    general = main.general_desc
    return CountryRules(
        country_code=country_code,
        main_region=region_codes[0],
        regions=tuple(regions),
        possible_lengths=tuple(general.possible_length or ()),
        local_only_lengths=tuple(general.possible_length_local_only or ()),
        national_prefix_for_parsing=main.national_prefix_for_parsing or None,
        national_prefix_transform_rule=main.national_prefix_transform_rule or None,
    )


def _pattern(desc: object) -> Pattern | None:
    regex = getattr(desc, "national_number_pattern", None)
    if not regex:
        return None
    return Pattern(regex, tuple(getattr(desc, "possible_length", ()) or ()))


def length_verdict(e164: str, country_code: int, possibility: str) -> NumberResult:
    """The rejection of a number that parsed but is not valid, from its length check.

    ``possibility`` is a :class:`phonenumbers.ValidationResult` name such as
    ``"TOO_SHORT"``; shared by both paths so that their details are identical.
    """
    reason, detail = length_reason(country_code, possibility)
    return NumberResult(None, reason, f"read as {e164}: {detail}")


@lru_cache(maxsize=None)
def length_reason(country_code: int, possibility: str) -> tuple[str, str]:
    """(reason code, detail after "read as +…: ") for a length check's result."""
    country = phonenumbers.region_code_for_country_code(country_code)
    return _LENGTH_REASONS.get(
        getattr(ValidationResult, possibility), ("invalid_number", f"in no number range of +{country_code} ({country})")
    )


def parse_failure(reason: str) -> NumberResult:
    """The rejection of a value libphonenumber could not parse, by reason code."""
    return NumberResult(None, reason, _PARSE_DETAILS[reason])
