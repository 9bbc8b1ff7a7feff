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


def test_lines_without_quotes_are_the_cells_joined_whatever_the_arrays_offsets():
    """Columns that need no quoting are written by pyarrow's CSV writer: each line is still one
    string of the array, the cells joined by commas and ended by a line feed, for slices of
    arrays too (their offsets do not start at 0), empty cells and text that is not ASCII."""
    import pyarrow as pa

    from csvtools.io.lines import render_lines

    first = pa.array(["skip", "+447700900123", "", "Zoë", "東京", "x"]).slice(1, 4)
    second = pa.array(["a", "", "b;c", "d e", "'=f"]).slice(1)
    lines = render_lines([first, second, ["1", "2", "3", "4"]])
    assert lines.to_pylist() == ["+447700900123,,1\n", ",b;c,2\n", "Zoë,d e,3\n", "東京,'=f,4\n"]
    assert render_lines([first.slice(4), second.slice(4)]).to_pylist() == []
