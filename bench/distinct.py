"""The script a careful user writes with csvtools' rules: pandas + phonenumbers, each distinct value once.

The baseline of every mix in ``bench/run.py``. The rules are csvtools' for
the spellings the benchmark files hold: a spreadsheet's leading ``'`` and
``.0`` dropped, scientific notation read when it kept every digit (refused
when it lost some), ``tel:`` URIs, a value read with the row's region (the
``Country`` column, else the REGION argument) and a ``00`` that fails read as
``+``, without a region bare digits read under ``+``; a number with an
extension refused; kept when ``is_valid_number`` and not premium-rate; a
number kept on an earlier row is a duplicate. Each distinct (value, region)
pair is judged once and the verdicts mapped back onto the rows.

    python bench/distinct.py contacts.csv clean.csv rejects.csv [REGION]
"""

import re
import sys

import pandas as pd
import phonenumbers
import pycountry

FLOAT_ARTEFACT = re.compile(r"^(\+?\d+)\.0+$")
SCIENTIFIC = re.compile(r"^\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")
PUNCTUATION = re.compile(r"[\s\-.()\[\]/\\~]")
EXTENSION_PARAM = re.compile(r";\s*ext\s*=", re.IGNORECASE)
PHONE_HEADERS = ("phone", "Phone")


def tidy(value):
    """The text a spreadsheet meant: no apostrophe marker, no float artefacts; None when digits were lost."""
    text = value.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    artefact = FLOAT_ARTEFACT.match(text)
    if artefact:
        return artefact.group(1)
    scientific = SCIENTIFIC.match(text)
    if scientific:
        lead, fraction, exponent = scientific.group(1), scientific.group(2) or "", int(scientific.group(3))
        if len(fraction) != exponent:
            return None
        return ("+" if text.startswith("+") else "") + lead + fraction
    if text.lower().startswith("tel:"):
        text = text[4:]
        if not EXTENSION_PARAM.search(text):
            text = text.split(";", 1)[0]
    return text


def readings(text, region):
    """(candidate, default region) pairs to try in order."""
    compact = PUNCTUATION.sub("", text)
    if compact.startswith("+"):
        return [(text, None)]
    if region:
        return [(text, region)] + ([("+" + compact[2:], None)] if compact.startswith("00") else [])
    if compact.startswith("00"):
        return [("+" + compact[2:], None)]
    return [("+" + (compact if compact.isdigit() else text), None)]


def to_e164(value, region):
    text = tidy(value)
    if not text or text.count("+") > 1:
        return None
    for candidate, default in readings(text, region):
        try:
            number = phonenumbers.parse(candidate, default)
        except phonenumbers.NumberParseException:
            continue
        if number.extension:
            return None
        if phonenumbers.is_valid_number(number):
            if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.PREMIUM_RATE:
                return None
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def region_of(cell):
    """A country cell as an alpha-2 code: a code, alpha-3 or name pycountry knows, or a few variants."""
    variants = {"USA": "US", "UK": "GB"}
    if not cell:
        return None
    if cell in variants:
        return variants[cell]
    try:
        return pycountry.countries.lookup(cell).alpha_2
    except LookupError:
        return None


def main(source, clean, rejects, region=None):
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    phone = next(name for name in PHONE_HEADERS if name in frame)
    if "Country" in frame:
        cells = frame["Country"].drop_duplicates()
        regions = frame["Country"].map(dict(zip(cells, (region_of(cell) or region for cell in cells))))
    else:
        regions = pd.Series(region, index=frame.index, dtype=object)
    pairs = pd.MultiIndex.from_arrays([frame[phone], regions.fillna("")])
    codes, distinct = pd.factorize(pairs)
    verdicts = [to_e164(value, region or None) for value, region in distinct]
    frame["contact_number"] = pd.array(verdicts, dtype=object)[codes]
    kept = frame["contact_number"].notna() & ~frame["contact_number"].duplicated()
    frame[kept].drop(columns=[phone]).to_csv(clean, index=False)
    frame[~kept].drop(columns=["contact_number"]).to_csv(rejects, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:5])
