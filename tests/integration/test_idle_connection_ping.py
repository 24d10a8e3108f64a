"""Pooled connections are pinged before use only after sitting idle, and one that fails its
ping is replaced before anyone uses it.

On the test backend (SQLite files, or PostgreSQL when MODELATLAS_TEST_DATABASE_URL names a
server); on PostgreSQL a connection's server process is also ended for real.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from app.db import make_engine
from app.idle_connection_ping import ping_when_idle
from tests.support.databases import backend, throwaway_database


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(tmp_path, "idle_ping") as url:
        yield url


def _pool_of_one(url: str, idle_seconds: float) -> Engine:
    """An engine whose pool holds one connection, pinged when idle `idle_seconds`."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_seconds=idle_seconds)
    return engine


def _counting_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    pinged: list[Any] = []
    do_ping = engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return do_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pinged


def _driver_connection(engine: Engine) -> Any:
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
        return connection.connection.driver_connection


@pytest.mark.parametrize(
    ("idle_seconds", "pings"),
    [
        pytest.param(60, 0, id="fresh or just returned: not asked"),
        pytest.param(0, 2, id="idle longer: asked at every checkout"),
    ],
)
def test_a_connection_is_pinged_only_after_sitting_idle(
    database_url: str, monkeypatch: pytest.MonkeyPatch, idle_seconds: float, pings: int
) -> None:
    engine = _pool_of_one(database_url, idle_seconds=idle_seconds)
    pinged = _counting_pings(engine, monkeypatch)
    first = _driver_connection(engine)
    assert _driver_connection(engine) is first
    assert pinged == [first] * pings
    engine.dispose()


def test_a_connection_failing_its_ping_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _pool_of_one(database_url, idle_seconds=0)
    first = _driver_connection(engine)
    do_ping = engine.dialect.do_ping

    def gone_once(dbapi_connection: Any) -> bool:
        if dbapi_connection is first:
            raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")
        return do_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", gone_once)
    assert _driver_connection(engine) is not first
    engine.dispose()


@pytest.mark.skipif(backend() != "postgresql", reason="ends a PostgreSQL server process")
def test_a_connection_whose_server_process_ended_while_idle_is_replaced(
    database_url: str,
) -> None:
    engine = _pool_of_one(database_url, idle_seconds=0)
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    with create_engine(database_url).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    engine.dispose()


def test_served_engines_ping_idle_connections_not_every_checkout() -> None:
    """`make_engine` installs the idle ping instead of SQLAlchemy's ping on every checkout."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert engine.pool._pre_ping is False
    assert [listener.__name__ for listener in engine.pool.dispatch.checkout] == ["ping_if_idle"]
    engine.dispose()
