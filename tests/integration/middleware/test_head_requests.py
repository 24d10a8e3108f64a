"""HEAD, as monitors send it: the GET's status and headers, without the body."""

import pytest
from anyio.from_thread import start_blocking_portal
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.web.middleware.head_requests import HeadAsGetMiddleware

MODEL_PAGE = "/models/mistral/mistral-small-2603"
STREAMED = "/api/v1/models"


@pytest.mark.parametrize(
    "path", [MODEL_PAGE, "/", "/providers", "/healthz", STREAMED, "/static/css/app.css"]
)
def test_head_answers_like_get(client: TestClient, path: str) -> None:
    get = client.get(path)

    head = client.head(path)

    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    length = get.headers.get("content-length")
    assert head.headers.get("content-length") == length
    # The model list is written out as it is read: chunked, no length known before it ends.
    assert (length is None) == (path == STREAMED)
    assert length is None or int(length) == len(get.content)


def test_head_of_a_missing_page_is_not_found(client: TestClient) -> None:
    response = client.head("/models/nobody/nothing")

    assert response.status_code == 404
    assert response.content == b""


def test_other_methods_are_still_refused_where_only_get_is_served(client: TestClient) -> None:
    assert client.request("PUT", MODEL_PAGE).status_code == 405


def _through_middleware(method: str) -> tuple[list[str], list[Message]]:
    """Send one request through the middleware to an app that streams three body chunks.

    Returns the methods the app saw and the messages the client received.
    """
    seen: list[str] = []
    sent: list[Message] = []

    async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["method"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-page", b"1")]})
        for chunk, more in ((b"one", True), (b"two", True), (b"three", False)):
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/"}
    # In its own thread's event loop: the browser tests' driver may own this thread's.
    with start_blocking_portal() as portal:
        portal.call(HeadAsGetMiddleware(streaming_app), scope, receive, send)
    return seen, sent


def test_the_app_sees_a_get_and_the_client_gets_no_body() -> None:
    seen, sent = _through_middleware("HEAD")

    assert seen == ["GET"]
    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": [(b"x-page", b"1")]},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


def test_other_requests_pass_through_untouched() -> None:
    seen, sent = _through_middleware("GET")

    assert seen == ["GET"]
    assert [message.get("body") for message in sent] == [None, b"one", b"two", b"three"]
