"""The signed-in parts' one statement (session, user, content version), read as cheaply as each
backend allows.

On PostgreSQL (psycopg) it is a network round trip, awaited on the event loop
on one of a few async connections in autocommit kept for it
(`kept_async_connections`): no hop to a worker thread, no pool checkout, and
no transaction, whose BEGIN and ROLLBACK would be two more round trips. The
statement is compiled by SQLAlchemy once and its row converted by the
columns' result processors, as on SQLite. A factory bound to one connection
(the tests' rolled-back transaction) is read through that connection in a
worker thread, with a turn at the database gate, like any route's statement.

On SQLite it is an indexed point read in the same process that never waits
(in WAL mode a reader does not wait for the writer), shorter than the hop to
a worker thread and back, so it runs on the event loop. It runs there on a
connection of its own, kept open for it, and below SQLAlchemy's execution
layer: the statement is compiled by SQLAlchemy once, then sent to the driver
directly and its row converted by the columns' own result processors. An
ORM session, a pool checkout and SQLAlchemy's per-execution work each cost
more than the statement itself, and this read is all a remembered answer
needs. So on SQLite no engine event fires for it (statement counters and
echo do not see it). The connection starts no transaction for a read (the
driver begins one only before a write) and the cursor is closed after each
read, so every read sees the latest commit and holds no snapshot. It is not
the pool's to share, so it takes no turn at the gate; `web_connection_limits`
counts it.
"""

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

import anyio.to_thread
import psycopg
from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.models.accounts import User, UserSession
from app.services.publishing.content_version import version_query
from app.web.caching.kept_async_connections import KeptAsyncConnections
from app.web.middleware.database_gate import DatabaseGate

_sessions = UserSession.__table__.c
_users = User.__table__.c
# Built once, from table columns: a Core statement builds no ORM objects.
LOOKUP = (
    select(
        _sessions.token_hash,
        _sessions.csrf_token,
        _sessions.last_seen_at,
        _sessions.expires_at,
        _users.id.label("user_id"),
        _users.display_name,
        _users.is_admin,
        func.coalesce(version_query().scalar_subquery(), 0).label("content_version"),
    )
    .join_from(UserSession.__table__, User.__table__, _sessions.user_id == _users.id)
    .where(_sessions.token_hash == bindparam("token_hash"))
)


class SessionLookupError(Exception):
    """The database did not answer the lookup (its error is the cause)."""


class SessionFacts(NamedTuple):
    """A row of `LOOKUP`, in its order."""

    token_hash: str
    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime
    user_id: int
    display_name: str
    is_admin: bool
    content_version: int


class _DriverStatement:
    """`LOOKUP` compiled for one engine's dialect, run on a driver connection directly."""

    def __init__(self, engine: Engine) -> None:
        compiled = LOOKUP.compile(dialect=engine.dialect)
        self.sql = compiled.string
        fixed = compiled.construct_params({"token_hash": None})
        self._names = compiled.positiontup or ()
        self._fixed = fixed
        processors = (
            column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
            for column in LOOKUP.selected_columns
        )
        self._processors: list[Callable[[Any], Any] | None] = list(processors)

    def parameters(self, token_hash: str) -> tuple[Any, ...] | dict[str, Any]:
        """In the order of the statement's placeholders, or by name where they have names."""
        if not self._names:
            return {**self._fixed, "token_hash": token_hash}
        return tuple(
            token_hash if name == "token_hash" else self._fixed[name] for name in self._names
        )

    def facts(self, raw: tuple[Any, ...]) -> SessionFacts:
        return SessionFacts(
            *(
                value if process is None else process(value)
                for process, value in zip(self._processors, raw, strict=True)
            )
        )


class PartsSessionReader:
    """Reads the session a token's hash names, its user and the content version: `LOOKUP`.

    Through the database of the app's session factory, bound to an engine when
    served; a factory bound to one connection (the tests' rolled-back transaction)
    is read through that connection, as its sessions are.
    """

    def __init__(
        self,
        postgresql_connect_args: Mapping[str, Any] | None = None,
        *,
        wait_seconds: float = 30.0,
    ) -> None:
        """`postgresql_connect_args` are the pool's own (timeouts), for the kept async
        connections; `wait_seconds` bounds the wait for one of them."""
        self._postgresql_connect_args = postgresql_connect_args or {}
        self._wait_seconds = wait_seconds
        self._kept_async: tuple[KeptAsyncConnections, _DriverStatement] | None = None
        self._kept: tuple[Connection, _DriverStatement] | None = None
        # Requests on different event loops (test clients) must not share the kept
        # connection at the same moment; on one loop the read never yields, so this
        # lock is never contended there.
        self._lock = threading.Lock()

    async def read(
        self, factory: sessionmaker[Session], gate: DatabaseGate, token_hash: str
    ) -> SessionFacts | None:
        """The facts of the session `token_hash` names, None for no such session.

        `SessionLookupError` when the database fails; `DatabaseBusy` when no turn
        at the gate came in time.
        """
        bind: Engine | Connection = factory.kw["bind"]
        try:
            if isinstance(bind, Engine) and bind.dialect.driver == "psycopg":
                return await self._read_async(bind, token_hash)
            if bind.dialect.name != "sqlite":
                async with gate.turn():
                    return await anyio.to_thread.run_sync(_read_pooled, bind, token_hash)
            if isinstance(bind, Connection):
                return _execute(bind, token_hash)
            return self._read_kept(bind, token_hash)
        except (SQLAlchemyError, psycopg.Error) as failed:
            raise SessionLookupError from failed

    def close(self) -> None:
        """Give the kept connection back to its pool, and close the kept async ones (at
        shutdown)."""
        if self._kept_async is not None:
            self._kept_async[0].close()
        with self._lock:
            if self._kept is not None:
                self._kept[0].close()
                self._kept = None

    async def _read_async(self, engine: Engine, token_hash: str) -> SessionFacts | None:
        if self._kept_async is None or self._kept_async[0].engine is not engine:
            if self._kept_async is not None:
                self._kept_async[0].close()
            connections = KeptAsyncConnections(
                engine, self._postgresql_connect_args, wait_seconds=self._wait_seconds
            )
            self._kept_async = (connections, _DriverStatement(engine))
        connections, statement = self._kept_async
        raw = await connections.fetch_one(statement.sql, statement.parameters(token_hash))
        return None if raw is None else statement.facts(raw)

    def _read_kept(self, engine: Engine, token_hash: str) -> SessionFacts | None:
        with self._lock:
            if self._kept is not None and self._kept[0].engine is not engine:
                self._kept[0].close()
                self._kept = None
            if self._kept is None:
                self._kept = (engine.connect(), _DriverStatement(engine))
            kept, statement = self._kept
            try:
                driver = kept.connection.dbapi_connection
                if driver is None:
                    raise engine.dialect.loaded_dbapi.InterfaceError("connection closed")
                cursor = driver.cursor()
                try:
                    cursor.execute(statement.sql, statement.parameters(token_hash))
                    raw = cursor.fetchone()
                finally:
                    cursor.close()
            except engine.dialect.loaded_dbapi.Error as failed:
                # A connection that failed once is not trusted again: the next read opens another.
                kept.invalidate()
                self._kept = None
                raise SessionLookupError from failed
            return None if raw is None else statement.facts(raw)


def _read_pooled(bind: Engine | Connection, token_hash: str) -> SessionFacts | None:
    if isinstance(bind, Connection):
        return _execute(bind, token_hash)
    with bind.connect() as connection:
        return _execute(connection, token_hash)


def _execute(connection: Connection, token_hash: str) -> SessionFacts | None:
    row = connection.execute(LOOKUP, {"token_hash": token_hash}).first()
    return None if row is None else SessionFacts(*row)
