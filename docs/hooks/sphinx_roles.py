"""A griffe extension for the library page: Sphinx roles in docstrings shown as code.

The docstrings use Sphinx's cross-reference roles (``:func:`clean_file```, ``:class:`~csvtools.Options```);
mkdocstrings would print them as typed. This shows each as the name it refers to, in code font
(``~`` keeps the last part, as Sphinx does).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:mod|class|func|meth|attr|data|exc|obj):`(~?)([^`]+)`")


def _shown(match: re.Match[str]) -> str:
    short, target = match.groups()
    target = target.lstrip(".")
    return f"`{target.rpartition('.')[2] if short else target}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring griffe loads."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_shown, obj.docstring.value)
