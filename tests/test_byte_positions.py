"""csvtools._strings.values_at: the value each byte is in, by either of its two ways."""

import numpy as np
import pyarrow as pa
import pytest

from csvtools._strings import string_buffers, values_at


@pytest.mark.parametrize("every", [1, 3, 50])  # dense positions are written out, sparse ones searched
def test_values_at_names_the_value_each_byte_is_in(every):
    strings = pa.array(["", "+44 20", None, "x", "", "00 1-2", "", "abcdefgh", ""] * 40).slice(3)
    offsets, _ = string_buffers(strings)
    expected = [value for value in range(len(strings)) for _ in range(offsets[value], offsets[value + 1])]
    positions = np.arange(int(offsets[0]), int(offsets[-1]))[::every]
    assert values_at(offsets, positions).tolist() == expected[::every]
