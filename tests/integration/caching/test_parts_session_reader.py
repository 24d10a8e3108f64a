"""The signed-in parts' session lookup on the app's own engine (`web.caching.parts_session_reader`).

Here the app reads through its own engine, as when served, not through the
tests' shared rolled-back connection: on SQLite the reader keeps a
connection of its own and sends the statement to the driver directly (no
engine event sees it), which must read what SQLAlchemy reads, see every commit
made elsewhere, survive a broken connection, and go back to the pool at
shutdown; on PostgreSQL it reads the same way on a few async connections kept
beside the pool, in autocommit, and closes them at shutdown.
"""

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import sessionmaker

from app.config import Settings
from app.main import create_app
from app.models import User, UserSession
from app.web.caching.kept_async_connections import KEPT_CONNECTIONS
from app.web.caching.parts_session_reader import PartsSessionReader
from app.web.middleware.database_gate import DatabaseGate
from tests.support.auth import htmx_headers, sign_up, unique_email
from tests.support.community_pages import ME_PATH
from tests.support.listening import listening


@pytest.fixture
def served(settings: Settings) -> Iterator[TestClient]:
    """An app reading through its own engine over the test's copy of the catalog."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _engine(client: TestClient) -> Engine:
    return client.app.state.engine


def _statements_of_one_get(client: TestClient) -> tuple[int, str]:
    """How many statements a GET of the parts sent, and what it answered."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement: str, *_args) -> None:
        sent.append(statement)

    with listening(_engine(client), "before_cursor_execute", seen):
        response = client.get(ME_PATH, headers=htmx_headers())
    assert response.status_code == 200
    return len(sent), response.text


def _statements_of_a_remembered_answer(client: TestClient) -> int:
    """None through the engine on SQLite and PostgreSQL (the driver is called directly)."""
    return 0


def test_a_remembered_answer_costs_one_statement_and_a_revocation_is_seen_at_once(
    served: TestClient, catalog_engine: Engine
) -> None:
    email = unique_email()
    sign_up(served, email=email)
    _statements_of_one_get(served)
    assert _statements_of_one_get(served)[0] == _statements_of_a_remembered_answer(served)

    with catalog_engine.begin() as elsewhere:
        user_id = elsewhere.scalar(select(User.id).where(User.email == email))
        elsewhere.execute(delete(UserSession).where(UserSession.user_id == user_id))

    statements, text = _statements_of_one_get(served)
    assert statements > 1
    assert "Your comment as" not in text


def test_sqlite_keeps_one_connection_for_the_lookup_and_gives_it_back_at_shutdown(
    settings: Settings,
) -> None:
    app = create_app(settings)
    engine: Engine = app.state.engine
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_up(client)
        for _ in range(3):
            _statements_of_one_get(client)
        kept = 1 if engine.dialect.name == "sqlite" else 0
        assert engine.pool.checkedout() == kept
    assert engine.pool.checkedout() == 0


def _break_kept_connections(client: TestClient) -> None:
    """Close the lookup's kept connections under it, as a server restart would."""
    reader = client.app.state.parts_session_reader
    if _engine(client).dialect.name == "sqlite":
        kept, _statement = reader._kept
        kept.connection.dbapi_connection.close()
        return
    connections, _statement = reader._kept_async
    assert connections._idle, "the lookup keeps its connections between reads"
    for connection in connections._idle:
        connection.pgconn.finish()


def test_a_broken_kept_connection_sends_one_request_to_the_route_then_is_replaced(
    served: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    sign_up(served)
    _statements_of_one_get(served)
    assert _statements_of_one_get(served)[0] == 0
    _break_kept_connections(served)

    statements, text = _statements_of_one_get(served)

    assert statements > 1
    assert "Your comment as" in text
    assert "session lookup failed" in caplog.text
    assert _statements_of_one_get(served)[0] == 0


def test_the_driver_reads_what_sqlalchemy_reads(served: TestClient) -> None:
    sign_up(served)
    engine = _engine(served)
    with engine.connect() as connection:
        token_hash = connection.scalar(select(UserSession.token_hash))
        through_sqlalchemy = asyncio.run(
            PartsSessionReader().read(sessionmaker(bind=connection), _gate(), token_hash)
        )
    reader = PartsSessionReader()
    try:
        through_reader = asyncio.run(reader.read(sessionmaker(bind=engine), _gate(), token_hash))
        nobody = asyncio.run(reader.read(sessionmaker(bind=engine), _gate(), "0" * 64))
    finally:
        reader.close()

    assert through_reader == through_sqlalchemy
    assert through_reader is not None
    assert through_reader.expires_at.tzinfo is not None
    assert through_reader.is_admin is False
    assert nobody is None


def _gate() -> DatabaseGate:
    return DatabaseGate(capacity=1, timeout=1.0)


def test_on_postgresql_the_lookup_keeps_a_few_connections_in_autocommit_and_closes_them(
    settings: Settings,
) -> None:
    """No BEGIN and ROLLBACK round trips around the one read, at most `KEPT_CONNECTIONS`
    beside the pool, none left open after shutdown."""
    app = create_app(settings)
    if app.state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads on a kept connection of its own")
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_up(client)
        for _ in range(3):
            _statements_of_one_get(client)
        connections, _statement = client.app.state.parts_session_reader._kept_async
        kept = list(connections._idle)
        assert 1 <= len(kept) <= KEPT_CONNECTIONS
        assert all(connection.autocommit for connection in kept)
        assert app.state.engine.pool.checkedout() == 0
    assert all(connection.closed for connection in kept)
