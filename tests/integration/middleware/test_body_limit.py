"""Oversized request bodies are refused with 413 before any route reads them."""

from collections.abc import Iterator
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Comment
from tests.support.auth import PASSWORD, form_token, sign_out, sign_up, unique_email

MODEL_PATH = "/models/mistral/mistral-small-2603"
LIMIT = 256 * 1024


def test_a_body_over_the_limit_gets_413_and_writes_nothing(
    client: TestClient, catalog_session: Session
) -> None:
    token = sign_up(client)

    response = client.post(
        f"{MODEL_PATH}/comments",
        data={"csrf_token": token, "body": "x" * (LIMIT + 1)},
        follow_redirects=False,
    )

    assert response.status_code == 413
    assert "larger than 262,144 bytes" in response.text
    assert catalog_session.query(Comment).count() == 0


def test_a_chunked_body_over_the_limit_gets_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(LIMIT // 1024 + 2):
            yield b"body=" + b"y" * 1019

    response = client.post(
        "/login",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413


def test_a_chunked_body_under_the_limit_reaches_the_route(client: TestClient) -> None:
    email = unique_email()
    sign_out(client, sign_up(client, email=email))
    token = form_token(client.get("/login").text)
    form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()

    def chunks() -> Iterator[bytes]:
        yield form[:20]
        yield form[20:]

    response = client.post(
        "/login",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )

    assert response.status_code == 303
