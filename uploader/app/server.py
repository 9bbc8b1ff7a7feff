"""The app over real HTTP: practice mode's embedded stand-in, the listening server, its URL, and cleanup."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import replace

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..api.client import BatchClient
from ..config import KEY_VARIABLES, load_env, resolve_agent_id, resolve_api_key
from .factory import AppState, create_app
from .security import TOKEN_PARAMETER
from .settings import PRACTICE_AGENT_ID, PRACTICE_PRICE_PER_MINUTE, AppSettings

logger = logging.getLogger("uploader.app")


class _QuietHandler(WSGIRequestHandler):
    """Requests go to the debug log (paths only: no query string, so never a token), not to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s %s", self.command, self.path.split("?", 1)[0], code)

    def log_error(self, format: str, *args: object) -> None:
        logger.debug(format, *args)


def has_api_key() -> bool:
    """Whether an API key is set (environment or ``.env``): without one the app runs in practice mode."""
    load_env()
    return any(os.environ.get(name, "").strip() for name in KEY_VARIABLES)


class AppServer:
    """A listening app: its ``url`` (with the token, when one is needed), and ``serve_forever``/``close``."""

    def __init__(self, server: BaseWSGIServer, url: str, state: AppState) -> None:
        self.server, self.url, self.state = server, url, state

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.server.shutdown()


@contextlib.contextmanager
def serving(settings: AppSettings) -> Iterator[AppServer]:
    """Bind the app (and in practice mode, start its stand-in); on exit stop both and remove every file.

    Raises OSError when the address cannot be bound, and the package's
    ConfigError for a key that cannot be used.
    """
    with contextlib.ExitStack() as stack:
        if settings.practice:
            from ..standin import DEFAULT_API_KEY, running_standin

            base = stack.enter_context(running_standin(speed=settings.practice_speed))
            settings = replace(
                settings,
                base_url=base,
                agent_id=settings.agent_id or resolve_agent_id(None) or PRACTICE_AGENT_ID,
                cost_per_minute=settings.cost_per_minute
                if settings.cost_per_minute is not None
                else PRACTICE_PRICE_PER_MINUTE,
            )

            def client() -> BatchClient:
                return BatchClient(api_key=DEFAULT_API_KEY, base_url=base)

        else:
            resolve_api_key(None)  # a key an HTTP header cannot carry fails here, before listening
            settings = replace(settings, agent_id=settings.agent_id or resolve_agent_id(None))

            def client() -> BatchClient:
                return BatchClient(base_url=settings.base_url, layout=settings.layout)

        app = create_app(settings, client_factory=client)
        state: AppState = app.extensions["uploader_app"]
        stack.callback(state.workspaces.close)
        server = make_server(settings.host, settings.port, app, threaded=True, request_handler=_QuietHandler)
        stack.callback(server.server_close)
        state.listening_on(server.server_port)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        url = f"http://{host}:{server.server_port}/"
        if settings.token:
            url += f"?{TOKEN_PARAMETER}={settings.token}"
        yield AppServer(server, url, state)


@contextlib.contextmanager
def running_app(settings: AppSettings) -> Iterator[AppServer]:
    """:func:`serving` in a background thread, for tests and scripts: yields the listening app."""
    with serving(settings) as app:
        thread = threading.Thread(target=app.serve_forever, name="uploader-app", daemon=True)
        thread.start()
        try:
            yield app
        finally:
            app.shutdown()
            thread.join(timeout=10)
