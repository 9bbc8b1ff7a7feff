"""What the command line prints about a run: the summary for people and the annotations for CI."""

from __future__ import annotations

from .report import Report

#: Rejected lines a text summary lists (the rejects file has them all).
SHOWN_REJECTIONS = 20

_READING_NOTES = {
    "plus_added": "had no + and were read as international; rerun with --region if they are national",
    "00_as_plus": "began with 00, read as +",
    "national": "were read as national numbers of the --region",
}


def summary(report: Report) -> str:
    read_as = (
        f"sheet {report.sheet!r}"
        if report.sheet is not None
        else f"{report.encoding}, delimiter {report.delimiter!r}"
    )
    lines = [
        f"{report.file}: {report.rows} rows in, {report.clean} clean, {report.rejected} rejected"
        f"{_blank_note(report)} (phone column {report.column!r}, {read_as})"
    ]
    if report.region_column:
        found = (
            "found by its header; --no-region-column ignores it"
            if report.region_column_detected
            else "--region-column"
        )
        default = f", {report.region} where empty" if report.region else ""
        lines.append(
            f"  each row's national numbers read in its country column {report.region_column!r}"
            f" ({found}{default})"
        )
    if report.by_reason:
        lines.append(
            "  rejected: " + ", ".join(f"{reason} {count}" for reason, count in report.by_reason.items())
        )
    for rejection in report.rejections[:SHOWN_REJECTIONS]:
        value = "" if rejection.value is None else f" [{rejection.value}]"
        lines.append(f"  line {rejection.line}: {rejection.reason}: {rejection.detail}{value}")
    hidden = report.rejected - min(len(report.rejections), SHOWN_REJECTIONS)
    if hidden:
        where = "the rejects file" if report.rejects_path else "--format json"
        lines.append(f"  … and {hidden} more (see {where})")
    for reading, note in _READING_NOTES.items():
        if report.by_reading.get(reading):
            if reading == "national" and report.region_column:
                note = "were read as national numbers of their row's country"
            lines.append(f"  note: {report.by_reading[reading]} numbers {note}")
    if report.region_mismatches:
        lines.append(
            f"  note: {report.region_mismatches} kept numbers are of another country than their row's"
            " (--strict-region rejects them)"
        )
        for mismatch in report.mismatches[:SHOWN_REJECTIONS]:
            lines.append(f"  line {mismatch.line}: {mismatch.reason}: {mismatch.detail} [{mismatch.value}]")
    if report.by_column:
        lines.append(
            "  numbers by column: " + ", ".join(f"{name} {count}" for name, count in report.by_column.items())
        )
    if report.by_country:
        lines.append(
            "  countries: " + ", ".join(f"{region} {count}" for region, count in report.by_country.items())
        )
    if report.by_type:
        lines.append("  types: " + ", ".join(f"{kind} {count}" for kind, count in report.by_type.items()))
    for scrub in report.suppression:
        lines.append(
            f"  suppression list {scrub['path']}: {scrub['numbers']} numbers, removed {scrub['removed']} rows"
            f" (sha256 {scrub['sha256'][:12]}…, checked {scrub['checked_at']})"
        )
        if scrub.get("unreadable"):
            lines.append(
                f"  warning: {scrub['unreadable']} lines of {scrub['path']} are no number csvtools can read,"
                " so they suppress nothing: fix the list"
            )
    if report.clean_path:
        lines.append(
            f"  wrote {report.clean} rows to {report.clean_path}, {report.rejected} to {report.rejects_path}"
        )
    return "\n".join(lines)


def _blank_note(report: Report) -> str:
    return f", {report.blank} blank (skipped)" if report.blank else ""


def github_annotations(report: Report) -> str:
    lines = [
        f"::error file={escape(report.file, True)},line={rejection.line},title={rejection.reason}::"
        f"{escape(rejection.detail)}"
        for rejection in report.rejections
    ]
    lines += [
        f"::warning file={escape(report.file, True)},line={mismatch.line},title={mismatch.reason}::"
        f"{escape(mismatch.detail)}"
        for mismatch in report.mismatches
    ]
    lines.append(
        f"{report.file}: {report.rows} rows in, {report.clean} clean, {report.rejected} rejected"
        f"{_blank_note(report)}"
    )
    return "\n".join(lines)


def escape(text: str, is_property: bool = False) -> str:
    # GitHub workflow-command escaping: properties also escape ':' and ','.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if is_property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text
