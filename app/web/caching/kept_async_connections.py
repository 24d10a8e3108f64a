"""A few PostgreSQL connections, async and in autocommit, kept for one statement on the event loop.

The signed-in parts' session lookup (`parts_session_reader`) is one indexed read.
Through the pool it costs a hop to a worker thread and back, a pool checkout and
return, and SQLAlchemy's execution around the round trip itself: at 32
connections on the benchmark's machine, 0.07 times the bare ASGI app's answers
a second, where the same read on psycopg's async connections, awaited on the
event loop, gives 0.11 times. So the lookup keeps `KEPT_CONNECTIONS` of them:
opened on first use (with the engine's address, and the pool's connect, lock
and statement timeouts), handed to one read at a time, closed and forgotten
after any error, and left out of SQLAlchemy's pool (the README's production
section counts them with each worker's connections).

They belong to the event loop that opened them. A read on another loop (each
test client runs its own) forgets them and opens its own: a socket cannot move
between loops.
"""

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Engine

from app.web.middleware.database_gate import acquire_within

# Connections a worker keeps for the lookup: reads in flight at once, each a round trip.
KEPT_CONNECTIONS = 4


class KeptAsyncConnections:
    """Up to `size` psycopg `AsyncConnection`s in autocommit, for statements of one row."""

    def __init__(
        self,
        engine: Engine,
        connect_args: Mapping[str, Any],
        *,
        size: int = KEPT_CONNECTIONS,
        wait_seconds: float,
    ) -> None:
        self.engine = engine
        _args, address = engine.dialect.create_connect_args(engine.url)
        self._connect = {**address, **connect_args, "autocommit": True}
        self._size = size
        self._wait_seconds = wait_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection] = []
        self._turns: asyncio.Semaphore | None = None

    async def fetch_one(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """The first row of `sql`, or None. psycopg's error when the database fails (the
        connection is then closed and forgotten); `DatabaseBusy` when every connection
        stayed busy for `wait_seconds`."""
        turns = self._turns_of_this_loop()
        await acquire_within(turns, self._wait_seconds)
        try:
            connection = self._idle.pop() if self._idle else await self._open()
            try:
                cursor = await connection.execute(sql, parameters)
                row = await cursor.fetchone()
            except BaseException:
                # Failed or cancelled mid-statement: its state is unknown, so it is not kept.
                _close_now(connection)
                raise
            self._idle.append(connection)
            return row
        finally:
            turns.release()

    def close(self) -> None:
        """Close every kept connection now (at shutdown, on whichever loop or none)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            _close_now(connection)

    def _turns_of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._turns is None:
            self.close()
            self._loop = loop
            self._turns = asyncio.Semaphore(self._size)
        return self._turns

    async def _open(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(**self._connect)


def _close_now(connection: psycopg.AsyncConnection) -> None:
    """Close without awaiting: libpq's connection ends at once, whatever loop opened it."""
    connection.pgconn.finish()
