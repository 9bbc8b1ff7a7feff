"""The stable reason codes: why a row was not kept. One table, used everywhere else by name.

A code is part of the public contract (rejects files, reports, CI annotations
all carry it): never rename one. The docs' table (docs/cleaning.md) is checked against this one.
"""

from __future__ import annotations

MISSING_NUMBER = "missing_number"
NOT_A_NUMBER = "not_a_number"
INVALID_COUNTRY_CODE = "invalid_country_code"
TOO_SHORT = "too_short"
TOO_LONG = "too_long"
INVALID_NUMBER = "invalid_number"
EXCEL_MANGLED = "excel_mangled"
HAS_EXTENSION = "has_extension"
MULTIPLE_NUMBERS = "multiple_numbers"
DUPLICATE = "duplicate"
MALFORMED_ROW = "malformed_row"
DISALLOWED_TYPE = "disallowed_type"
SUPPRESSED = "suppressed"
ENCODING_ERROR = "encoding_error"
UNKNOWN_COUNTRY = "unknown_country"
REGION_MISMATCH = "region_mismatch"

REASONS: dict[str, str] = {
    MISSING_NUMBER: "the phone cell is empty",
    NOT_A_NUMBER: "no phone number in the value (`N/A`, text, a formula)",
    INVALID_COUNTRY_CODE: "no known country calling code (also: a national number without `--region`)",
    TOO_SHORT: "too few digits for the country (or a local number without its area code)",
    TOO_LONG: "too many digits for the country",
    INVALID_NUMBER: "right length, but in no number range of the country",
    EXCEL_MANGLED: "scientific notation that lost digits",
    HAS_EXTENSION: "`ext. 12`, `x12`, `#12`, `;ext=12`: a batch cannot dial an extension",
    MULTIPLE_NUMBERS: "two numbers in one cell (`:::` from Google Contacts, `,`, `;`, `/`, two `+`)",
    DUPLICATE: "the same E.164 number as an earlier kept row",
    MALFORMED_ROW: "more or fewer fields than the header (never padded or cut)",
    DISALLOWED_TYPE: "a number of a type `--types` does not allow (by default: premium rate)",
    SUPPRESSED: "the number is on a suppression list (`--suppress`), named with its line",
    ENCODING_ERROR: "bytes that are not UTF-8 in a UTF-8 file (shown as `\\xNN` in `detail`)",
    UNKNOWN_COUNTRY: "the row's country cell names no country, and the number needs one (no `+` or `00`)",
    REGION_MISMATCH: "with `--strict-region`: an international number of another country than the row's",
}
"""Every reason code with what it means, in the order the docs' table of reason codes lists them (docs/cleaning.md)."""
