"""csvtools' public readers of a file as people see it: sheets, header, records with their lines."""

from __future__ import annotations

import openpyxl

import csvtools


def test_csv_records_keep_their_physical_lines(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text('phone,note\n+919876543210,one\n\n+919876543211,"two\nlines"\n+919876543212,three\n')
    rows = csvtools.read_rows(path)
    assert (rows.header_line, rows.header) == (1, ["phone", "note"])
    assert list(rows.rows) == [
        (2, ["+919876543210", "one"]),
        (4, ["+919876543211", "two\nlines"]),
        (6, ["+919876543212", "three"]),
    ]
    assert csvtools.record_lines(path) == [2, 4, 6]
    assert csvtools.read_header(path) == ["phone", "note"]
    assert csvtools.sheet_names(path) == []


def test_a_workbook_sheet_is_read_by_name(tmp_path):
    path = tmp_path / "contacts.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Leads")
    sheet.append(["name", "mobile"])
    sheet.append(["Asha", "09876543210"])
    sheet.append(["Ravi", "+919876543211"])
    book.save(path)
    assert csvtools.sheet_names(path) == ["Notes", "Leads"]
    assert csvtools.read_header(path, "Leads") == ["name", "mobile"]
    rows = csvtools.read_rows(path, "Leads")
    assert [(line, cells[0]) for line, cells in rows.rows] == [(2, "Asha"), (3, "Ravi")]
    assert csvtools.record_lines(path, sheet="Leads") == [2, 3]
