"""Ping a pooled connection before use only when it has sat idle: a dead one is replaced, a
busy one is not asked.

SQLAlchemy's `pool_pre_ping` asks the server on every checkout whether the
connection still lives: one more round trip for every request, as long as a
statement's own on a local PostgreSQL (about 140 µs on the benchmark's machine,
a ninth of a signed-in visitor's parts). A connection is found dead when the
server restarted or a network device dropped it, which happens while it sits
in the pool, not in the seconds between two requests of a busy worker. So the
ping is kept for a connection idle longer than `idle_seconds` and skipped for
one returned more recently. A statement that still meets a dead connection
fails as it would with the pre-ping; SQLAlchemy then recognises the
disconnect and replaces every connection of the pool opened before it.

A failed ping raises `DisconnectionError` from the pool's checkout event:
SQLAlchemy then discards that connection and checks out another (or opens a
fresh one), as `pool_pre_ping` does.
"""

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

# Seconds a connection may sit in the pool and still be handed out unasked.
IDLE_SECONDS = 5.0
_IDLE_SINCE = "modelatlas_idle_since"


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_SECONDS) -> None:
    """Ping `engine`'s connections at checkout when idle longer than `idle_seconds`."""
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def opened(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as failed:
            raise DisconnectionError(f"the idle connection is gone: {failed}") from failed
