"""The read+write floor: pyarrow reads a CSV (every column as strings) and writes it back, nothing else.

Run as a whole process (imports included), it is the least any tool that
reads and writes the file spends; ``bench/run.py`` prints csvtools' ratio to it.

    python bench/floor.py contacts.csv out.csv
"""

import csv
import sys

import pyarrow as pa
import pyarrow.csv as pcsv


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    table = pcsv.read_csv(
        source,
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
        ),
    )
    pcsv.write_csv(table, target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
