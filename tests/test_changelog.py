"""CHANGELOG.md keeps the Keep a Changelog 1.1.0 form, and its newest release is the version the tools print."""

import re
from datetime import date
from pathlib import Path

import csvtools

CHANGELOG = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)
SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def releases() -> list[tuple[str, str]]:
    return RELEASE.findall(CHANGELOG)


def test_newest_release_is_the_package_version():
    assert releases(), "CHANGELOG.md names no release"
    assert releases()[0][0] == csvtools.__version__


def test_unreleased_comes_first_then_releases_newest_first():
    headings = re.findall(r"^## (.+)$", CHANGELOG, re.M)
    assert headings[0] == "[Unreleased]"
    assert len(headings) == len(releases()) + 1, (
        "every other ## heading is a release: ## [X.Y.Z] - YYYY-MM-DD"
    )
    versions = [tuple(int(part) for part in version.split(".")) for version, _ in releases()]
    dates = [date.fromisoformat(day) for _, day in releases()]
    assert versions == sorted(versions, reverse=True)
    assert dates == sorted(dates, reverse=True)


def test_change_types_and_links_are_keep_a_changelog_s():
    assert set(re.findall(r"^### (.+)$", CHANGELOG, re.M)) <= SECTIONS
    for name in ["Unreleased", *(version for version, _ in releases())]:
        assert re.search(rf"^\[{re.escape(name)}\]: \S+$", CHANGELOG, re.M), f"no link for [{name}]"
