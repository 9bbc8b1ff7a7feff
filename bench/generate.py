"""Write a realistic contact CSV for the benchmark.

Many countries (weighted like a real campaign: a few big ones, a long tail),
many spellings (E.164, international with spaces, ``00`` prefix, bare digits,
``tel:`` URIs, dashes), about 10 % invalid values, about 10 % repeated
numbers, and a few extra columns. Deterministic for a given seed.

    python bench/generate.py --rows 1000000 -o bench/data/contacts_1000000.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Callable

# (region, weight): the head of a campaign list and a long tail.
COUNTRIES = [
    ("IN", 30),
    ("US", 18),
    ("GB", 8),
    ("DE", 4),
    ("FR", 4),
    ("BR", 4),
    ("MX", 3),
    ("AE", 3),
    ("SG", 2),
    ("AU", 2),
    ("CA", 2),
    ("ES", 2),
    ("IT", 2),
    ("NL", 1),
    ("ZA", 1),
    ("NG", 1),
    ("KE", 1),
    ("PH", 1),
    ("ID", 1),
    ("JP", 1),
    ("KR", 1),
    ("SA", 1),
    ("EG", 1),
    ("TR", 1),
    ("PL", 1),
    ("SE", 1),
    ("CH", 1),
    ("AR", 1),
    ("CO", 1),
    ("CL", 1),
    ("PK", 1),
    ("BD", 1),
    ("VN", 1),
    ("TH", 1),
    ("MY", 1),
    ("NZ", 1),
    ("IE", 1),
    ("PT", 1),
    ("BE", 1),
    ("AT", 1),
]
FIRST = ["Aarav", "Diya", "Liam", "Emma", "Noah", "Olivia", "Wei", "Yuki", "Lena", "Omar", "Sofia", "Kabir"]
LAST = ["Sharma", "Smith", "Müller", "García", "Tan", "Khan", "Silva", "Nguyen", "Kim", "Brown", "Rossi"]
PLANS = ["gold", "silver", "basic"]


def number_pool(rng: random.Random, size: int) -> list[tuple[str, str]]:
    """Distinct (country code, national number) pairs, from libphonenumber's example numbers."""
    import phonenumbers  # the generator may use it freely; only csvtools.phone wraps it in the tool

    templates = []
    for region, weight in COUNTRIES:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                nsn = phonenumbers.national_significant_number(example)
                templates.append((str(example.country_code), nsn, weight))
    weights = [weight for _, _, weight in templates]
    # Vary the last 5 digits (the subscriber part, keeping the range prefix); past a few million
    # numbers that runs out of distinct ones, so vary 6.
    varied = 5 if size <= 4_000_000 else 6
    pool: set[tuple[str, str]] = set()
    while len(pool) < size:
        code, nsn, _ = rng.choices(templates, weights)[0]
        keep = max(2, len(nsn) - varied)
        digits = nsn[:keep] + "".join(rng.choice("0123456789") for _ in range(len(nsn) - keep))
        pool.add((code, digits))
    numbers = sorted(pool)
    rng.shuffle(numbers)  # a real list mixes its countries
    return numbers


def spell(rng: random.Random, code: str, nsn: str) -> str:
    roll = rng.random()
    if roll < 0.40:
        return f"+{code}{nsn}"
    if roll < 0.55:
        middle = len(nsn) // 2
        return f"+{code} {nsn[:middle]} {nsn[middle:]}"
    if roll < 0.68:
        return f"00{code}{nsn}"
    if roll < 0.80:
        return f"{code}{nsn}"
    if roll < 0.90:
        return f"tel:+{code}-{nsn[:3]}-{nsn[3:]}"
    return f"+{code}-{nsn[:4]}-{nsn[4:]}"


def invalid(rng: random.Random, code: str, nsn: str) -> str:
    roll = rng.random()
    if roll < 0.35:
        return f"+{code}{nsn[:-3]}"  # truncated
    if roll < 0.55:
        return f"+{code}{nsn}{rng.randint(100, 999)}"  # too long
    if roll < 0.70:
        return f"+{code}{'0' * len(nsn)}"  # outside every range
    if roll < 0.80:
        return f"+999{nsn}"  # no such country code
    if roll < 0.90:
        return rng.choice(["", "N/A", "unknown", "call office", "-"])
    return f"{nsn}"  # national number without country code


HEADER = ["phone", "first_name", "last_name", "plan", "renewal_date"]


def international_value(rng: random.Random, roll: float, code: str, nsn: str) -> str:
    """A row's number, spelled one of the ways, or (for about 10 % of rows) an invalid value."""
    return invalid(rng, code, nsn) if roll < 0.20 else spell(rng, code, nsn)


def other_columns(rng: random.Random) -> list[str]:
    return [
        rng.choice(FIRST),
        rng.choice(LAST),
        rng.choice(PLANS),
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    ]


def write(
    path: str,
    rows: int,
    seed: int = 42,
    header: list[str] = HEADER,
    value_of: Callable[[random.Random, float, str, str], str] = international_value,
    others: Callable[[random.Random], list[str]] = other_columns,
) -> None:
    """``rows`` rows: about 10 % repeat an earlier value, the rest take ``value_of`` a number of the pool."""
    rng = random.Random(seed)
    pool = number_pool(rng, max(1000, rows))
    used: list[str] = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for index in range(rows):
            roll = rng.random()
            if roll < 0.10 and used:
                value = rng.choice(used)  # a repeated number, perhaps spelled the same
            else:
                code, nsn = pool[index % len(pool)]
                value = value_of(rng, roll, code, nsn)
                if len(used) < 100_000:
                    used.append(value)
            writer.writerow([value, *others(rng)])


def main(argv: list[str] | None = None, writer=write, description: str = __doc__.splitlines()[0]) -> None:
    """The command line of a generator: ``--rows``, ``--seed``, ``-o``; ``writer(path, rows, seed)`` writes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    writer(args.output, args.rows, args.seed)
    print(args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
