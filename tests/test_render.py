"""A rendered chunk carries what settling reads in few bytes: one-byte codes, int32 lines."""

import numpy as np
import pyarrow as pa

from csvtools.io.records import chunk_of_rows
from csvtools.numbers.chunk import judge_column
from csvtools.run.render import _encoded, render_chunk

ROWS = [
    ["+4915123473070", "Ada"],
    ["not a number", "Bo"],
    ["+12025550173", "Cy"],
    ["+4915123473070", "Di"],
    ["+919876543210", "Ed"],
]


def test_kept_regions_readings_and_types_travel_as_one_byte_codes_and_lines_as_int32():
    chunk = chunk_of_rows([2, 3, 4, 5, 6], ROWS, [], 2)
    verdicts = judge_column(chunk.columns[0])
    rendered = render_chunk(chunk, verdicts, 0, with_text=True)
    kept = verdicts.column("number").is_valid().to_numpy(zero_copy_only=False)
    for name, column in (
        ("region", rendered.kept_regions),
        ("reading", rendered.kept_readings),
        ("type", rendered.kept_types),
    ):
        assert isinstance(column, pa.DictionaryArray) and column.indices.type == pa.int8()
        assert column.to_pylist() == np.array(verdicts.column(name).to_pylist())[kept].tolist()
    assert rendered.kept_lines.dtype == np.int32 and rendered.kept_lines.tolist() == [2, 4, 5, 6]
    assert rendered.kept_regions.to_pylist() == ["DE", "US", "DE", "IN"]


def test_codes_widen_with_the_dictionary_and_keep_nulls():
    many = pa.array([f"value {at}" for at in range(300)] + [None])
    keep = pa.array([at % 2 == 0 for at in range(301)])
    column = _encoded(many, keep)
    assert column.indices.type == pa.int16() and column.null_count == 1
    assert column.to_pylist() == many.filter(keep).to_pylist()
