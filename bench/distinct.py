"""The script a careful user writes for national numbers: pandas + phonenumbers, each distinct value once.

The same rules as csvtools: each value read with the row's region (the
``Country`` column, else ``--region``), a ``00`` that fails read as ``+``,
kept when ``is_valid_number``; each distinct (value, region) pair is parsed
once and the verdicts mapped back onto the rows.

    python bench/distinct.py contacts.csv clean.csv rejects.csv [REGION]
"""

import sys

import pandas as pd
import phonenumbers
import pycountry


def to_e164(value, region):
    text = value.strip()
    readings = [(text, region)] if region else []
    if not region or text.replace(" ", "").startswith("00"):
        compact = text.replace(" ", "")
        readings.append(
            (
                "+" + compact[2:]
                if compact.startswith("00")
                else (compact if compact.startswith("+") else "+" + compact),
                None,
            )
        )
    for candidate, default in readings:
        try:
            number = phonenumbers.parse(candidate, default)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
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
    if "Country" in frame:
        cells = frame["Country"].drop_duplicates()
        regions = frame["Country"].map(dict(zip(cells, (region_of(cell) or region for cell in cells))))
    else:
        regions = pd.Series(region, index=frame.index, dtype=object)
    pairs = pd.MultiIndex.from_arrays([frame["phone"], regions.fillna("")])
    codes, distinct = pd.factorize(pairs)
    verdicts = [to_e164(value, region or None) for value, region in distinct]
    frame["contact_number"] = pd.array(verdicts, dtype=object)[codes]
    kept = frame["contact_number"].notna()
    frame[kept].drop(columns=["phone"]).to_csv(clean, index=False)
    frame[~kept].drop(columns=["contact_number"]).to_csv(rejects, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:5])
