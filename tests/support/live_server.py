"""A real uvicorn server, in this process, serving an app built by the test.

`TestClient` waits for a whole request, commit and all, before it returns, so
it cannot see what a browser sees: the order in which a response and its
commit happen, or what many connections at once do to the database. These
tests talk HTTP to uvicorn on a loopback port instead, from as many client
threads as they like, while the test keeps the app object to look inside.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

START_TIMEOUT_SECONDS = 30


@contextmanager
def live_server(app: FastAPI, **config: object) -> Iterator[str]:
    """Serve `app` on a free loopback port in a background thread; yield its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", **config)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
