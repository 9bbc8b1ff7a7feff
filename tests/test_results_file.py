"""The results file: for people, so formulas are made inert; written whole or not at all."""

import ast
import csv
import json
from pathlib import Path

from conftest import uploader

import csvtools

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.test","click")',
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
]


def test_formula_cells_reach_the_results_csv_neutralized(api, tmp_path):
    source = tmp_path / "contacts.csv"
    rows = ["contact_number,note,office,amount"]
    rows += [
        f'+9198765432{i:02d},"{formula.replace(chr(34), chr(34) * 2)}",+44 20 7946 0000,-12.5'
        for i, formula in enumerate(FORMULAS)
    ]
    source.write_text("\n".join(rows) + "\n")
    results = tmp_path / "calls.csv"
    result = uploader("run", source, "--now", "--wait", "--interval", "0.1", "--results", results)
    assert result.exit_code == 0, result.stderr
    with open(results, newline="", encoding="utf-8") as handle:
        calls = sorted(csv.DictReader(handle), key=lambda row: row["to_number"])
    assert [call["var_note"] for call in calls] == ["'" + formula for formula in FORMULAS]
    assert {call["var_office"] for call in calls} == {"+44 20 7946 0000"}  # not a formula: untouched
    assert {call["var_amount"] for call in calls} == {"-12.5"}
    assert [call["to_number"] for call in calls] == [f"+9198765432{i:02d}" for i in range(len(FORMULAS))]
    assert [call["var_note"] for call in calls] == [csvtools.neutralize_formula(f) for f in FORMULAS]

    as_json = tmp_path / "calls.json"
    assert (
        uploader("run", source, "--now", "--wait", "--interval", "0.1", "--results", as_json).exit_code == 0
    )
    notes = sorted(
        call["context_details"]["recipient_data"]["note"] for call in json.loads(as_json.read_text())
    )
    assert notes == sorted(FORMULAS)  # JSON is data for programs: the API's values as they came


def test_the_uploader_uses_only_csvtools_public_names():
    for module in Path(__file__).resolve().parent.parent.joinpath("uploader").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("csvtools"):
                assert node.module == "csvtools", f"{module.name} imports {node.module}"
                assert {alias.name for alias in node.names} <= set(csvtools.__all__), module.name
            if isinstance(node, ast.Import):
                assert all(a.name == "csvtools" or not a.name.startswith("csvtools.") for a in node.names)
