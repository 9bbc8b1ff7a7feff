"""A run's attempt caps: what other batches booked near its start, and the rows taken out because of it.

The rows of a capped number leave the clean file for ``x.skipped.csv`` (the
same columns, ready for a later run), so every row still ends somewhere:
uploaded, rejected, or counted as skipped with its reason.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import csvtools

from ..errors import RejectedRowsError
from ..safety.attempts import AttemptCaps, capped_numbers
from ..safety.contacts import contacts_digest, contacts_of
from ..safety.plan import ATTEMPT_CAP
from .events import EventCallback
from .ledger import CapRecheck, Ledger
from .redials import redials_of

__all__ = [
    "Skipped",
    "caps_for",
    "plan_caps",
    "recheck_of",
    "skip_capped_rows",
    "skip_past_caps",
    "skipped_path_for",
]


@dataclass
class Skipped:
    """Rows a run did not upload, by number with their reason, and the file that holds them."""

    numbers: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    path: str | None = None
    #: What the uploads of the run book: the identity of the clean file before the skip, calls per contact.
    source_sha256: str = ""
    attempts: int = 1
    #: How the uploads check the caps again as they book (two runs sharing numbers), if caps apply.
    recheck: CapRecheck | None = None

    def by_reason(self) -> dict[str, int]:
        counts: Counter = Counter(self.numbers.values())
        return dict(counts)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "by_reason": self.by_reason(), "path": self.path}


def skipped_path_for(clean_path: str | os.PathLike) -> Path:
    """``x.clean.csv`` → ``x.skipped.csv``, beside it."""
    clean = Path(clean_path)
    stem = clean.stem[: -len(".clean")] if clean.stem.endswith(".clean") else clean.stem
    return clean.with_name(f"{stem}.skipped{clean.suffix}")


def caps_for(
    ledger: Ledger | None,
    base_url: str,
    agent_id: str,
    source_sha256: str,
    *,
    at: datetime,
    attempts: int = 1,
    max_per_day: int | None = None,
    state_rules: bool = True,
    new_batch: bool = False,
) -> AttemptCaps:
    """The caps of a run of ``source_sha256`` starting ``at``: the ledger's bookings by other sources near it.

    ``ledger`` None (none written yet) counts only this run's own calls.

    Without ``new_batch`` a contact already booked for this source is resumed, not called again: it is
    exempt, and that source's bookings are not counted (with ``new_batch`` they are).
    """
    caps = AttemptCaps(attempts=attempts, max_per_day=max_per_day, state_rules=state_rules)
    if not caps.active or ledger is None:
        return caps
    own = None if new_batch else source_sha256
    booked = ledger.attempts_near(base_url, at.timestamp(), other_than=own)
    exempt: frozenset[str] = frozenset()
    if own is not None:
        exempt = frozenset(key for keys in ledger.booked(base_url, agent_id, own).values() for key in keys)
    return AttemptCaps(booked, attempts, max_per_day, state_rules, exempt)


def skip_capped_rows(clean_path: str | os.PathLike, caps: AttemptCaps) -> Skipped:
    """Move the rows of numbers past their cap from the clean file to ``x.skipped.csv``; both written whole.

    With nothing skipped the clean file is untouched and a skipped file of an earlier run is removed.
    """
    target = skipped_path_for(clean_path)
    capped = _capped(clean_path, caps)
    if not capped:
        target.unlink(missing_ok=True)
        return Skipped()
    with open(clean_path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    temporaries = [_temporary(Path(clean_path)), _temporary(target)]
    skipped = 0
    # csvtools' clean files end lines with \n; the kept rows stay byte-stable across runs.
    with (
        open(temporaries[0], "w", newline="", encoding="utf-8") as kept_file,
        open(temporaries[1], "w", newline="", encoding="utf-8") as skipped_file,
    ):
        kept, skipped_rows = (csv.writer(out, lineterminator="\n") for out in (kept_file, skipped_file))
        kept.writerow(header)
        skipped_rows.writerow(header)
        for contact in contacts_of(clean_path):
            if contact.number in capped and contact.key not in caps.exempt:
                skipped_rows.writerow(contact.row)
                skipped += 1
            else:
                kept.writerow(contact.row)
    os.replace(temporaries[1], target)
    os.replace(temporaries[0], clean_path)
    return Skipped(dict.fromkeys(capped, ATTEMPT_CAP), skipped, str(target))


def plan_caps(
    ledger: Ledger | None,
    base_url: str,
    agent_id: str,
    *,
    attempts: int = 1,
    max_per_day: int | None = None,
    state_rules: bool = True,
) -> Callable[[Path, datetime], set[str]]:
    """For :func:`uploader.safety.plan.plan_calls`: the numbers of a clean file a run starting then would skip.

    Without a ledger only this run's own calls count (redials past a state's cap).
    """

    def capped(clean_path: Path, start: datetime) -> set[str]:
        source = contacts_digest(clean_path)
        caps = caps_for(
            ledger,
            base_url,
            agent_id,
            source,
            at=start,
            attempts=attempts,
            max_per_day=max_per_day,
            state_rules=state_rules,
        )
        return _capped(clean_path, caps)

    return capped


def skip_past_caps(
    ledger: Ledger,
    base_url: str,
    agent_id: str,
    clean_path: Path,
    report: csvtools.Report,
    *,
    at: datetime,
    retry_config: dict[str, Any] | None,
    max_per_day: int | None,
    state_rules: bool,
    new_batch: bool,
    on_event: EventCallback,
) -> Skipped:
    """``uploader run``'s caps step: skip the rows past their cap, say so, refuse when none is left."""
    source_sha256 = contacts_digest(clean_path)
    attempts = 1 + redials_of(retry_config)
    caps = caps_for(
        ledger,
        base_url,
        agent_id,
        source_sha256,
        at=at,
        attempts=attempts,
        max_per_day=max_per_day,
        state_rules=state_rules,
        new_batch=new_batch,
    )
    skipped = skip_capped_rows(clean_path, caps)
    skipped.source_sha256, skipped.attempts = source_sha256, attempts
    skipped.recheck = recheck_of(caps, None if new_batch else source_sha256, at)
    if skipped.rows:
        on_event(
            f"{skipped.rows} of {report.clean} rows skipped, attempt_cap: their numbers were booked so often "
            f"within 24 hours that this batch would pass their cap; kept in {skipped.path}"
        )
    if skipped.rows == report.clean:
        raise RejectedRowsError(
            f"no row is left to upload: all {skipped.rows} are past their attempt cap", report=report
        )
    return skipped


def recheck_of(caps: AttemptCaps, other_than: str | None, at: datetime) -> CapRecheck | None:
    """The recheck an upload runs as it books (:meth:`Ledger.begin`): ``caps`` with what is booked then.

    ``other_than`` is the source whose bookings ``caps`` left out (the run's own, unless a new batch),
    ``at`` the start they were counted around (:func:`caps_for`). None when no cap applies.
    """
    if not caps.active:
        return None

    def past_cap(booked: Mapping[str, int], contacts: tuple[tuple[str, str], ...]) -> set[str]:
        rows = Counter(number for key, number in contacts if key not in caps.exempt)
        return capped_numbers(rows, replace(caps, booked=booked))

    return CapRecheck(at.timestamp(), other_than, past_cap)


def _capped(clean_path: str | os.PathLike, caps: AttemptCaps) -> set[str]:
    if not caps.active:
        return set()
    rows = Counter(c.number for c in contacts_of(clean_path) if c.key not in caps.exempt)
    return capped_numbers(rows, caps)


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")
