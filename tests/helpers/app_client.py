"""The web app driven through Flask's test client, as a browser on the app's own address would drive it."""

import io
import re

from uploader.api.client import BatchClient
from uploader.app import AppSettings, create_app
from uploader.standin import running_standin

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
AGENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
SECRET = "sk-very-secret-key-0123456789"


def secret_standin():
    """A stand-in on a free loopback port that takes only :data:`SECRET`, fast enough to finish batches in seconds."""
    return running_standin(api_keys=[SECRET], speed=50_000)


def make_app(standin, tmp_path, **settings):
    """An app on the real API's terms (a key, a ledger in ``tmp_path``) against the stand-in at ``standin``."""
    options = {
        "port": PORT,
        "practice": False,
        "agent_id": AGENT,
        "ledger_path": str(tmp_path / "ledger.sqlite"),
    }
    app = create_app(
        AppSettings(**{**options, **settings}),
        client_factory=lambda: BatchClient(api_key=SECRET, base_url=standin),
    )
    return app


class Browser:
    """The Flask test client, as a browser on the app's own address would use it."""

    def __init__(self, app):
        self.client = app.test_client()
        self.answers = []

    def get(self, path, **options):
        answer = self.client.get(path, base_url=options.pop("base_url", BASE), **options)
        self.answers.append(answer)
        return answer

    def post(self, path, data=None, csrf=True, **options):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf()
        answer = self.client.post(path, base_url=options.pop("base_url", BASE), data=data, **options)
        self.answers.append(answer)
        return answer

    def csrf(self):
        """The session's CSRF token, as a page's form carries it."""
        page = self.client.get("/upload", base_url=BASE).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def contacts(text=None):
    """An upload: a small CSV (one rejected row, a script for a name) under a file name that is markup too."""
    text = (
        text or "name,phone\nAsha,+91 98765 43210\n<script>alert(1)</script>,12345\nLena,+49 151 23456789\n"
    )
    return (io.BytesIO(text.encode()), "<script>list</script>.csv")
