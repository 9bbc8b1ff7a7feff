"""``uploader run``'s calling-hours step: refuse, or split the clean file into one batch per opening.

It runs after cleaning and before anything is uploaded, over the plan of
:mod:`uploader.safety.plan` (the same groups and windows ``uploader plan`` shows).
A split writes each part as its own clean CSV beside the clean file
(``x.clean.part-1.csv`` …) and a manifest (``x.clean.parts.json``) that
records which groups went into which part and when it starts, so a re-run
of the same contacts rebuilds the very same parts (the same contacts, so the
ledger resumes every batch) even when it runs later or with another ``--at``.
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
from .plan import CallPlan, PlanGroup, WindowPart, describe_groups, group_of, split_by_window

__all__ = ["Part", "check_calling_hours", "has_split", "manifest_path", "part_path", "split_clean_file"]

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
) -> list[Part]:
    """Split the clean file by opening (or rebuild the split its manifest records) and write every part.

    ``fresh`` ignores an earlier manifest (``--new-batch``). No part path may
    be one of ``protect`` (the input).
    """
    windows = None if fresh else _recorded(plan, clean_path, contacts_sha256)
    if windows is None:
        windows = split_by_window(plan)
    parts = [Part(index, part_path(clean_path, index), window) for index, window in enumerate(windows, 1)]
    manifest = manifest_path(clean_path)
    for part in parts:
        check_output(part.path, "part file", (*protect, clean_path))
    check_output(manifest, "split manifest", (*protect, clean_path))
    _write_parts(clean_path, parts)
    atomic_write_text(manifest, json.dumps(_manifest(parts, contacts_sha256), indent=2) + "\n")
    return parts


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
        # csvtools' clean files end lines with \n; a part must be byte-stable across runs, as they are.
        with open(_temporary(part.path), "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[part.index])
        os.replace(_temporary(part.path), part.path)


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
