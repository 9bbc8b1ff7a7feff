"""The CSV writer: RFC 4180 quoting, and files that appear whole or not at all."""

import csv
import io

from csvtools.io.atomic import AtomicCsvWriter


def test_writer_quotes_like_rfc_4180_and_reads_back(tmp_path):
    values = [
        "plain",
        "with,comma",
        'q"uote',
        "new\nline",
        "cr\rx",
        "",
        " lead",
        "trail ",
        "semi;colon",
        "=1+2",
    ]
    writer = AtomicCsvWriter(tmp_path / "out.csv", ["x", "y"])
    writer.write_columns([values, list(reversed(values))])
    writer.commit()
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["x", "y"],
        *map(list, zip(values, reversed(values))),
    ]
    assert '"with,comma"' in text and '"q""uote"' in text and '"cr\rx"' in text and "\n trail ," not in text
