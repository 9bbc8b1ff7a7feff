"""Stage 3: a run over a whole file, and the one place that sees every chunk.

:mod:`.pipeline` drives a run (``validate_file``, ``clean_file``); :mod:`.pool`
works pieces inline or in worker processes (parse, judge, :mod:`.render`);
:mod:`.settle` takes them in file order: duplicates through the index of
numbers already kept (:mod:`.dedupe`, which moves to temporary files through
:mod:`.spill`), counts, and the rows handed to the output files.
"""
