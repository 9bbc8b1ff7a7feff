"""Stage 2 of a run: judging numbers. Raw cell in, E.164 number or reason code out.

- :mod:`.reference`: the one wrapper of ``phonenumbers``, one value at a time; the reference.
- :mod:`.metadata`: libphonenumber's numbering rules exported as plain data.
- :mod:`.vectorized`: the same verdicts for whole arrays of the common spellings.
- :mod:`.chunk`: a column judged at once (each distinct value once), and the pandas adapter.
"""
