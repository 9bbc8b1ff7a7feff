"""The script a user writes without this project: pandas + phonenumbers, row by row.

python bench/naive.py contacts.csv clean.csv rejects.csv
"""

import sys

import pandas as pd
import phonenumbers


def to_e164(value):
    # The least a user adds to read the spellings in the file: tel:, 00 and missing +.
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    if not text.startswith("+"):
        text = "+" + (text[2:] if text.startswith("00") else text)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def main(source, clean, rejects):
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame["contact_number"] = frame["phone"].map(to_e164)
    kept = frame["contact_number"].notna()
    frame[kept].drop(columns=["phone"]).to_csv(clean, index=False)
    frame[~kept].drop(columns=["contact_number"]).to_csv(rejects, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
