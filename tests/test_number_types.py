"""--types: which libphonenumber number types a run keeps, decided in the worker step from the verdict's type."""

import json

import pandas as pd
import pytest

from csvtools import Options, clean_chunk, normalize_number, validate_file
from csvtools.options import DEFAULT_TYPES

# (number, its type, --types, kept?)
TYPE_RULES = [
    ("+447400123456", "mobile", None, True),
    ("+441212345678", "fixed_line", None, True),
    ("+12015550123", "fixed_line_or_mobile", None, True),
    ("+448001234567", "toll_free", None, True),
    ("+449012345678", "premium_rate", None, False),
    ("+19002345678", "premium_rate", None, False),
    ("+33884012345", "shared_cost", None, True),
    ("+445612345678", "voip", None, True),
    ("+447012345678", "personal_number", None, True),
    ("+447640123456", "pager", None, True),
    ("+445512345678", "uan", None, True),
    ("+49177991234567", "voicemail", None, True),
    ("+447400123456", "mobile", "mobile", True),
    ("+12015550123", "fixed_line_or_mobile", "mobile", True),
    ("+441212345678", "fixed_line", "mobile", False),
    ("+448001234567", "toll_free", "mobile", False),
    ("+12015550123", "fixed_line_or_mobile", "fixed_line", False),
    ("+441212345678", "fixed_line", "fixed_line,mobile", True),
    ("+449012345678", "premium_rate", "premium_rate", True),
    ("+447400123456", "mobile", "fixed_line_or_mobile", False),
]


@pytest.mark.parametrize(
    "number, kind, types, kept",
    TYPE_RULES,
    ids=[f"{kind}-under-{types or 'default'}" for _, kind, types, kept in TYPE_RULES],
)
def test_types_keep_or_reject(tmp_path, number, kind, types, kept):
    assert normalize_number(number).type == kind
    path = tmp_path / "list.csv"
    path.write_text(f"phone\n{number}\n", encoding="utf-8")
    report = validate_file(path, types=types)
    assert report.clean == int(kept)
    if kept:
        assert report.by_type == {kind: 1}
    else:
        assert report.by_reason == {"disallowed_type": 1}
        assert report.rejections[0].detail == f"{number} is of type {kind}, which is not allowed"
        assert report.by_type == {}


def test_a_premium_rate_number_is_rejected_by_default_in_both_paths_of_clean_chunk():
    frame = pd.DataFrame(
        {"phone": ["+449012345678", "+44 (0) 90 1234 5678", "+447400123456"]},
        index=pd.RangeIndex(2, 5, name="line"),
    )
    verdicts = clean_chunk(frame, "phone", types=DEFAULT_TYPES)
    assert verdicts["reason"].tolist()[:2] == ["disallowed_type", "disallowed_type"]
    assert verdicts["type"].tolist() == ["premium_rate", "premium_rate", "mobile"]
    assert clean_chunk(frame, "phone")["reason"].isna().all()  # no types: every type kept


def test_report_counts_kept_numbers_by_type_after_duplicates(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "phone\n+447400123456\n+447400123456\n+441212345678\n+12015550123\n+449012345678\n", encoding="utf-8"
    )
    report = validate_file(path)
    assert report.by_type == {"fixed_line": 1, "fixed_line_or_mobile": 1, "mobile": 1}
    assert report.by_reason == {"disallowed_type": 1, "duplicate": 1}
    assert report.types == list(DEFAULT_TYPES)
    assert sum(report.by_type.values()) == report.clean


@pytest.mark.parametrize(
    "types, expected",
    [
        (None, DEFAULT_TYPES),
        ("mobile, FIXED_LINE", ("mobile", "fixed_line")),
        (["toll_free", "toll_free"], ("toll_free",)),
    ],
    ids=["default", "string", "list"],
)
def test_options_types_are_normalized(types, expected):
    assert Options(types=types).types == expected


@pytest.mark.parametrize("types", ["mobil", "mobile,landline", ""], ids=["typo", "one-unknown", "empty"])
def test_options_refuse_unknown_types_naming_the_valid_ones(types):
    with pytest.raises(ValueError, match="choose among mobile, fixed_line, fixed_line_or_mobile"):
        Options(types=types)


def test_cli_types_option_rejects_and_reports_by_type(tmp_path):
    from click.testing import CliRunner

    from csvtools.cli import cli

    path = tmp_path / "list.csv"
    path.write_text("phone\n+447400123456\n+448001234567\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--types", "mobile", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["by_type"] == {"mobile": 1} and report["by_reason"] == {"disallowed_type": 1}
    assert report["types"] == ["mobile"]
    result = CliRunner().invoke(cli, ["validate", str(path), "--types", "cell"])
    assert result.exit_code == 2 and "unknown number type(s): cell" in result.stderr


@pytest.mark.parametrize("types", ["", " , "], ids=["empty", "commas-only"])
def test_cli_an_empty_types_list_is_refused_as_empty(tmp_path, types):
    from click.testing import CliRunner

    from csvtools.cli import cli

    path = tmp_path / "list.csv"
    path.write_text("phone\n+447400123456\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--types", types])
    assert result.exit_code == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error.startswith("Error: the list of number types is empty; choose among mobile, "), error
    assert "unknown" not in error.split(";")[0]
