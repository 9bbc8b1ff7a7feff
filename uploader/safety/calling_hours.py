"""``uploader run``'s calling-hours step: refuse, or split the clean file into one batch per opening.

It runs after cleaning and before anything is uploaded, over the plan of
:mod:`uploader.safety.plan` (the same groups and windows ``uploader plan`` shows).
A split writes each part as its own clean CSV beside the clean file
(``x.clean.part-1.csv`` …) and a manifest (``x.clean.parts.json``) that
records which groups went into which part and when it starts, so a re-run
of the same contacts rebuilds the very same parts (the same contacts, so the
ledger resumes every batch) even when it runs later or with another ``--at``.
Without the manifest (deleted, or another ``--out-dir``), the ledger's
bookings decide: each earlier upload of this source becomes a part again with
the same contacts (so it resumes), and only contacts no batch holds yet are
split anew. So no contact is booked twice, whatever becomes of the manifest.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import OutsideCallingHoursError
from ..files import atomic_write_text, check_output
from .contacts import contacts_of
from .plan import CallPlan, PlanGroup, WindowPart, describe_groups, group_of, plan_clean_file, split_by_window

__all__ = [
    "Part",
    "check_calling_hours",
    "has_split",
    "manifest_path",
    "part_path",
    "split_before",
    "split_clean_file",
]

MANIFEST_VERSION = 2  # 2: parts keyed by the contacts' identity, no longer by the clean file's bytes


@dataclass
class Part:
    """One batch of a split: its clean CSV and the groups, rows and start it was planned with."""

    index: int
    path: Path
    window: WindowPart

    @property
    def start(self) -> datetime:
        return self.window.start


def check_calling_hours(plan: CallPlan, *, hours_text: str) -> None:
    """Raise :class:`OutsideCallingHoursError` naming the groups and counts that would be called outside."""
    outside = plan.outside
    if not outside:
        return
    rules = "built-in country rules" if plan.calling_rules == "builtin" else "no country rules"
    raise OutsideCallingHoursError(
        f"{plan.rows_outside} of {sum(g.rows for g in plan.groups)} rows would be called outside their calling "
        f"hours ({hours_text} recipient local time, {rules}) by a batch starting {plan.start:%Y-%m-%d %H:%M} UTC: "
        f"{describe_groups(outside)}. Nothing was uploaded; pass --split-by-window to call each group at its "
        "next opening, --allow-outside-hours to call them anyway, or --calling-hours any to skip the check",
        groups=outside,
    )


def part_path(clean_path: str | os.PathLike, index: int) -> Path:
    """``x.clean.csv`` → ``x.clean.part-<index>.csv``, beside it."""
    clean = Path(clean_path)
    return clean.with_name(f"{clean.stem}.part-{index}{clean.suffix}")


def manifest_path(clean_path: str | os.PathLike) -> Path:
    """``x.clean.csv`` → ``x.clean.parts.json``: which groups each part holds and when it starts."""
    clean = Path(clean_path)
    return clean.with_name(f"{clean.stem}.parts.json")


def has_split(clean_path: str | os.PathLike, contacts_sha256: str) -> bool:
    """Whether an earlier run split these same contacts (its manifest is beside the clean file)."""
    try:
        recorded = json.loads(manifest_path(clean_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and recorded.get("contacts_sha256") == contacts_sha256


def split_clean_file(
    plan: CallPlan,
    clean_path: str | os.PathLike,
    contacts_sha256: str,
    *,
    protect: tuple[str | os.PathLike, ...] = (),
    fresh: bool = False,
    booked: dict[int, set[str]] | None = None,
) -> list[Part]:
    """Split the clean file by opening (or rebuild the split its manifest records) and write every part.

    ``fresh`` ignores an earlier manifest (``--new-batch``). ``booked`` (the
    ledger's contact keys of this source, by upload) rebuilds each earlier
    upload as a part when there is no manifest. No part path may be one of
    ``protect`` (the input).
    """
    windows = None if fresh else _recorded(plan, clean_path, contacts_sha256)
    manifest = manifest_path(clean_path)
    if windows is None and booked and not fresh:
        parts = _split_with_bookings(plan, Path(clean_path), booked, (*protect, clean_path))
    else:
        windows = windows if windows is not None else split_by_window(plan)
        parts = [Part(index, part_path(clean_path, index), window) for index, window in enumerate(windows, 1)]
        for part in parts:
            check_output(part.path, "part file", (*protect, clean_path))
        _write_parts(clean_path, parts)
    check_output(manifest, "split manifest", (*protect, clean_path))
    atomic_write_text(manifest, json.dumps(_manifest(parts, contacts_sha256), indent=2) + "\n")
    return parts


def split_before(booked: dict[int, set[str]], clean_path: str | os.PathLike) -> bool:
    """Whether the ledger's bookings of this source (``booked``) are more than one batch of all its contacts."""
    if len(booked) != 1:
        return len(booked) > 1
    (keys,) = booked.values()
    return keys != {contact.key for contact in contacts_of(clean_path)}


def _split_with_bookings(
    plan: CallPlan, clean_path: Path, booked: dict[int, set[str]], protect: tuple[str | os.PathLike, ...]
) -> list[Part]:
    """Earlier uploads of this source as parts 1…k (the same contacts: they resume), the rest split anew."""
    owner = {key: upload for upload, keys in booked.items() for key in keys}
    with open(clean_path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    rows: dict[int | None, list[tuple[str, ...]]] = {upload: [] for upload in sorted(booked)}
    rows[None] = []
    for contact in contacts_of(clean_path):
        rows[owner.get(contact.key)].append(contact.row)
    parts: list[Part] = []
    for upload in sorted(booked):
        if not rows[upload]:
            continue  # an upload of contacts this file no longer has: nothing of it to resume here
        path = part_path(clean_path, len(parts) + 1)
        check_output(path, "part file", protect)
        _write_rows(path, header, rows[upload])
        part_plan = _replan(plan, path)
        opening = part_plan.opening(part_plan.groups, plan.requested)
        if opening is None:
            split_by_window(part_plan)  # raises, naming the groups with no opening
        parts.append(Part(len(parts) + 1, path, WindowPart(opening or plan.start, part_plan.groups)))
    if rows[None]:
        rest = clean_path.with_name(f".{clean_path.stem}.rest{clean_path.suffix}")
        _write_rows(rest, header, rows[None])
        try:
            windows = split_by_window(_replan(plan, rest))
            new = [
                Part(len(parts) + i, part_path(clean_path, len(parts) + i), w)
                for i, w in enumerate(windows, 1)
            ]
            for part in new:
                check_output(part.path, "part file", protect)
            _write_parts(rest, new)
        finally:
            rest.unlink(missing_ok=True)
        parts += new
    return parts


def _replan(plan: CallPlan, clean_path: Path) -> CallPlan:
    """The plan of some of a plan's rows (a part), with the same settings."""
    hours = "any" if plan.calling_hours is None else "-".join(f"{t:%H:%M}" for t in plan.calling_hours)
    return plan_clean_file(
        clean_path,
        plan.report,
        requested=plan.requested,
        calling_hours=hours,
        calling_rules=plan.calling_rules,
        concurrency=plan.concurrency,
        avg_call_seconds=plan.avg_call_seconds,
    )


def _write_rows(path: Path, header: list[str], rows: list[tuple[str, ...]] | list[list[str]]) -> None:
    # csvtools' clean files end lines with \n; a part must be byte-stable across runs, as they are.
    with open(_temporary(path), "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(_temporary(path), path)


def _write_parts(clean_path: str | os.PathLike, parts: list[Part]) -> None:
    owner = {key: part for part in parts for key in part.window.keys}
    rows: dict[int, list[list[str]]] = {part.index: [] for part in parts}
    with open(clean_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        groups: dict[str, Any] = {}
        for row in reader:
            number = row[0]  # contact_number comes first in a clean file
            if number not in groups:
                groups[number] = owner[group_of(number)]
            rows[groups[number].index].append(row)
    for part in parts:
        _write_rows(part.path, header, rows[part.index])


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _manifest(parts: list[Part], contacts_sha256: str) -> dict[str, Any]:
    return {
        "version": MANIFEST_VERSION,
        "contacts_sha256": contacts_sha256,
        "parts": [
            {
                "file": part.path.name,
                "start": part.start.isoformat(),
                "rows": part.window.rows,
                "groups": [[group.country, list(group.time_zones)] for group in part.window.groups],
            }
            for part in parts
        ],
    }


def _recorded(plan: CallPlan, clean_path: str | os.PathLike, contacts_sha256: str) -> list[WindowPart] | None:
    """The split an earlier run of these same contacts wrote, if its groups are still the plan's."""
    try:
        recorded = json.loads(manifest_path(clean_path).read_text(encoding="utf-8"))
        if recorded.get("version") != MANIFEST_VERSION or recorded.get("contacts_sha256") != contacts_sha256:
            return None
        by_key: dict[tuple, PlanGroup] = {(g.country, g.time_zones): g for g in plan.groups}
        windows = [
            WindowPart(
                datetime.fromisoformat(item["start"]),
                [by_key[(country, tuple(zones))] for country, zones in item["groups"]],
            )
            for item in recorded["parts"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    found = [key for window in windows for key in window.keys]
    if len(found) != len(by_key) or set(found) != set(by_key):
        return None
    return windows
