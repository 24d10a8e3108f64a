"""`KeptAsyncConnections` on a real PostgreSQL: one read per connection at a time, a bounded
wait for one, and a connection whose statement failed or was cancelled is not kept."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.db import ConnectionLimits, make_engine, postgresql_connect_args
from app.web.caching.kept_async_connections import KeptAsyncConnections
from app.web.middleware.database_gate import DatabaseBusy
from tests.support.databases import backend, throwaway_database

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="the kept async connections are PostgreSQL's"
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with throwaway_database(tmp_path, "kept_async") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _kept(engine: Engine, size: int = 2, wait_seconds: float = 5.0) -> KeptAsyncConnections:
    limits = ConnectionLimits(statement_timeout=10.0)
    return KeptAsyncConnections(
        engine, postgresql_connect_args(limits), size=size, wait_seconds=wait_seconds
    )


def test_reads_reuse_the_connections_in_autocommit_with_the_pools_timeouts(
    engine: Engine,
) -> None:
    kept = _kept(engine)

    async def two_reads() -> list[tuple]:
        first = await kept.fetch_one("SELECT pg_backend_pid(), current_setting('lock_timeout')", {})
        again = await kept.fetch_one("SELECT pg_backend_pid(), current_setting('lock_timeout')", {})
        return [first, again]

    first, again = asyncio.run(two_reads())
    assert first == again, "the second read ran on the connection the first one kept"
    assert first[1] == "30s"
    assert kept._idle[0].autocommit is True
    kept.close()
    assert kept._idle == []


def test_a_read_waits_a_bounded_time_for_a_busy_connection(engine: Engine) -> None:
    kept = _kept(engine, size=1, wait_seconds=0.05)

    async def while_busy() -> None:
        slow = asyncio.create_task(kept.fetch_one("SELECT pg_sleep(0.5)", {}))
        await asyncio.sleep(0.1)
        with pytest.raises(DatabaseBusy):
            await kept.fetch_one("SELECT 1", {})
        await slow
        assert await kept.fetch_one("SELECT 1", {}) == (1,)

    asyncio.run(while_busy())
    kept.close()


def test_a_failed_or_cancelled_statement_leaves_no_connection_kept(engine: Engine) -> None:
    kept = _kept(engine, size=1)

    async def failing_then_cancelled() -> None:
        with pytest.raises(Exception, match="division by zero"):
            await kept.fetch_one("SELECT 1 / 0", {})
        assert kept._idle == []
        slow = asyncio.create_task(kept.fetch_one("SELECT pg_sleep(5)", {}))
        await asyncio.sleep(0.1)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert kept._idle == []
        assert await kept.fetch_one("SELECT 2", {}) == (2,)

    asyncio.run(failing_then_cancelled())
    kept.close()
