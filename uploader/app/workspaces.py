"""Server-side state per browser session: a workspace with its own temporary folder.

The browser holds only a signed session cookie naming its workspace (the
secret is random per start, so a restart forgets every session); the files
and choices stay here, so each step shows the same thing after a reload.
Every workspace folder lies under one root that :meth:`WorkspaceStore.close`
removes when the app stops.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, session

if TYPE_CHECKING:
    from .checking import Check
    from .planning import PlanView
    from .scheduling import Schedule

SESSION_KEY = "workspace"
#: Workspaces with no upload yet kept at most (a session that uploaded is never dropped).
MAX_UNUSED_WORKSPACES = 100


@dataclass
class Workspace:
    """One session's journey: its folder, its CSRF token, and what each step chose and found."""

    folder: Path
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: The contact file as uploaded (its safe name), the sheets of a workbook, and the one chosen.
    upload_path: Path | None = None
    upload_name: str | None = None
    sheets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    #: csvtools options chosen on the upload and plan pages (phone column, country column, region …).
    options: dict[str, Any] = field(default_factory=dict)
    #: Corrections typed on the check page: the rejected row's line → its new phone value.
    corrections: dict[int, str] = field(default_factory=dict)
    check: Check | None = None  # once the file was checked
    plan: PlanView | None = None  # once planned
    run: Schedule | None = None  # once the schedule button was pressed
    message: str | None = None

    def path(self, *parts: str) -> Path:
        """A file's path in the workspace's folder (its folders made)."""
        target = self.folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def subfolder(self, name: str) -> Path:
        """A folder of the workspace, made if needed."""
        target = self.folder / name
        target.mkdir(parents=True, exist_ok=True)
        return target


class WorkspaceStore:
    """Every session's workspace, under one temporary root."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="uploader-app-"))
        self._workspaces: dict[str, Workspace] = {}
        self._lock = threading.Lock()

    def get(self, key: str | None) -> tuple[str, Workspace]:
        """The workspace named ``key``, or a new one (with its key) when there is none."""
        with self._lock:
            if key and key in self._workspaces:
                return key, self._workspaces[key]
            # Any web page can make a browser send requests here without a cookie: each one must not
            # cost a folder (made on first write) nor grow memory for ever (the oldest unused go first).
            unused = [name for name, workspace in self._workspaces.items() if workspace.upload_path is None]
            for name in unused[: max(0, len(unused) - MAX_UNUSED_WORKSPACES + 1)]:
                shutil.rmtree(self._workspaces.pop(name).folder, ignore_errors=True)
            key = secrets.token_urlsafe(16)
            self._workspaces[key] = Workspace(self.root / key)
            return key, self._workspaces[key]

    def find(self, key: str | None) -> Workspace | None:
        """The workspace named ``key``, if there is one; never makes one."""
        with self._lock:
            return self._workspaces.get(key) if key else None

    def close(self) -> None:
        """Forget every workspace and remove their files."""
        with self._lock:
            self._workspaces.clear()
            shutil.rmtree(self.root, ignore_errors=True)


def session_workspace() -> Workspace | None:
    """The workspace this request's session names, or ``None``: for checks that must not make one."""
    store: WorkspaceStore = current_app.extensions["uploader_app"].workspaces
    return store.find(session.get(SESSION_KEY))


def current_workspace() -> Workspace:
    """This request's workspace, made (and named in the session cookie) on a session's first request."""
    store: WorkspaceStore = current_app.extensions["uploader_app"].workspaces
    key, workspace = store.get(session.get(SESSION_KEY))
    if session.get(SESSION_KEY) != key:
        session[SESSION_KEY] = key
    return workspace
