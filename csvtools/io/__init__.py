"""Stages 1 and 4 of a run: files in and files out.

In: :mod:`.encoding` (is it text, which encoding) → :mod:`.delimiter` →
:mod:`.source` (the header, then the records in pieces), which cuts UTF-8
files into :mod:`.blocks` for the workers and reads the rest with
:mod:`.csv_records`; :mod:`.records` are the pieces that travel.

Out: :mod:`.lines` renders CSV lines, :mod:`.formulas` makes cells inert for
spreadsheets, :mod:`.atomic` writes files that appear whole or not at all,
:mod:`.outputs` is a run's set of output files, and :mod:`.json_text` writes a report's JSON.
"""
