"""csvtools on a Dask cluster: the union of its parts is what one machine writes for the files end to end."""

import csv
import importlib
import io
import json
import re
import sys

import pytest
from click.testing import CliRunner

pytest.importorskip("distributed", reason="the dask extra: pip install '.[dask]'")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from csvtools import InputFileError, OutputFileError, clean_file  # noqa: E402
from csvtools.cli import cli  # noqa: E402
from csvtools.distributed import clean_files  # noqa: E402

# Under the generated list's header (phone, first_name, last_name, plan, renewal_date): quoted line breaks
# (two in the first record, a CRLF in the third), a duplicate of its own line 2, a formula, a ragged row.
QUOTED_ROWS = (
    '"+44 7911 123456","Ann\nSmith","Lon\ndon",gold,2026-01-01\n'
    '+91 98765 43210,"Bob ""B"" Jones",Delhi,basic,2026-01-02\n'
    '"tel:+1-202-555-0143",Cat,"New\r\nYork",silver,2026-01-03\n'
    "+44 7911 123456,Dan,Leeds,gold,2026-01-04\n"
    "N/A,=HYPERLINK(1),x,basic,2026-01-05\n"
    "+33 6 12 34 56 78,Eve,Lyon\n"
    '"+49 1512 3456789","Fay, F",Berlin,gold,2026-01-06\n'
)
# Windows-1252 and semicolons: read by the csv module in the outline task, as one machine reads it.
LATIN = (
    "phone;first_name;last_name;plan;renewal_date\n"
    "+33 6 12 34 56 78;Zoé;Lefèvre;gold;2026-03-01\n"
    "+44 7911 123456;Åsa;Öberg;basic;2026-03-02\n"
    "abc;Renée;Noël;gold;2026-03-03\n"
)
PARQUET_ROWS = {
    "phone": ["+91 98765 43210", None, "+49 1512 3456789", "+81 90 1234 5678", "+44 7911 123456", "12"],
    "name": ["Gus", "Hal", "Ida", "Jo", None, "Kim"],
    "city": ["Pune", "Oslo", "Bonn", "Kobe", "Hull", "Seoul"],
    "plan": ["gold"] * 6,
    "joined": ["2026-02-01"] * 6,
}


@pytest.fixture(scope="module")
def client():
    """Two worker processes on loopback, started once for the module; their blocks are small, so that
    one file makes several pieces (the knobs are read in the workers, where the pieces are cut)."""
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as connected,
    ):
        connected.run(lambda: setattr(importlib.import_module("csvtools.knobs"), "BLOCK_BYTES", 64 << 10))
        yield connected


@pytest.fixture(scope="module")
def inputs(mixed_file, tmp_path_factory):
    """Three slices of the generated list (the middle one with quotes late in it), the quoted file, a Parquet file."""
    folder = tmp_path_factory.mktemp("inputs")
    lines = mixed_file.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    paths = []
    for name, rows in (("a.csv", body[:12_000]), ("b.csv", body[12_000:21_000]), ("c.csv", body[21_000:])):
        (folder / name).write_text(header + "".join(rows), encoding="utf-8")
        paths.append(folder / name)
    (folder / "quoted.csv").write_text(header + QUOTED_ROWS, encoding="utf-8", newline="")
    names = next(csv.reader([header]))
    table = pa.table({name: PARQUET_ROWS[column] for name, column in zip(names, PARQUET_ROWS)})
    pq.write_table(table, folder / "rows.parquet", row_group_size=4)
    (folder / "latin.csv").write_bytes(LATIN.encode("cp1252"))
    return [*paths, folder / "quoted.csv", folder / "rows.parquet", folder / "latin.csv"]


def _concatenated(paths, target):
    """The inputs end to end under one header (a Parquet file as CSV lines), and each input's line offset."""
    offsets, parts, line = {}, [], 0
    header = None
    for path in paths:
        if path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(
                [["" if v is None else v for v in row.values()] for row in rows]
            )
            body = buffer.getvalue()
            offsets[str(path)] = line + 1  # row r of the file is line r + 1 of its CSV form
        elif path.name == "latin.csv":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(csv.reader(io.StringIO(LATIN), delimiter=";"))
            body = buffer.getvalue().split("\n", 1)[1]
            offsets[str(path)] = line
        else:
            text = path.read_bytes().decode("utf-8")  # as it is: a CRLF inside quotes stays one
            first, body = text.split("\n", 1)
            header = header or first + "\n"
            offsets[str(path)] = line
        parts.append(body)
        line += body.count("\n")
    target.write_text(header + "".join(parts), encoding="utf-8", newline="")
    return offsets


def _rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def _parts(folder):
    return [row for part in sorted(folder.glob("part-*.csv")) for row in _rows(part)]


def _as_one_file(rejects, offsets):
    """Distributed rejects as the concatenated run names them: one line number, no file."""
    out = []
    for file, line, reason, detail, *fields in rejects:

        def concatenated(match, file=file):
            return f"line {offsets[match.group(2) or file] + int(match.group(1))}"

        detail = (
            re.sub(r"line (\d+)(?: of (.+))?$", concatenated, detail) if reason == "duplicate" else detail
        )
        out.append([str(offsets[file] + int(line)), reason, detail, *fields])
    return out


COUNTS = ("rows", "clean", "rejected", "by_reason", "by_country", "by_reading")


@pytest.mark.parametrize(
    "settings",
    [{}, {"keep_duplicates": True}, {"region": "GB"}, {"level": "possible"}, {"types": "mobile,toll_free"}],
    ids=["default", "keep-duplicates", "region-GB", "level-possible", "types"],
)
def test_the_cluster_writes_what_one_machine_writes_for_the_files_end_to_end(
    client, inputs, tmp_path, settings
):
    _assert_as_one_machine_writes(client, inputs, tmp_path, settings)


def test_a_run_of_many_pieces_shuffles_a_share_a_task_as_one_machine_writes(
    client, inputs, tmp_path, monkeypatch
):
    from csvtools.distributed import duplicates

    monkeypatch.setattr(duplicates, "WHOLE_SHARES_MAX_PIECES", 0)
    _assert_as_one_machine_writes(client, inputs, tmp_path, {})


def _assert_as_one_machine_writes(client, inputs, tmp_path, settings):
    one = tmp_path / "all.csv"
    offsets = _concatenated(inputs, one)
    single = clean_file(one, tmp_path / "one.clean.csv", **settings)
    report = clean_files(inputs, tmp_path / "out", client, **settings)

    clean, rejects = _parts(tmp_path / "out" / "clean"), _parts(tmp_path / "out" / "rejects")
    assert clean == _rows(tmp_path / "one.clean.csv")
    assert _as_one_file(rejects, offsets) == _rows(tmp_path / "one.rejects.csv")
    assert {name: getattr(report, name) for name in COUNTS} == {
        name: getattr(single, name) for name in COUNTS
    }
    assert report.rows == len(clean) + len(rejects) == report.clean + report.rejected
    if not settings.get("keep_duplicates"):
        assert any(" of " in row[3] for row in rejects)  # a first occurrence in another file was found


def test_parts_follow_the_inputs_and_name_file_and_physical_line(client, inputs, tmp_path):
    clean_files(inputs, tmp_path / "out", client)
    parts = sorted((tmp_path / "out" / "rejects").glob("part-*.csv"))
    assert len(parts) > len(inputs)  # the big files came in several pieces
    files = [row[0] for part in parts for row in _rows(part)]
    assert files == sorted(files, key=[str(path) for path in inputs].index)
    quoted = [row for row in _parts(tmp_path / "out" / "rejects") if row[0].endswith("quoted.csv")]
    # Ann's record spans lines 2-4 and Cat's 6-7; Bob repeats a number of b.csv, Dan Ann's
    assert [row[1:3] for row in quoted] == [
        ["5", "duplicate"],
        ["8", "duplicate"],
        ["9", "not_a_number"],
        ["10", "malformed_row"],
    ]
    assert quoted[0][3] == f"+919876543210 is already on line 8001 of {inputs[1]}"
    assert quoted[1][3] == "+447911123456 is already on line 2"
    assert quoted[2][5] == "'=HYPERLINK(1)"  # rejects are for people: formulas neutralized
    parquet = [row for row in _parts(tmp_path / "out" / "rejects") if row[0].endswith(".parquet")]
    assert [row[1:3] for row in parquet] == [
        ["1", "duplicate"],
        ["2", "missing_number"],
        ["3", "duplicate"],
        ["5", "duplicate"],
        ["6", "not_a_number"],
    ]
    assert parquet[2][3] == f"+4915123456789 is already on line 11 of {inputs[3]}"  # rows numbered from 1


def test_a_file_in_another_encoding_and_delimiter_reads_as_on_one_machine(client, inputs, tmp_path):
    report = clean_files(inputs, tmp_path / "out", client)
    latin = [row for row in _parts(tmp_path / "out" / "rejects") if row[0].endswith("latin.csv")]
    assert latin == [
        [
            str(inputs[5]),
            "3",
            "duplicate",
            f"+447911123456 is already on line 2 of {inputs[3]}",
            "+44 7911 123456",
            "Åsa",
            "Öberg",
            "basic",
            "2026-03-02",
        ],
        [
            str(inputs[5]),
            "4",
            "not_a_number",
            "no phone number in the value",
            "abc",
            "Renée",
            "Noël",
            "gold",
            "2026-03-03",
        ],
    ]
    assert ["+33612345678", "Zoé", "Lefèvre", "gold", "2026-03-01"] in _parts(tmp_path / "out" / "clean")
    assert report.encoding == "cp1252+utf-8" and report.delimiter == ",+;"


def test_header_only_files_make_an_empty_run(client, tmp_path):
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("phone,name\n", encoding="utf-8")
    report = clean_files([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "out", client)
    assert (report.rows, report.clean, report.rejected) == (0, 0, 0)
    assert (tmp_path / "out" / "clean" / "part-00000.csv").read_text(
        encoding="utf-8"
    ) == "contact_number,name\n"
    assert (tmp_path / "out" / "rejects" / "part-00000.csv").read_text(
        encoding="utf-8"
    ) == "file,line,reason,detail,phone,name\n"


def test_report_json_is_the_returned_report_with_the_files(client, inputs, tmp_path):
    report = clean_files(inputs, tmp_path / "out", client)
    written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert written == {**report.to_dict(), "files": [str(path) for path in inputs]}
    assert report.rejections == [] and report.rejections_omitted == report.rejected


def test_globs_expand_in_sorted_order_and_a_file_named_twice_counts_once(client, inputs, tmp_path):
    folder = inputs[0].parent
    report = clean_files([str(folder / "[abc].csv"), inputs[1]], tmp_path / "out", client)
    rejects = _parts(tmp_path / "out" / "rejects")
    assert list(dict.fromkeys(row[0] for row in rejects)) == [
        str(folder / name) for name in ("a.csv", "b.csv", "c.csv")
    ]
    assert report.file == "3 files"


def test_a_failed_run_leaves_the_last_outputs_and_no_temporary_files(client, inputs, tmp_path):
    out = tmp_path / "out"
    clean_files(inputs[3:4], out, client)
    before = sorted((path.relative_to(out), path.read_bytes()) for path in out.rglob("*") if path.is_file())
    (tmp_path / "other.csv").write_text("phone,name\n+441,x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"other\.csv: its header"):
        clean_files([inputs[3], tmp_path / "other.csv"], out, client)
    (tmp_path / "binary.csv").write_bytes(b"phone\x00\x01\x02")
    with pytest.raises(InputFileError, match=r"binary\.csv: this is not a text (file|CSV)"):
        clean_files([inputs[3], tmp_path / "binary.csv"], out, client)
    after = sorted((path.relative_to(out), path.read_bytes()) for path in out.rglob("*") if path.is_file())
    assert after == before


def test_an_input_inside_the_folder_the_run_replaces_is_refused(client, inputs, tmp_path):
    clean_files(inputs[3:4], tmp_path / "out", client)
    with pytest.raises(OutputFileError, match="inside the output folder"):
        clean_files([tmp_path / "out" / "clean" / "part-00000.csv"], tmp_path / "out", client)


def test_cli_engine_dask_on_a_running_scheduler(client, inputs, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "clean",
            *map(str, inputs),
            "--engine",
            "dask",
            "--scheduler",
            client.scheduler.address,
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert result.output.startswith(
        f"6 files: {report['rows']} rows in, {report['clean']} clean, {report['rejected']} rejected"
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["a.csv", "b.csv", "-o", "x.csv"], "several need --engine dask"),
        (["a.csv", "-o", "x.csv", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
        (["a.csv", "--engine", "dask", "-o", "out", "--rejects", "r.csv"], "go into the -o folder"),
        (
            ["a.csv", "--engine", "dask", "-o", "out", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
            "--workers sizes a local cluster",
        ),
    ],
    ids=["several-files", "scheduler-alone", "rejects-path", "workers-and-scheduler"],
)
def test_cli_usage_errors_exit_2(arguments, message):
    result = CliRunner().invoke(cli, ["clean", *arguments])
    assert result.exit_code == 2 and message in result.output


def test_cli_without_dask_says_what_to_install(inputs, monkeypatch, tmp_path):
    for name in ("dask", "dask.dataframe", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)
    result = CliRunner().invoke(
        cli, ["clean", str(inputs[3]), "--engine", "dask", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert result.output == (
        "csvtools: the Dask engine needs dask and distributed: pip install 'contact-batch-tools[dask]'\n"
    )
    assert not (tmp_path / "out").exists()


def test_cli_a_pattern_that_matches_nothing_exits_2_in_one_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["clean", str(tmp_path / "*.csv"), "--engine", "dask", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2 and result.output == f"csvtools: {tmp_path / '*.csv'}: no file matches\n"


def test_an_unreachable_scheduler_is_one_error_naming_it(inputs, tmp_path):
    import dask

    from csvtools.distributed import ClusterError

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ClusterError, match=r"cluster at tcp://127\.0\.0\.1:9 failed the run: OSError"):
            clean_files(inputs[3:4], tmp_path / "out", "tcp://127.0.0.1:9")
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_an_output_error(client, inputs, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputFileError, match=r"file/out: cannot write there"):
        clean_files(inputs[3:4], tmp_path / "file" / "out", client)


def test_suppression_lists_remove_what_one_machine_removes(client, inputs, tmp_path):
    one = tmp_path / "all.csv"
    _concatenated(inputs, one)
    numbers = [row.split(",")[0] for row in inputs[0].read_text(encoding="utf-8").splitlines()[1:40]]
    (tmp_path / "dnc.txt").write_text("\n".join(numbers) + "\n", encoding="utf-8")
    single = clean_file(one, tmp_path / "one.clean.csv", suppress=[tmp_path / "dnc.txt"])
    report = clean_files(inputs, tmp_path / "out", client, suppress=[tmp_path / "dnc.txt"])
    assert report.by_reason.get("suppressed", 0) == single.by_reason["suppressed"] > 0
    assert (report.rows, report.clean, report.rejected) == (single.rows, single.clean, single.rejected)
    record, expected = report.suppression[0], single.suppression[0]
    assert {key: record[key] for key in ("sha256", "numbers", "rows", "removed")} == {
        key: expected[key] for key in ("sha256", "numbers", "rows", "removed")
    }


def test_a_later_file_repeating_the_first_files_numbers_on_the_same_lines_has_duplicates(client, tmp_path):
    """The first file's order keys once equalled its plain line numbers, so a copy of it read as new."""
    for name in ("p1.csv", "p2.csv"):
        (tmp_path / name).write_text(
            "contact_number,name\n+447911123456,a\n+447911123457,b\n", encoding="utf-8"
        )
    report = clean_files([tmp_path / "p1.csv", tmp_path / "p2.csv"], tmp_path / "out", client)
    assert (report.rows, report.clean, report.by_reason) == (4, 2, {"duplicate": 2})
    rejects = (tmp_path / "out" / "rejects" / "part-00001.csv").read_text(encoding="utf-8")
    assert f"is already on line 2 of {tmp_path / 'p1.csv'}" in rejects


def test_a_parquet_float_column_reads_as_the_digits_one_machine_shows(client, tmp_path):
    """Arrow casts 12025550123.0 to "1.2025550123e+10"; a workbook's or a frame's cell is "12025550123"."""
    import pandas as pd

    from csvtools import clean_frame
    from csvtools.io.frame import column_text

    table = pa.table(
        {
            "phone": pa.array([12025550123.0, 447911123456.0, None, 1.5, 447911123456.0], type=pa.float64()),
            "score": pa.array([1e16, 2.0, 0.1, None, 3.0], type=pa.float64()),
        }
    )
    pq.write_table(table, tmp_path / "floats.parquet")
    clean_files([tmp_path / "floats.parquet"], tmp_path / "out", client)
    rejects = [row[1:] for row in _parts(tmp_path / "out" / "rejects")]
    clean = _parts(tmp_path / "out" / "clean")

    _, frame_rejects, _ = clean_frame(pd.read_parquet(tmp_path / "floats.parquet"))
    shown = {name: column_text(frame_rejects[name]).to_pylist() for name in ("phone", "score")}
    assert [[int(row[0]), row[1], row[3], row[4]] for row in rejects] == [  # a frame's rows from 2
        [line - 1, reason, phone, score]
        for line, reason, phone, score in zip(
            frame_rejects["line"], frame_rejects["reason"], shown["phone"], shown["score"]
        )
    ]
    assert [row[0] for row in rejects] == ["3", "4", "5"] and rejects[2][3] == "447911123456"
    assert clean == [["+12025550123", "1e+16"], ["+447911123456", "2"]]


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the start method checked on Linux")
def test_own_cluster_forks_its_workers_with_the_run_modules_loaded():
    import dask

    from csvtools.distributed import engine

    with engine._forked_workers():
        assert dask.config.get("distributed.worker.multiprocessing-method") == "fork"
        assert "csvtools.run.pool" in sys.modules and "csvtools.distributed.parts" in sys.modules
    assert dask.config.get("distributed.worker.multiprocessing-method") == "spawn"


# The command line in a fresh interpreter, then which of the modules it loaded are pandas and distributed.
LOADED_BY_THE_COMMAND = """
import sys
from csvtools.__main__ import main
sys.argv = ["csvtools", *sys.argv[1:]]
try:
    main()
except SystemExit as stop:
    print(stop.code, sorted(name for name in ("pandas", "distributed") if name in sys.modules), file=sys.stderr)
"""


def test_the_dask_command_loads_no_pandas(inputs, tmp_path):
    """The engine's keys are plain arrays, and pyarrow's pandas probe is answered "no" (csvtools.process)."""
    import subprocess

    out = tmp_path / "out"
    argv = ["clean", str(inputs[0]), "--engine", "dask", "--workers", "1", "-o", str(out), "-q"]
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_THE_COMMAND, *argv], capture_output=True, text=True, timeout=120
    )
    code, loaded = done.stderr.strip().splitlines()[-1].split(" ", 1)
    assert code in ("0", "1") and (out / "report.json").exists()  # 1: some rows were rejected
    assert loaded == "['distributed']"


def test_own_cluster_runs_without_the_dashboards_profiler_and_monitors():
    import dask

    from csvtools.distributed import engine

    def settings() -> tuple:
        return tuple(dask.config.get(name) for name in engine._OWN_CLUSTER_CONFIG)

    with engine._connected(None, 1) as connected:
        assert set(connected.run(settings).values()) == {(False, "1s", "2s")}
    assert dask.config.get("distributed.worker.profile.enabled") is True


def test_own_cluster_serves_its_http_routes_on_a_free_loopback_port_not_8787():
    from csvtools.distributed import engine

    def listening(dask_scheduler) -> list:
        return [socket.getsockname() for socket in dask_scheduler.http_server._sockets.values()]

    with engine._connected(None, 1) as connected:
        [(host, port)] = connected.run_on_scheduler(listening)
    assert host == "127.0.0.1" and port != 8787


@pytest.mark.parametrize("whole", [True, False], ids=["whole-lists", "a-task-a-share"])
@pytest.mark.parametrize(
    "buckets", [1, 2, 3], ids=["one-bucket", "fewer-buckets-than-pieces", "a-bucket-a-piece"]
)
def test_the_duplicates_shuffle_sends_each_duplicate_back_to_its_piece(client, monkeypatch, buckets, whole):
    import numpy as np
    import pyarrow as pa

    from csvtools.distributed import duplicates
    from csvtools.distributed.duplicates import Keys, _bucketed, piece_repeats, shuffled

    monkeypatch.setattr(duplicates, "WHOLE_SHARES_MAX_PIECES", 64 if whole else 0)

    def keys(numbers: list[int], orders: list[int]) -> Keys:
        none = np.zeros(0, dtype=np.int64)
        return Keys(
            np.array(numbers, dtype=np.int64),
            np.array(orders, dtype=np.int64),
            pa.array([], pa.string()),
            none,
        )

    pieces = [keys([1, 2, 5], [1, 2, 3]), keys([1, 5, 7], [4, 5, 6]), keys([2, 2, 9], [7, 8, 9])]
    split = [client.submit(_bucketed, frame, buckets, pure=False) for frame in client.scatter(pieces)]
    shares = shuffled(client, split, buckets, [1, 4, 7, 10])
    placed = [client.submit(piece_repeats, each, piece, pure=False) for piece, each in enumerate(shares)]
    found = [sorted(zip(orders.tolist(), firsts.tolist())) for orders, firsts in client.gather(placed)]
    assert found == [[], [(4, 1), (5, 3)], [(7, 2), (8, 2)]]


def test_the_shuffle_finds_first_occurrences_by_int64_key_and_long_numbers_by_their_spelling():
    import numpy as np
    import pyarrow as pa

    from csvtools.distributed.duplicates import Keys, _bucketed, _repeats

    long = "+" + "1" * 19
    keys = Keys(
        numbers=np.array([44, 7, 44, 7, 44], dtype=np.int64),
        orders=np.array([5, 2, 3, 9, 1], dtype=np.int64),
        long_numbers=pa.array([long, long + "2", long]),
        long_orders=np.array([4, 6, 8], dtype=np.int64),
    )
    found = sorted(zip(*(part.tolist() for part in _repeats(keys))))
    assert found == [(3, 1), (5, 1), (8, 4), (9, 2)]
    first, *others = _bucketed(keys, 3)  # a long number's rows all meet in the first bucket
    assert first.long_orders.tolist() == [4, 6, 8] and all(not len(other.long_orders) for other in others)


@pytest.mark.parametrize("in_order", [True, False], ids=["rows-in-order", "rows-shuffled"])
def test_later_rows_of_a_key_name_its_least_order_as_a_dict_would(in_order):
    import numpy as np

    from csvtools.distributed.duplicates import _later_of_keys

    rng = np.random.default_rng(7)
    keys = rng.integers(0, 300, 2_000).astype(np.int64)
    orders = np.sort(rng.choice(10**6, 2_000, replace=False)).astype(np.int64)
    if not in_order:
        shuffle = rng.permutation(len(keys))
        keys, orders = keys[shuffle], orders[shuffle]
    least: dict[int, int] = {}
    for key, order in zip(keys.tolist(), orders.tolist()):
        least[key] = min(order, least.get(key, order))
    expected = sorted(
        (order, least[key]) for key, order in zip(keys.tolist(), orders.tolist()) if order != least[key]
    )
    later, first = _later_of_keys(keys, orders)
    assert sorted(zip(later.tolist(), first.tolist())) == expected
    assert _later_of_keys(keys[:0], orders[:0])[0].size == 0


def test_buckets_follow_the_threads_not_the_pieces():
    """A few buckets per worker thread keep the shuffle's tasks few (pieces x buckets, twice)."""
    from csvtools.distributed.duplicates import MAX_BUCKETS, bucket_count

    assert bucket_count(30, 2) == 4  # a 4M-row run on two threads: 240 small tasks, not 1,800
    assert bucket_count(3, 2) == 3  # never more buckets than pieces
    assert bucket_count(400, 4) == 50  # many pieces: one bucket per eight
    assert bucket_count(10_000, 200) == MAX_BUCKETS
    assert bucket_count(7, None) == 7


def test_the_shuffles_keys_count_their_bytes_for_the_scheduler():
    # Dask counts an object it cannot measure as a few dozen bytes: placement and memory limits
    # would ignore the shuffle's largest intermediates.
    import numpy as np
    from dask.sizeof import sizeof

    from csvtools.distributed.duplicates import Keys

    rows = 1 << 16
    keys = Keys(
        np.arange(rows, dtype=np.int64),
        np.arange(rows, dtype=np.int64),
        pa.array(["+1234567890123456789012"]),
        np.zeros(1, dtype=np.int64),
    )
    assert sizeof(keys) >= 2 * rows * 8
