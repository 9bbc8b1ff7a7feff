"""What kind of file this is: refuse what is not text, and decide the encoding for the whole file."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat

from .. import knobs
from .._strings import is_utf8
from ..errors import InputFileError

__all__ = ["DAMAGED_UTF8", "decide_encoding", "detect_encoding", "open_binary"]

_DECODE_BLOCK = 1 << 20
# Control bytes other than tab, line feed and carriage return: text has next to none, binary data
# about one in nine. Past this share of the first bytes, the file is not text.
_CONTROL_BYTES = [bytes([code]) for code in (*range(1, 9), 11, 12, *range(14, 32), 127)]
_MAX_CONTROL_SHARE = 0.05

# Files people hand us by mistake, recognised by their first bytes.
_MAGIC = {
    # Workbooks (ZIP: .xlsx, .ods; OLE2: .xls) are read by .workbook; what reaches here is read as text.
    b"PK\x03\x04": "a ZIP archive or workbook (read workbooks with WorkbookSource)",
    b"\xd0\xcf\x11\xe0": "an OLE2 document or .xls workbook (read workbooks with WorkbookSource)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive; unpack it first",
}


#: The errors handler of a UTF-8 file with damaged lines: undecodable bytes become lone surrogates,
#: by which the reader finds the lines to reject (``encoding_error``).
DAMAGED_UTF8 = "surrogateescape"


def detect_encoding(path: str | os.PathLike, forced: str | None = None) -> str:
    """Return the encoding to read ``path`` with: BOM, then UTF-8, then cp1252 (see :func:`decide_encoding`)."""
    return decide_encoding(path, forced)[0]


def decide_encoding(path: str | os.PathLike, forced: str | None = None) -> tuple[str, str]:
    """Return ``(encoding, errors)`` to read ``path`` with: BOM, then strict UTF-8, then damaged UTF-8, then cp1252.

    The whole file is checked, because a cp1252 byte can sit far past any
    sample a sniffer would read. A file that is not strict UTF-8 but holds
    valid multi-byte UTF-8 characters, at least as many as bytes that are not UTF-8, is
    UTF-8 with damaged lines (``errors`` :data:`DAMAGED_UTF8`): reading it as
    cp1252 would garble every accented name. A file whose only non-ASCII
    bytes are not UTF-8 is cp1252. ``errors`` is ``"strict"`` otherwise.
    """
    encoding = _decide_encoding(path, forced)
    if encoding.startswith("damaged-"):
        return encoding.removeprefix("damaged-"), DAMAGED_UTF8
    return encoding, "strict"


def _decide_encoding(path: str | os.PathLike, forced: str | None) -> str:
    with open_binary(path) as handle:
        head = handle.read(8192)
        _refuse_binary(head)
        if forced:
            try:
                codecs.lookup(forced)
            except LookupError:
                raise InputFileError(f"unknown encoding {forced!r}") from None
            return forced
        if head.startswith(codecs.BOM_UTF8):
            handle.seek(0)
            if _is_utf8(handle):
                return "utf-8-sig"
            handle.seek(0)
            return "damaged-utf-8-sig" if _is_damaged_utf8(handle) else "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head:
            raise InputFileError("this is not a text file (it contains NUL bytes)")
        handle.seek(0)
        if _is_utf8(handle):
            return "utf-8"
        handle.seek(0)
        if _is_damaged_utf8(handle):
            return "damaged-utf-8"
        handle.seek(0)
        if _decodes(handle, "cp1252"):
            return "cp1252"
    raise InputFileError("cannot decode the file as UTF-8 or Windows-1252; pass --encoding")


def open_binary(path: str | os.PathLike) -> io.BufferedReader:
    """Open ``path`` for reading bytes, or raise :class:`InputFileError` saying why not."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise InputFileError(f"{os.fspath(path)} is a directory, not a file")
        if not stat.S_ISREG(mode):
            # A pipe can be read once, from the start only, and a device may never end.
            raise InputFileError(
                f"{os.fspath(path)} is not a regular file (a pipe or a device); "
                "the command line reads standard input as -"
            )
        return open(path, "rb")
    except FileNotFoundError:
        raise InputFileError(f"no such file: {os.fspath(path)}") from None
    except PermissionError:
        raise InputFileError(f"permission denied: {os.fspath(path)}") from None
    except OSError as exc:
        raise InputFileError(f"cannot open {os.fspath(path)}: {exc.strerror or exc}") from None


def _is_utf8(handle: io.BufferedReader) -> bool:
    # One buffer, read into again and again: fresh 8 MB blocks would each be faulted in anew.
    buffer = bytearray(knobs.UTF8_CHECK_BYTES)
    view = memoryview(buffer)
    kept = 0  # bytes after the last line feed, moved to the front for the next read
    while True:
        end = kept + handle.readinto(view[kept:])
        if end == kept:
            return is_utf8(view[:kept])
        # Check up to the last line feed, which is never inside a multi-byte character.
        cut = buffer.rfind(b"\n", 0, end) + 1
        if cut and not is_utf8(view[:cut]):
            return False
        kept = end - cut
        buffer[:kept] = bytes(view[cut:end])  # a copy: the two ranges may overlap
        if kept == len(buffer):  # one line longer than the buffer
            view.release()
            buffer.extend(bytes(len(buffer)))
            view = memoryview(buffer)


_INVALID = re.compile("[\udc80-\udcff]")
_VALID_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _is_damaged_utf8(handle: io.BufferedReader) -> bool:
    """Whether a file that is not strict UTF-8 is UTF-8 with damaged lines: it holds valid multi-byte
    characters, at least as many as bytes that are not UTF-8."""
    valid, invalid = _utf8_census(handle)
    return bool(valid) and valid >= invalid


def _utf8_census(handle: io.BufferedReader) -> tuple[int, int]:
    """(valid multi-byte characters, bytes that are not UTF-8) of the whole file, read as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors=DAMAGED_UTF8)
    valid = invalid = 0
    for block in iter(lambda: handle.read(_DECODE_BLOCK), b""):
        text = decoder.decode(block)
        invalid += len(_INVALID.findall(text))
        valid += len(_VALID_MULTIBYTE.findall(text))
    invalid += len(_INVALID.findall(decoder.decode(b"", final=True)))
    return valid, invalid


def _decodes(handle: io.BufferedReader, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for block in iter(lambda: handle.read(_DECODE_BLOCK), b""):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_binary(head: bytes) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputFileError(f"this is not a CSV file: it looks like {what}")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    controls = sum(head.count(byte) for byte in _CONTROL_BYTES)
    if head and controls > _MAX_CONTROL_SHARE * len(head):
        raise InputFileError(
            "this is not a text CSV: it holds binary data (control bytes), not lines of text"
        )
