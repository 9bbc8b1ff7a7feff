"""``create_app``: the web app as a Flask application, with its guards, its state and its routes."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..api.client import BatchClient
from ..campaign.ledger import Ledger
from . import security
from .settings import AppSettings
from .workspaces import WorkspaceStore

logger = logging.getLogger("uploader.app")


@dataclass
class AppState:
    """What every request of one start shares: settings, workspaces, and how to reach the API."""

    settings: AppSettings
    workspaces: WorkspaceStore
    client_factory: Callable[[], BatchClient]
    ledger_factory: Callable[[], Ledger]
    port: int
    allowed_hosts: frozenset[str] | None = None
    schedule_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def runs_root(self) -> Path:
        """Outputs of runs: beside the ledger (they outlive a restart), in the temporary root in practice."""
        if self.settings.practice:
            return self.workspaces.root / "runs"
        return self.ledger_factory().path.parent / "app-runs"

    def listening_on(self, port: int) -> None:
        """Set the port the server really listens on (``--port 0`` picks one), and the Host values it accepts."""
        self.port = port
        self.allowed_hosts = security.allowed_hosts(self.settings.host, port)


def create_app(
    settings: AppSettings,
    *,
    client_factory: Callable[[], BatchClient] | None = None,
    ledger_factory: Callable[[], Ledger] | None = None,
) -> Flask:
    """The app for ``settings``; call ``app.extensions["uploader_app"].listening_on(port)`` once it listens.

    ``client_factory`` makes the API client (default: as ``uploader run`` does,
    from ``BOLNA_API_KEY`` and ``settings.base_url``); ``ledger_factory`` the
    upload ledger (default: ``settings.ledger_path`` or the usual one; in practice
    mode one that lives as long as the app).
    """
    app = Flask("uploader.app", root_path=str(Path(__file__).parent))
    app.secret_key = secrets.token_bytes(32)  # random per start: a restart forgets every session
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="uploader_app_session",
    )
    workspaces = WorkspaceStore()
    state = AppState(
        settings,
        workspaces,
        client_factory or (lambda: BatchClient(base_url=settings.base_url)),
        ledger_factory or _default_ledger(settings, workspaces),
        settings.port,
    )
    state.listening_on(settings.port)
    app.extensions["uploader_app"] = state
    security.install(app)

    from .routes import pages

    app.register_blueprint(pages)

    @app.context_processor
    def shared() -> dict[str, object]:
        return {"practice": settings.practice}

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        limit = settings.max_upload_bytes / (1024 * 1024)
        text = (
            f"The file is larger than this app takes ({limit:g} MB); start it with a larger --max-upload-mb."
        )
        return render_template("error.html", code=413, text=text), 413

    @app.errorhandler(HTTPException)
    def refused(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", code=error.code, text=error.description), error.code or 500

    @app.errorhandler(Exception)
    def failed(error: Exception) -> tuple[str, int]:
        if isinstance(error, HTTPException):
            return refused(error)
        # One line, as every command of the package: the page says what failed, the log names it.
        logger.error("%s %s failed: %s: %s", request.method, request.path, type(error).__name__, error)
        text = f"This step failed ({type(error).__name__}: {error}); the page before it is unchanged."
        return render_template("error.html", code=500, text=text), 500

    return app


def _default_ledger(settings: AppSettings, workspaces: WorkspaceStore) -> Callable[[], Ledger]:
    if settings.practice:
        # Practice batches live in the embedded stand-in, which a restart forgets: so does their ledger.
        return lambda: Ledger(workspaces.root / "practice-ledger.sqlite")
    return lambda: Ledger(settings.ledger_path)
