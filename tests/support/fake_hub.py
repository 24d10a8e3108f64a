"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 answering as the Hub's model API.

Each repository name stands for one way the Hub answers (a good record, an error,
a broken body, a slow or huge answer); every request is logged on `FakeHub.requests`.
The `hub_url` fixture (tests/conftest.py) serves it.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SLOW_SECONDS = 1.5


class FakeHub(BaseHTTPRequestHandler):
    """Answers `/api/models/{repo}` the way the Hub does, with one fault per repository name."""

    requests: list[tuple[str, dict[str, list[str]], str | None]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        FakeHub.requests.append((url.path, parse_qs(url.query), self.headers.get("Authorization")))
        repo = url.path.removeprefix("/api/models/")
        if repo == "lab/slow":
            time.sleep(SLOW_SECONDS)
        status, body = ANSWERS.get(repo, (404, b'{"error":"Repository not found"}'))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout, cap)
            self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Keep test output quiet."""


def _json(payload: object) -> bytes:
    return json.dumps(payload).encode()


ANSWERS: dict[str, tuple[int, bytes]] = {
    "lab/popular": (200, _json({"_id": "1", "id": "lab/popular", "downloads": 1234, "likes": 56})),
    "lab/renewed": (200, _json({"_id": "2", "id": "lab/renewed", "downloads": 900, "likes": 7})),
    "lab/broken": (500, b"Internal Server Error"),
    "lab/garbage": (200, b'{"id": "lab/garbage", "downl'),
    "lab/wrong-type": (200, _json({"id": "lab/wrong-type", "downloads": "many", "likes": 1})),
    "lab/slow": (200, _json({"id": "lab/slow", "downloads": 1, "likes": 1})),
    "lab/huge": (200, _json({"id": "lab/huge", "downloads": 1, "likes": 1, "pad": "x" * 300_000})),
}


@contextmanager
def serving_fake_hub() -> Iterator[str]:
    """Serve `FakeHub` on a free loopback port; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
