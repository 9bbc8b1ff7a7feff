"""Write a CRM export for the benchmark: the international mix, 30 % of its rows damaged the way exports are.

The other 70 % are :mod:`generate`'s spellings (E.164, spaced, ``00``, bare
digits, ``tel:``, dashes, about 10 % invalid). The damaged 30 %, in equal
shares: extensions (``ext. 12``, ``x45``, ``;ext=3``), ``00`` prefixes with
spaces, spreadsheet damage (``9.19876E+11`` that lost digits, ``9.1987654321E+11``
that did not, ``919876543210.0``, a leading apostrophe, ``=+44…`` formulas)
and blank cells. About 10 % of rows repeat an earlier value. Columns are
named the way a CRM names them. Deterministic for a given seed.

    python bench/crm.py --rows 1000000 -o bench/data/crm_1000000_42.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys

from generate import FIRST, LAST, PLANS, invalid, number_pool, spell

HEADER = ["Phone", "First Name", "Last Name", "Plan", "Lead Source"]
SOURCES = ["Web", "Referral", "Trade show", "Cold call"]


def damaged(rng: random.Random, code: str, nsn: str) -> str:
    """One of the spellings CRM exports and spreadsheets leave behind."""
    digits = code + nsn
    roll = rng.randrange(10)
    if roll == 0:
        return f"+{code} {nsn} ext. {rng.randint(1, 999)}"
    if roll == 1:
        return f"+{digits} x{rng.randint(1, 99)}"
    if roll == 2:
        return f"tel:+{digits};ext={rng.randint(1, 9)}"
    if roll == 3:
        return f"00 {code} {nsn[:3]} {nsn[3:]}"
    if roll == 4:  # a spreadsheet's scientific notation: digits lost, or all kept
        kept = rng.choice([5, len(digits) - 1])
        return f"{digits[0]}.{digits[1 : kept + 1]}E+{len(digits) - 1}"
    if roll == 5:
        return f"{digits}.0"
    if roll == 6:
        return f"'+{digits}"
    if roll == 7:
        return f"=+{digits}"
    return rng.choice(["", " "])


def write(path: str, rows: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    pool = number_pool(rng, max(1000, rows))
    used: list[str] = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for index in range(rows):
            roll = rng.random()
            if roll < 0.10 and used:
                value = rng.choice(used)
            else:
                code, nsn = pool[index % len(pool)]
                if roll < 0.37:  # 30 % of the rows not repeated
                    value = damaged(rng, code, nsn)
                elif roll < 0.43:
                    value = invalid(rng, code, nsn)
                else:
                    value = spell(rng, code, nsn)
                if len(used) < 100_000:
                    used.append(value)
            writer.writerow(
                [value, rng.choice(FIRST), rng.choice(LAST), rng.choice(PLANS), rng.choice(SOURCES)]
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    write(args.output, args.rows, args.seed)
    print(args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
