"""A database that hangs, refuses or is locked: quick 503s, never a 500, a hang or a false success.

A hung database is a real socket that accepts connections and never answers
(what a stopped or overloaded server looks like to a client); a locked one is
a second connection holding the write lock (SQLite) or the row every write
ends on (PostgreSQL).
"""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.config import Settings
from app.main import create_app
from app.models import Rating
from app.web.routes.deps import SessionDep
from tests.support.auth import session_token, sign_up
from tests.support.databases import backend
from tests.support.metrics_refresh import MODEL_PAGE, SeededDatabase, seeded_database


@pytest.fixture
def hung_database_url() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts the connection and then says nothing."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"postgresql+psycopg://atlas@127.0.0.1:{listener.getsockname()[1]}/atlas"
    finally:
        listener.close()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "outages") as seeded:
        yield seeded


def test_healthz_answers_503_within_two_seconds_when_the_database_hangs(
    hung_database_url: str,
) -> None:
    settings = Settings(environment="test", database_url=hung_database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "database unavailable"}
    assert waited < 3, f"/healthz took {waited:.1f} s"


def test_pages_answer_503_with_retry_after_when_the_database_hangs(
    hung_database_url: str,
) -> None:
    settings = Settings(
        environment="test",
        database_url=hung_database_url,
        database_connect_timeout_seconds=1,
        page_cache=False,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        started = time.monotonic()
        page = client.get("/")
        api = client.get("/api/v1/models")
        waited = time.monotonic() - started

    for response in (page, api):
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "127.0.0.1" not in response.text
        assert "atlas" not in response.text.lower().replace("model atlas", "")
    assert "not answering" in page.text
    assert api.json()["error"]["code"] == 503
    assert waited < 6, f"two requests took {waited:.1f} s"


def _hold_the_write_lock(database: SeededDatabase) -> object:
    """A second connection that holds what every write needs, until closed."""
    connection = database.engine.connect()
    if backend() == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.execute(text("SELECT version FROM content_versions FOR UPDATE"))
    return connection


def test_a_write_that_cannot_commit_is_answered_503_and_saves_nothing(
    database: SeededDatabase,
) -> None:
    settings = Settings(
        environment="test",
        database_url=database.url,
        database_lock_timeout_seconds=0.5,
        page_cache=False,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        sign_up(client)
        token = session_token(client)
        holder = _hold_the_write_lock(database)
        try:
            response = client.post(
                f"{MODEL_PAGE}/rating",
                data={"csrf_token": token, "stars": "5"},
                follow_redirects=False,
            )
        finally:
            holder.rollback()
            holder.close()

    assert response.status_code == 503, response.text[:300]
    assert "location" not in response.headers
    assert response.headers["Retry-After"]
    with database.factory() as session:
        assert session.scalar(select(func.count()).select_from(Rating)) == 0


def _app_with_a_slow_route(database: SeededDatabase, release: threading.Event) -> FastAPI:
    app = create_app(
        Settings(
            environment="test",
            database_url=database.url,
            database_max_concurrency=1,
            database_queue_timeout_seconds=0.3,
            page_cache=False,
        )
    )

    @app.get("/test/holds-its-turn")
    def holds_its_turn(session: SessionDep) -> dict[str, bool]:
        session.execute(text("SELECT 1"))
        return {"released": release.wait(timeout=10)}

    return app


def test_a_request_that_gets_no_turn_at_the_database_is_told_to_retry(
    database: SeededDatabase,
) -> None:
    release = threading.Event()
    app = _app_with_a_slow_route(database, release)
    with TestClient(app, raise_server_exceptions=False) as client:
        holder = threading.Thread(target=client.get, args=("/test/holds-its-turn",))
        holder.start()
        time.sleep(0.3)
        try:
            refused = client.get("/")
        finally:
            release.set()
            holder.join()
        served = client.get("/")

    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert served.status_code == 200
