"""The quote-free block reader must read what Python's csv module reads, line numbers included."""

import csv
import io

import numpy as np
import pytest

from csvtools import knobs
from csvtools.errors import InputFileError
from csvtools.io.blocks import read_block, reread_fields
from csvtools.io.records import Block
from csvtools.io.source import CsvSource


def reference_records(text, delimiter=","):
    """Records with their starting lines, the way Python's csv module reads them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, last = [], 0
    for row in reader:
        start, last = last + 1, reader.line_num
        if row:
            records.append((start, row))
    return records


def read_all(path, monkeypatch, block_bytes):
    good, bad, blank = [], [], 0
    with CsvSource(path) as source:
        header = (source.header_line, source.header)
        for piece in source.pieces(7, block_bytes):
            for chunk in read_block(piece, 7) if isinstance(piece, Block) else [piece]:
                rows = zip(*(column.to_pylist() for column in chunk.columns))
                good += [(int(line), list(row)) for line, row in zip(chunk.lines, rows)]
                bad += chunk.malformed
                blank += chunk.blank
    return header, sorted(good + bad), blank


def without_blank(records, width):
    """The records but those of the header's width with every field empty, and how many those were."""
    blank = [record for record in records if len(record[1]) == width and not any(record[1])]
    return [record for record in records if record not in blank], len(blank)


BLOCK_CASES = {
    "plain": "a,b,c\n" + "".join(f"{i},x{i},y\n" for i in range(60)),
    "crlf-and-blank-lines": "a,b,c\r\n1,2,3\r\n\r\n\r\n4,5,6\r\n   \r\n7,8,9\r\n",
    "ragged": "a,b,c\n1,2\n1,2,3,4\n5,6,7\n,,\n8,9,10",
    "no-final-newline": "a,b\n1,2\n3,4",
    "quotes-after-first-blocks": "a,b\n"
    + "".join(f"{i},v{i}\n" for i in range(40))
    + '41,"multi\nline"\n42,"x,y"\n43,z\n',
    "leading-blank-lines": "\n\nphone,name\n+91,A\n\n+44,B\n",
    "bare-carriage-returns": "a,b\r1,2\r3,4\r",
    "utf8-bom": "\ufeffa,b\n1,é\n2,ü\n",
    "semicolons": "a;b;c\n1;2;3\n4;5\n6;7;8\n",
    "blank-rows": "a,b,c\n1,2,3\n,,\n" + ",,\n" * 30 + "4,5,6\n,\n,,,\n" + ",,\n" * 9,
    "blank-rows-quoted": 'a,b,c\n1,2,3\n,,\n"",,\n4,"x\ny",6\n,,\n' + ",,\n" * 12,
}


@pytest.mark.parametrize("name", sorted(BLOCK_CASES))
@pytest.mark.parametrize("block_bytes", [16, 64, 8 << 20])
def test_block_reader_matches_the_csv_module(tmp_path, monkeypatch, name, block_bytes):
    text = BLOCK_CASES[name]
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode("utf-8"))
    delimiter = ";" if name == "semicolons" else ","
    expected = reference_records(text.lstrip("\ufeff"), delimiter)
    (header_line, header), records, blank = read_all(path, monkeypatch, block_bytes)
    assert (header_line, header) == expected[0]
    assert (records, blank) == without_blank(sorted(expected[1:]), len(header))


def test_rows_read_again_from_a_file_that_changed_are_refused(tmp_path):
    """The main process reads a block's duplicate rows again; if the file changed meanwhile, the run
    stops with an error instead of writing fields that are not the ones judged."""
    path = tmp_path / "contacts.csv"
    path.write_text("phone,name\n+447911123456,Ann\n+447911123457,Bob\n+447911123456,Cy\n", encoding="utf-8")
    with CsvSource(path) as source:
        (block,) = list(source.pieces(100, knobs.BLOCK_BYTES))
    assert [column.to_pylist() for column in reread_fields(block, np.array([2, 4]))] == [
        ["+447911123456", "+447911123456"],
        ["Ann", "Cy"],
    ]
    for changed in (
        "phone,name\n+447911123456,Ann\n+447911123457,Bob\n",  # shorter
        "phone,name\n+447911123456,Ann,+447911123457,Bob,+447911123456,Cy\n",
    ):  # as long, one line
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(InputFileError, match="changed while it was being read"):
            reread_fields(block, np.array([2, 4]))
