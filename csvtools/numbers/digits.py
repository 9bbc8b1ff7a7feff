"""The digits of many values at once, read off Arrow's string buffers with numpy: shape, prefix, reading.

The first stage of :mod:`.vectorized`: which values look like a phone number, and their digits.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .._strings import string_buffers, values_at

MIN_DIGITS, MAX_DIGITS, MAX_NSN = 4, 20, 17
OTHER, DIGIT, MARK, PLUS = 0, 1, 2, 3
BYTE_CLASS = np.zeros(256, dtype=np.uint8)
BYTE_CLASS[ord("0") : ord("9") + 1] = DIGIT
BYTE_CLASS[[ord(mark) for mark in " ()-"]] = MARK
BYTE_CLASS[ord("+")] = PLUS
ZERO = ord("0")
# How a number was read; the index is what read_digit_spans reports.
READINGS = ("plus_added", "international", "00_as_plus", "national")
NATIONAL = 3
# A national number's length as one letter in front of it, so that one RE2 pass can
# check a pattern together with the lengths its description allows.
LENGTH_MARKS = pa.array([chr(ord("A") + length) for length in range(MAX_DIGITS + 1)], type=pa.string())


def read_digit_spans(
    text: pa.Array, mode: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The values shaped ``[tel:]+?D[D ()-]*`` and their digits, read off the Arrow buffers.

    Returns (positions of those values, the digits as one uint8 buffer without
    a leading ``00``, the offsets into it, the reading code of each) for the
    values with 4 to 20 such digits not starting with 0; None if there are none.
    ``mode`` ``"plus"`` reads only values with a ``+``; ``"national"`` only
    values ``D[D ()-]*`` without ``+`` or ``tel:``, of 4 to 17 digits, as they are.
    Digits are dense and everything else is sparse, so only the non-digit
    bytes are looked at one by one.
    """
    offsets, data = string_buffers(text)
    low, high = int(offsets[0]), int(offsets[-1])
    if high == low:
        return None
    count = len(text)
    begin, end = offsets[:-1], offsets[1:]
    nonempty = end > begin
    if text.null_count:
        nonempty &= ~pc.is_null(text).to_numpy(zero_copy_only=False)
    tel = nonempty & tel_prefix_at(data, begin, end)
    begin = begin + 4 * tel

    is_digit = (data[low:high] - np.uint8(ZERO)) < 10
    elsewhere = np.flatnonzero(~is_digit) + low
    row = values_at(offsets, elsewhere)  # the value each non-digit byte is in
    kind = BYTE_CLASS[data[elsewhere]]
    inside = elsewhere >= begin[row]
    misplaced = inside & ((kind == OTHER) | ((kind == PLUS) & (elsewhere != begin[row])))
    digit_count = (end - offsets[:-1]) - np.bincount(row, minlength=count)

    nonempty &= end > begin
    has_plus = nonempty & (byte_classes_at(data, begin, high) == PLUS)
    shaped = nonempty & (byte_classes_at(data, begin + has_plus, high) == DIGIT) & (end > begin + has_plus)
    shaped[row[misplaced]] = False
    if mode == "plus":
        shaped &= has_plus
    elif mode == "national":
        shaped &= ~has_plus & ~tel

    digits = data[low:high][is_digit]
    if not len(digits):
        return None
    digit_offsets = np.concatenate(([0], np.cumsum(digit_count)))
    starts = digit_offsets[:-1]
    last = len(digits) - 1
    if mode == "national":
        double_zero = np.zeros(count, dtype=bool)
        eligible = shaped & (digit_count >= MIN_DIGITS) & (digit_count <= MAX_NSN)
        length = digit_count
    else:
        double_zero = (
            shaped
            & ~has_plus
            & (digit_count >= 2)
            & (digits[np.minimum(starts, last)] == ZERO)
            & (digits[np.minimum(starts + 1, last)] == ZERO)
        )
        length = digit_count - 2 * double_zero
        eligible = shaped & (length >= MIN_DIGITS) & (length <= MAX_DIGITS)
        eligible[eligible] &= digits[(starts + 2 * double_zero)[eligible]] != ZERO
    positions = np.flatnonzero(eligible)
    if positions.size == 0:
        return None
    keep = np.repeat(eligible, digit_count)
    dropped = starts[eligible & double_zero]
    keep[dropped] = keep[dropped + 1] = False
    full = digits[keep]
    full_offsets = np.concatenate(([0], np.cumsum(length[positions])))
    readings = np.where(has_plus[positions], 1, np.where(double_zero[positions], 2, 0)).astype(np.int8)
    if mode == "national":
        readings[:] = NATIONAL
    return positions, full, full_offsets, readings


def tel_prefix_at(data: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether each value starts with ``tel:`` in any letter case."""
    found = (end - begin) >= 4
    top = len(data) - 1
    for place, (letter, case_free) in enumerate(((b"t", True), (b"e", True), (b"l", True), (b":", False))):
        byte = data[np.minimum(begin + place, top)]
        found &= ((byte | 0x20) if case_free else byte) == letter[0]
    return found


def byte_classes_at(data: np.ndarray, at: np.ndarray, end: int) -> np.ndarray:
    """The byte class at each position (other where the position is past the data)."""
    return np.where(at < end, BYTE_CLASS[data[np.minimum(at, end - 1)]], OTHER)


def digit_strings(digits: np.ndarray, offsets: np.ndarray) -> pa.Array:
    """The spans ``digits[offsets[i]:offsets[i + 1]]`` as an Arrow string array over the same bytes (no copy)."""
    return pa.Array.from_buffers(
        pa.string(), len(offsets) - 1, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(digits)]
    )


def without_leading(strings: pa.Array, cut: np.ndarray) -> pa.Array:
    """Each value of ``strings`` (no nulls) less its first ``cut[i]`` bytes (a few: a calling code's digits)."""
    offsets, data = string_buffers(strings)
    begin = offsets[:-1]
    keep = np.ones(int(offsets[-1] - offsets[0]), dtype=bool)
    for place in range(int(cut.max()) if len(cut) else 0):
        keep[begin[cut > place] + place - offsets[0]] = False
    new_offsets = (offsets - offsets[0]) - np.concatenate(([0], np.cumsum(cut)))
    return digit_strings(data[int(offsets[0]) : int(offsets[-1])][keep], new_offsets)
