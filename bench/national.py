"""Write contact CSVs of national numbers for the benchmark: India alone, or many countries with a country column.

``india``: Indian numbers the way Indian lists spell them (``98765 43210``,
``09876543210``, ``9876543210``, a few ``+91 …``), read with ``--region IN``.
``countries``: the countries of :mod:`generate` with their own national
spellings (trunk prefix or not, spaces) and a ``Country`` column holding a
code, alpha-3 or English name. Both: about 10 % invalid values and 10 %
repeated numbers, like :mod:`generate`. Deterministic for a given seed.

    python bench/national.py --mix india --rows 1000000 -o bench/data/india_1000000.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys

from generate import COUNTRIES, FIRST, LAST, PLANS

MIXES = ("india", "countries")
#: The country cells the ``countries`` mix writes, by region: what a CRM export holds.
CELLS = {
    "IN": ["IN", "India", "IND"],
    "US": ["US", "United States", "USA"],
    "GB": ["GB", "United Kingdom", "UK"],
    "DE": ["DE", "Germany", "DEU"],
    "FR": ["FR", "France"],
    "BR": ["BR", "Brazil"],
    "MX": ["MX", "Mexico"],
}


def number_pool(rng: random.Random, size: int, regions: list[tuple[str, int]]) -> list[tuple[str, str, str]]:
    """Distinct (region, national prefix, national number) triples from libphonenumber's example numbers."""
    import phonenumbers

    templates = []
    for region, weight in regions:
        trunk = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                templates.append((region, trunk, phonenumbers.national_significant_number(example), weight))
    weights = [weight for *_, weight in templates]
    pool: set[tuple[str, str, str]] = set()
    while len(pool) < size:
        region, trunk, nsn, _ = rng.choices(templates, weights)[0]
        # India alone has two templates: vary 7 digits, or a million distinct numbers cannot be found.
        keep = max(2, len(nsn) - 7)
        pool.add(
            (region, trunk, nsn[:keep] + "".join(rng.choice("0123456789") for _ in range(len(nsn) - keep)))
        )
    numbers = sorted(pool)
    rng.shuffle(numbers)
    return numbers


def spell(rng: random.Random, region: str, trunk: str, nsn: str, code: str) -> str:
    roll = rng.random()
    middle = len(nsn) // 2
    if roll < 0.35:
        return f"{nsn[:middle]} {nsn[middle:]}"
    if roll < 0.65:
        return f"{trunk}{nsn}"
    if roll < 0.90:
        return nsn
    return f"+{code} {nsn[:middle]} {nsn[middle:]}"


def invalid(rng: random.Random, trunk: str, nsn: str) -> str:
    roll = rng.random()
    if roll < 0.4:
        return nsn[:-3]
    if roll < 0.7:
        return f"{trunk}{nsn}{rng.randint(10, 99)}"
    if roll < 0.85:
        return "0" * len(nsn)
    return rng.choice(["", "N/A", "unknown", "-"])


def write(path: str, rows: int, seed: int = 42, mix: str = "india") -> None:
    import phonenumbers

    rng = random.Random(seed)
    regions = [("IN", 1)] if mix == "india" else COUNTRIES
    pool = number_pool(rng, max(1000, rows), regions)
    codes = {region: str(phonenumbers.country_code_for_region(region)) for region, _ in regions}
    used: list[tuple[str, str]] = []
    header = ["phone", "first_name", "last_name", "plan"] + (["Country"] if mix == "countries" else [])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for index in range(rows):
            roll = rng.random()
            if roll < 0.10 and used:
                value, region = rng.choice(used)
            else:
                region, trunk, nsn = pool[index % len(pool)]
                value = (
                    invalid(rng, trunk, nsn) if roll < 0.20 else spell(rng, region, trunk, nsn, codes[region])
                )
                if len(used) < 100_000:
                    used.append((value, region))
            row = [value, rng.choice(FIRST), rng.choice(LAST), rng.choice(PLANS)]
            if mix == "countries":
                row.append(rng.choice(CELLS.get(region, [region])))
            writer.writerow(row)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", choices=MIXES, default="india")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    write(args.output, args.rows, args.seed, args.mix)
    print(args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
