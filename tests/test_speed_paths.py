"""The fast paths must agree with the reference paths: phonenumbers for numbers, csv for reading.

These tests assert parity and flat memory, never timings.
"""

import csv
import gc
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csvtools.reading as reading
from csvtools import clean_chunk, normalize_number
from csvtools.fastpath import judge_array
from csvtools.writing import AtomicCsvWriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402


def reference(value, region=None, level="valid"):
    result = normalize_number(value, region, level)
    return result.number, result.reason, result.detail, result.region, result.reading


def fast_verdicts(values, region=None, level="valid"):
    verdicts = judge_array(np.asarray(values, dtype=object), region, level)
    columns = [verdicts.column(name).to_pylist() for name in ("number", "reason", "detail", "region", "reading")]
    return [tuple(column[i] for column in columns) if verdicts.decided[i] else None for i in range(len(values))]


@pytest.fixture(scope="module")
def benchmark_values(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "contacts.csv"
    generate.write(str(path), 6000, seed=7)
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted({row["phone"] for row in csv.DictReader(handle)})


def test_fast_path_agrees_with_phonenumbers_on_the_benchmark_file(benchmark_values):
    fast = fast_verdicts(benchmark_values)
    decided = [(value, verdict) for value, verdict in zip(benchmark_values, fast) if verdict is not None]
    assert len(decided) > 0.9 * len(benchmark_values)  # it does take the common case
    mismatches = [(value, verdict, reference(value)) for value, verdict in decided if verdict != reference(value)]
    assert mismatches == []


def test_fast_path_leaves_what_it_cannot_settle(benchmark_values):
    values = ["919876543210.0", "9.19877E+11", "+44 7911 123456 ext 3", "'+919876543210", "+800 1234 5678",
              "07911 123456", "+91 98765 43210 / +91 98765 43211", "N/A", "+۹۱۹۸۷۶۵۴۳۲۱۰"]
    assert fast_verdicts(values) == [None] * len(values)
    assert fast_verdicts(["+919876543210"], level="possible") == [None]
    assert fast_verdicts(["07911 123456"], region="GB") == [None]


CHUNK_SPELLINGS = ["+{cc}{n}", "+{cc} {n}", "00{cc}{n}", "{cc}{n}", "tel:+{cc}-{n}", "+{cc}-{n}", "({cc}) {n}",
                   " +{cc}{n} ", "+{cc}{n}0", "TeL:{cc}{n}", "+{cc}+{n}", "0 0{cc} {n}", "+ {cc}{n}", "tel{cc}{n}",
                   "{cc}{n}x", "++{cc}{n}"]


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(
        st.tuples(
            st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
            st.text(alphabet="0123456789", min_size=1, max_size=16),
            st.sampled_from(CHUNK_SPELLINGS),
        ),
        min_size=1, max_size=40,
    ),
    region=st.sampled_from([None, None, "IN", "US", "GB"]),
)
def test_clean_chunk_equals_the_reference_on_generated_numbers(numbers, region):
    """Whatever path a value takes, its verdict is the reference's, in every column."""
    import pandas as pd

    values = [spelling.format(cc=phonenumbers.country_code_for_region(country), n=digits)
              for country, digits, spelling in numbers]
    frame = pd.DataFrame({"phone": values}, index=pd.RangeIndex(2, 2 + len(values), name="line"))
    verdicts = clean_chunk(frame, "phone", region)
    columns = (verdicts[name].astype(object).where(verdicts[name].notna(), None)
               for name in ("contact_number", "reason", "detail", "region", "reading"))
    got = list(zip(*columns))
    assert got == [reference(value, region) for value in values]


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
    monkeypatch.setattr(reading, "_BLOCK_BYTES", block_bytes)
    good, bad = [], []
    with reading.CsvSource(path) as source:
        header = (source.header_line, source.header)
        for chunk in source.chunks(7):
            good += [(int(line), list(map(str, row))) for line, row in
                     zip(chunk.frame.index, chunk.frame.itertuples(index=False, name=None))]
            bad += chunk.malformed
    return header, sorted(good + bad)


BLOCK_CASES = {
    "plain": "a,b,c\n" + "".join(f"{i},x{i},y\n" for i in range(60)),
    "crlf-and-blank-lines": "a,b,c\r\n1,2,3\r\n\r\n\r\n4,5,6\r\n   \r\n7,8,9\r\n",
    "ragged": "a,b,c\n1,2\n1,2,3,4\n5,6,7\n,,\n8,9,10",
    "no-final-newline": "a,b\n1,2\n3,4",
    "quotes-after-first-blocks": "a,b\n" + "".join(f"{i},v{i}\n" for i in range(40))
    + '41,"multi\nline"\n42,"x,y"\n43,z\n',
    "leading-blank-lines": "\n\nphone,name\n+91,A\n\n+44,B\n",
    "bare-carriage-returns": "a,b\r1,2\r3,4\r",
    "utf8-bom": "\ufeffa,b\n1,é\n2,ü\n",
    "semicolons": "a;b;c\n1;2;3\n4;5\n6;7;8\n",
}


@pytest.mark.parametrize("name", sorted(BLOCK_CASES))
@pytest.mark.parametrize("block_bytes", [16, 64, 8 << 20])
def test_block_reader_matches_the_csv_module(tmp_path, monkeypatch, name, block_bytes):
    text = BLOCK_CASES[name]
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode("utf-8"))
    delimiter = ";" if name == "semicolons" else ","
    expected = reference_records(text.lstrip("\ufeff"), delimiter)
    (header_line, header), records = read_all(path, monkeypatch, block_bytes)
    assert (header_line, header) == expected[0]
    assert records == sorted(expected[1:])


def test_writer_quotes_like_rfc_4180_and_reads_back(tmp_path):
    values = ["plain", "with,comma", 'q"uote', "new\nline", "cr\rx", "", " lead", "trail ", "semi;colon", "=1+2"]
    writer = AtomicCsvWriter(tmp_path / "out.csv", ["x", "y"])
    writer.write_columns([values, list(reversed(values))])
    writer.commit()
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["x", "y"], *map(list, zip(values, reversed(values)))]
    assert '"with,comma"' in text and '"q""uote"' in text and '"cr\rx"' in text and "\n trail ," not in text


MEMORY_PROBE = """
import resource, sys
import csvtools.pipeline as pipeline
pipeline._BLOCK_BYTES = 1 << 20  # both files in blocks of the same size: several for the larger one
import csvtools.dedupe as dedupe
dedupe.SPILL_AT = 1 << 12  # both files' duplicate indexes move to disk, as a big file's does
from csvtools import clean_file
clean_file(sys.argv[1], sys.argv[2], chunk_rows=20000, max_rejections=20)
try:  # this process's own peak: Linux carries the parent's over into ru_maxrss across fork and exec
    print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_memory_stays_flat_as_the_file_grows(tmp_path):
    peaks = {}
    for rows in (40_000, 160_000):
        source = tmp_path / f"contacts_{rows}.csv"
        generate.write(str(source), rows, seed=3)
        done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(source), str(tmp_path / "out.csv")],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        peaks[rows] = int(done.stdout.split()[-1]) / 1024  # MB
    # Four times the rows, and nothing grows with them (we measured 3 to 5 MB of noise and caches):
    # the duplicate index keeps at most 2 * SPILL_AT numbers in memory; 100 bytes a row kept
    # anywhere would add 12 MB.
    assert peaks[160_000] < peaks[40_000] + 10, peaks


@pytest.mark.parametrize("few", [0, None])
def test_fast_path_agrees_on_every_region_with_trunk_prefixes_and_wrong_lengths(monkeypatch, few):
    """With few=0 the national-prefix step runs vectorized for every code, however few its numbers."""
    import csvtools.fastpath as fastpath

    if few is not None:
        monkeypatch.setattr(fastpath, "_FEW", few)
    values = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
                     phonenumbers.PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example:
                nsn, code = phonenumbers.national_significant_number(example), example.country_code
                values += [f"+{code}{nsn}", f"+{code}0{nsn}", f"00{code}{nsn}", f"+{code}{nsn[:-1]}",
                           f"+{code}{nsn}9", f"+{code} (0) {nsn}", f"{code}{nsn}"]
    fast = fast_verdicts(values)
    decided = [(value, verdict) for value, verdict in zip(values, fast) if verdict is not None]
    assert len(decided) > 0.85 * len(values)
    assert [(value, verdict) for value, verdict in decided if verdict != reference(value)] == []


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory):
    """A generated list with ragged lines, a formula cell and, late in the file, quoted fields."""
    path = tmp_path_factory.mktemp("mixed") / "contacts.csv"
    generate.write(str(path), 30_000, seed=11)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[500] = "+447911123456,too,few\n"
    lines[9000] = "=HYPERLINK(1),a,b,c,d,e,f\n"
    lines[20_000] = '"+91 98765 43210","Quoted, Name",x,basic,2026-01-01\n'
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("max_rejections", [None, 5])
def test_parallel_blocks_equal_one_process(mixed_file, tmp_path, monkeypatch, max_rejections):
    """Many small blocks in a pool (duplicates and malformed rows across blocks) write what one process writes."""
    import csvtools.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_BLOCK_BYTES", 64 * 1024)  # the forked workers inherit this
    one = pipeline.clean_file(mixed_file, tmp_path / "one.csv", max_rejections=max_rejections)
    pool = pipeline.clean_file(mixed_file, tmp_path / "pool.csv", workers=2, chunk_rows=3000,
                               max_rejections=max_rejections)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "pool.csv").read_bytes()
    assert (tmp_path / "one.rejects.csv").read_bytes() == (tmp_path / "pool.rejects.csv").read_bytes()
    paths = {"clean_path": None, "rejects_path": None}
    assert pool.to_dict() | paths == one.to_dict() | paths
    assert pool.by_reason["duplicate"] > 1000 and pool.by_reason["malformed_row"] == 2
    assert pool.rows == 30_000 and pool.rows == pool.clean + pool.rejected


def test_a_duplicate_index_on_disk_writes_what_one_in_memory_writes(mixed_file, tmp_path, monkeypatch):
    """With the index moving to disk every 500 numbers (and read back 64 at a time), the clean
    file, the rejects file and the report are those of an index kept in memory."""
    import csvtools.dedupe as dedupe
    import csvtools.pipeline as pipeline

    memory = pipeline.clean_file(mixed_file, tmp_path / "memory.csv", chunk_rows=2000, max_rejections=None)
    monkeypatch.setattr(dedupe, "SPILL_AT", 500)
    monkeypatch.setattr(dedupe, "SEGMENT", 64)
    disk = pipeline.clean_file(mixed_file, tmp_path / "disk.csv", chunk_rows=2000, max_rejections=None)
    assert (tmp_path / "memory.csv").read_bytes() == (tmp_path / "disk.csv").read_bytes()
    assert (tmp_path / "memory.rejects.csv").read_bytes() == (tmp_path / "disk.rejects.csv").read_bytes()
    paths = {"clean_path": None, "rejects_path": None}
    assert disk.to_dict() | paths == memory.to_dict() | paths
    assert disk.by_reason["duplicate"] > 1000


def test_a_temporary_directory_without_room_stops_the_run_with_one_error_and_no_output(mixed_file, tmp_path,
                                                                                        monkeypatch):
    import tempfile

    import csvtools.dedupe as dedupe
    import csvtools.pipeline as pipeline
    from csvtools import OutputFileError

    monkeypatch.setattr(dedupe, "SPILL_AT", 500)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with pytest.raises(OutputFileError, match=r"cannot keep the index of numbers already seen in .*missing: .*TMPDIR"):
        pipeline.clean_file(mixed_file, tmp_path / "out.csv", chunk_rows=2000)
    assert sorted(path.name for path in tmp_path.iterdir()) == []


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_duplicates_read_again_from_the_file_equal_those_carried_from_a_chunk(tmp_path, line_end):
    """A block's duplicate rows are read again from the file in the main process; a csv-module
    chunk carries them. Both give the same rejects file and report, formula cells included."""
    import csvtools.pipeline as pipeline

    source = tmp_path / "generated.csv"
    generate.write(str(source), 6000, seed=5)
    lines = source.read_text(encoding="utf-8").splitlines()
    phone = lines[10].split(",")[0]
    lines[3000] = f"{phone},=cmd|' /C calc'!A0,@SUM(1),basic,2026-01-01"  # a duplicate with formula cells
    lines.append(lines[20])  # the last line, without a line end
    plain = tmp_path / "plain.csv"
    plain.write_bytes(line_end.join(lines).encode())
    first = lines[1].split(",")
    lines[1] = ",".join([first[0], f'"{first[1]}"', *first[2:]])  # the same cell, quoted: the csv module reads all
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(line_end.join(lines).encode())

    reports = {}
    for name, path in (("plain", plain), ("quoted", quoted)):
        reports[name] = pipeline.clean_file(path, tmp_path / f"{name}.out.csv", workers=2, max_rejections=None)
        for limit in (None, 3):
            validated = pipeline.validate_file(path, max_rejections=limit)
            assert validated.rejections == reports[name].rejections[:len(validated.rejections)]
    assert (tmp_path / "plain.out.csv").read_bytes() == (tmp_path / "quoted.out.csv").read_bytes()
    rejects = (tmp_path / "plain.out.rejects.csv").read_bytes()
    assert rejects == (tmp_path / "quoted.out.rejects.csv").read_bytes()
    expected = (f"3001,duplicate,{normalize_number(phone).number} is already on line 11,{phone},"
                f"'=cmd|' /C calc'!A0,'@SUM(1),basic,2026-01-01\n")
    assert expected.encode() in rejects
    paths = {"file": None, "clean_path": None, "rejects_path": None}
    assert reports["plain"].to_dict() | paths == reports["quoted"].to_dict() | paths
    assert reports["plain"].by_reason["duplicate"] > 100


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=60), max_size=30), max_size=12),
       st.sampled_from([(2, 1), (5, 3), (8, 64), (None, None)]))
def test_duplicate_index_names_the_first_line_across_many_chunks(chunks, spill):
    """FirstLines, with its runs merged as they grow and moved to disk at spill_at numbers (read
    back a segment at a time), agrees with a plain dict (also for numbers too long for an int64 key)."""
    import pyarrow as pa

    from csvtools.dedupe import FirstLines, number_keys

    spill_at, segment = spill
    with FirstLines(spill_at, segment or 1 << 16) as index:
        seen, line = {}, 2
        for numbers in chunks:
            values = [f"+4479{n:08d}" if n % 7 else f"+{n + 1:020d}" for n in numbers]
            lines = np.arange(line, line + len(values), dtype=np.int64)
            line += len(values)
            keys = number_keys(pa.array(values, type=pa.string()))
            assert keys.numbers(np.arange(len(values))[::-1]).to_pylist() == values[::-1]
            got = index.first_lines(keys, lines)
            assert got.tolist() == [seen.setdefault(value, int(at)) for value, at in zip(values, lines)]
            assert index.in_memory < 2 * (spill_at or 1 << 19)
        assert len(index) == len(seen)


def test_runs_on_disk_with_int32_and_int64_lines_merge_into_one_that_finds_both():
    from csvtools.spill import SpilledRuns

    runs = SpilledRuns(segment=7)
    early = np.arange(0, 200, 2, dtype=np.int64)  # even keys on lines that fit an int32
    late = np.arange(1, 201, 2, dtype=np.int64)  # odd keys on lines past it
    runs.add(early, (early + 10).astype(np.int32))
    runs.add(late, late + 2**32)
    assert runs.runs == 1 and len(runs) == 200
    wanted = np.arange(-3, 205)
    expected = [n + 10 if 0 <= n < 200 and n % 2 == 0 else n + 2**32 if 0 < n < 200 else -1 for n in wanted]
    assert runs.find(wanted).tolist() == expected
    runs.close()


def test_duplicate_index_keeps_a_bounded_part_in_memory_and_closes_its_file():
    """Half a million distinct numbers through an index that spills at 20,000: at most twice that
    stays in memory, the rest goes to a few temporary files and is found there; closing deletes them."""
    import pyarrow as pa

    from csvtools.dedupe import FirstLines, number_keys

    rng = np.random.default_rng(7)
    numbers = rng.choice(10**9, size=500_000, replace=False) + 447_000_000_000
    with FirstLines(spill_at=20_000, segment=4096) as index:
        for part in np.array_split(numbers, 50):
            lines = np.arange(len(part)) + 1000  # each number's first line; lines repeat between parts
            index.first_lines(number_keys(pa.array([f"+{n}" for n in part])), lines)
            assert index.in_memory < 40_000
        assert len(index) == 500_000 and index.in_memory < 40_000
        spilled = index._spilled
        assert 2 <= spilled.runs <= 5  # runs on disk merge as they grow: a lookup searches a few
        files = [run.file for run in spilled._runs]
        again = rng.permutation(numbers)[:30_000]
        lines = np.arange(10**6, 10**6 + len(again))
        first = index.first_lines(number_keys(pa.array([f"+{n}" for n in again])), lines)
        position = {int(n): i % 10_000 + 1000 for i, n in enumerate(numbers)}
        assert first.tolist() == [position[int(n)] for n in again]
    assert all(file.closed for file in files) and spilled.runs == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=80))
def test_duplicate_keys_are_sorted_like_numpy_unique(values):
    from csvtools.dedupe import _unique

    keys = np.array(values, dtype=np.int64)
    expected = np.unique(keys, return_index=True, return_inverse=True)
    assert [part.tolist() for part in _unique(keys)] == [part.reshape(-1).tolist() for part in expected]


def test_a_worker_holds_no_arrow_memory_between_pieces(tmp_path):
    """pandas frames sit in reference cycles; _work collects them, so that a worker's memory
    stays flat over a long file instead of holding a block or two of garbage."""
    import pyarrow as pa

    import csvtools.pipeline as pipeline

    path = tmp_path / "contacts.csv"
    generate.write(str(path), 60_000, seed=5)
    with reading.CsvSource(path) as source:
        pieces = list(source.pieces(5000, 300 * 1024))  # big enough: tiny pieces happen to leave no cycles
    plan = pipeline._Plan("phone", ("first_name", "last_name", "plan", "renewal_date"), None, "valid", 5000, 20,
                          True)
    gc.disable()  # no automatic collection may hide garbage left behind
    try:
        pipeline._work(pieces[0], plan)
        baseline = pa.total_allocated_bytes()
        for piece in pieces[1:5]:
            rendered = pipeline._work(piece, plan)
            assert rendered and pa.total_allocated_bytes() > baseline  # the results themselves
            del rendered
            assert pa.total_allocated_bytes() <= baseline
    finally:
        gc.enable()


@pytest.mark.parametrize("frozen_by_caller", [False, True])
def test_a_run_leaves_the_callers_frozen_objects_as_they_were(tmp_path, frozen_by_caller):
    """A run freezes the objects it finds (so its collections stay short) and unfreezes them after,
    unless the process had frozen objects of its own already, as the command line does."""
    from csvtools import clean_file

    gc.unfreeze()
    if frozen_by_caller:
        gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        clean_file(ROOT / "samples" / "contacts_good.csv", tmp_path / "clean.csv")
        if frozen_by_caller:
            assert gc.get_freeze_count() >= frozen > 0
        else:
            assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_rows_read_again_from_a_file_that_changed_are_refused(tmp_path):
    """The main process reads a block's duplicate rows again; if the file changed meanwhile, the run
    stops with an error instead of writing fields that are not the ones judged."""
    from csvtools.errors import InputFileError

    path = tmp_path / "contacts.csv"
    path.write_text("phone,name\n+447911123456,Ann\n+447911123457,Bob\n+447911123456,Cy\n", encoding="utf-8")
    with reading.CsvSource(path) as source:
        (block,) = list(source.pieces(100, 1 << 20))
    assert [column.to_pylist() for column in reading.reread_fields(block, np.array([2, 4]))] == [
        ["+447911123456", "+447911123456"], ["Ann", "Cy"]]
    for changed in ("phone,name\n+447911123456,Ann\n+447911123457,Bob\n",  # shorter
                    "phone,name\n+447911123456,Ann,+447911123457,Bob,+447911123456,Cy\n"):  # as long, one line
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(InputFileError, match="changed while it was being read"):
            reading.reread_fields(block, np.array([2, 4]))
