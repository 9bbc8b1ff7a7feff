"""Every tuning knob of a run, in one place: sizes that change speed and memory, never results.

Modules read these at call time (``knobs.BLOCK_BYTES``), so a test may set one
and forked workers see it too. The figures behind each are in the docs'
Performance page (docs/performance.md).
"""

from __future__ import annotations

#: Bytes of whole lines a worker reads, parses and judges at once (3, 4 and 8 MB measured the same).
BLOCK_BYTES = 6 << 20
#: Records per chunk where Python's csv module reads (quoted or non-UTF-8 files).
CHUNK_ROWS = 200_000
#: Files at least this big get one worker process per core when workers are automatic.
PARALLEL_MIN_BYTES = 16 << 20
#: At most this many worker processes when workers are automatic.
MAX_AUTO_WORKERS = 4
#: Bytes checked at once for UTF-8 when the encoding is decided.
UTF8_CHECK_BYTES = 8 << 20
#: Numbers in a sorted run of the duplicate index that moves to a temporary file (3 MB).
SPILL_AT = 1 << 18
#: Bits of the duplicate index's filter of keys seen (8 MB), which spares most new numbers a search.
DUPLICATE_FILTER_BITS = 1 << 26
#: Numbers read at once from a run on disk (512 KB of keys).
SPILL_SEGMENT = 1 << 16
#: A calling code with this many numbers or fewer that may carry a national prefix leaves them
#: to phonenumbers: compiling its patterns for the vectorized path costs more than reading them.
FEW_NATIONAL_PREFIXES = 4
#: A judging call of this many numbers or more builds the number-range tables when no cache file has
#: them (most of a CPU second, once per machine; :mod:`csvtools.numbers.range_book`); a smaller one
#: leaves the numbers to the RE2 patterns.
RANGES_WORTH_BUILDING = 100_000
