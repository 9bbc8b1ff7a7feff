"""Serve the stand-in over real HTTP: in the foreground, or in a thread for tests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_app
from .webhooks import WebhookNotifier

DEFAULT_API_KEY = "standin-key"


class _QuietHandler(WSGIRequestHandler):
    """Logs requests at debug level; a dropped connection is a planned fault, not an error."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logging.getLogger("uploader.standin").debug('"%s" %s %s', self.requestline, code, size)

    def log_error(self, format: str, *args: object) -> None:
        logging.getLogger("uploader.standin").debug(format, *args)

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, OSError, ValueError):
            pass  # the client, or a drop fault, closed the socket


def make_standin_server(host: str = "127.0.0.1", port: int = 0, **app_options: Any) -> BaseWSGIServer:
    """A threaded HTTP server for the stand-in; ``port=0`` takes a free port.

    Its ``notifier`` (already running) posts finished batches to their ``webhook_url``.
    """
    app_options.setdefault("api_keys", [DEFAULT_API_KEY])
    app = create_app(**app_options)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    # Our own attribute on werkzeug's server, which make_server builds (no subclass to declare it on).
    server.notifier = WebhookNotifier(app.extensions["standin"]).start()  # type: ignore[attr-defined]
    return server


@contextmanager
def running_standin(host: str = "127.0.0.1", port: int = 0, **app_options: Any) -> Iterator[str]:
    """Run a stand-in in a background thread and yield its base URL.

    ``app_options`` go to :func:`uploader.standin.create_app` (``api_keys``,
    ``speed``, ``state_path``, ``faults``, ``control``, ``clock`` …).

        with running_standin(speed=600, control=True) as base_url:
            client = BatchClient(api_key="standin-key", base_url=base_url)
    """
    server = make_standin_server(host, port, **app_options)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="standin", daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.notifier.stop()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        cast(Flask, server.app).extensions["standin"].store.close()
