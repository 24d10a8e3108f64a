"""The model page and the catalog read outside a transaction; writes still commit as one.

`app.db.read_without_a_transaction` runs a read-only request's statements in
autocommit on PostgreSQL, sparing the BEGIN and COMMIT round trips. These
tests run the app on a database of its own, not inside a test transaction
(where the function leaves the session alone), and ask the driver after each
statement whether a transaction is open. On SQLite reads never open one
(pysqlite begins a transaction before a write only), so the reads' test holds
there by the driver's design and means something on PostgreSQL; the write's
test means something on both.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

from app.config import Settings
from app.main import create_app
from tests.support.auth import session_token, sign_up
from tests.support.listening import listening
from tests.support.metrics_refresh import MODEL_PAGE, SeededDatabase, seeded_database

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The app on a seeded database of its own, page cache off."""
    with seeded_database(tmp_path, "reads") as database:
        yield from _client(database)


def _client(database: SeededDatabase) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=database.url, page_cache=False)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@contextmanager
def statements_seen() -> Iterator[list[tuple[str, bool]]]:
    """Each statement any engine runs meanwhile: its first word, and whether a transaction
    was open once it had run."""
    seen: list[tuple[str, bool]] = []

    def record(connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append((statement.split()[0].upper(), _in_transaction(connection)))

    with listening(Engine, "after_cursor_execute", record):
        yield seen


def _in_transaction(connection: Any) -> bool:
    driver_connection = connection.connection.dbapi_connection
    if isinstance(driver_connection, sqlite3.Connection):
        return driver_connection.in_transaction
    return driver_connection.info.transaction_status != TransactionStatus.IDLE


@pytest.mark.parametrize("path", [MODEL_PAGE, "/?q=mistral"], ids=["model page", "catalog"])
def test_the_page_is_read_outside_a_transaction(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200

    with statements_seen() as seen:
        response = client.get(path)

    assert response.status_code == 200
    assert seen, "the page ran no statement"
    assert [word for word, in_transaction in seen if in_transaction] == []


def test_a_write_after_page_views_still_commits_as_one_transaction(client: TestClient) -> None:
    """The connection a page read through leaves autocommit when it goes back to the pool."""
    for _ in range(3):
        assert client.get(MODEL_PAGE).status_code == 200
    sign_up(client)
    token = session_token(client)

    with statements_seen() as seen:
        response = client.post(
            f"{MODEL_PAGE}/rating",
            data={"csrf_token": token, "stars": "5"},
            follow_redirects=False,
        )

    assert response.status_code == 303, response.text[:300]
    writes = [in_transaction for word, in_transaction in seen if word in WRITES]
    assert writes, seen
    assert all(writes), seen
