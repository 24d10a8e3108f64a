"""The signed-in parts' one statement (session, user, content version), read as cheaply as each
backend allows.

On PostgreSQL it is a network round trip: it runs in a worker thread, so the
event loop serves others meanwhile, with a turn at the database gate and a
pooled connection, like any route's statement.

On SQLite it is an indexed point read in the same process that never waits
(in WAL mode a reader does not wait for the writer), shorter than the hop to
a worker thread and back, so it runs on the event loop. It runs there on a
connection of its own, kept open for it: checking a connection out of the
pool and back, and an ORM session around it, cost more than the statement.
That connection starts no transaction for a read (the driver begins one only
before a write), so each read sees the latest commit. It is not the pool's to
share, so it takes no turn at the gate; `web_connection_limits` counts it.
"""

import threading
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Engine, Row, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.models.accounts import User, UserSession
from app.services.publishing.content_version import version_query
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


class PartsSessionReader:
    """Reads the session a token's hash names, its user and the content version: `LOOKUP`.

    Through the database of the app's session factory, bound to an engine when
    served; a factory bound to one connection (the tests' rolled-back transaction)
    is read through that connection, as its sessions are.
    """

    def __init__(self) -> None:
        self._kept: Connection | None = None
        # Requests on different event loops (test clients) must not share the kept
        # connection at the same moment; on one loop the read never yields, so this
        # lock is never contended there.
        self._lock = threading.Lock()

    async def read(
        self, factory: sessionmaker[Session], gate: DatabaseGate, token_hash: str
    ) -> Row[*tuple[Any, ...]] | None:
        """The statement's first row for `token_hash`, None for no such session."""
        bind: Engine | Connection = factory.kw["bind"]
        if bind.dialect.name != "sqlite":
            async with gate.turn():
                return await anyio.to_thread.run_sync(_read_pooled, bind, token_hash)
        if isinstance(bind, Connection):
            return _execute(bind, token_hash)
        return self._read_kept(bind, token_hash)

    def close(self) -> None:
        """Give the kept connection back to its pool (at shutdown)."""
        with self._lock:
            if self._kept is not None:
                self._kept.close()
                self._kept = None

    def _read_kept(self, engine: Engine, token_hash: str) -> Row[*tuple[Any, ...]] | None:
        with self._lock:
            if self._kept is not None and self._kept.engine is not engine:
                self._kept.close()
                self._kept = None
            if self._kept is None:
                self._kept = engine.connect()
            try:
                row = _execute(self._kept, token_hash)
                self._kept.rollback()
            except SQLAlchemyError:
                # A connection that failed once is not trusted again: the next read opens another.
                self._kept.invalidate()
                self._kept = None
                raise
            return row


def _read_pooled(bind: Engine | Connection, token_hash: str) -> Row[*tuple[Any, ...]] | None:
    if isinstance(bind, Connection):
        return _execute(bind, token_hash)
    with bind.connect() as connection:
        return _execute(connection, token_hash)


def _execute(connection: Connection, token_hash: str) -> Row[*tuple[Any, ...]] | None:
    return connection.execute(LOOKUP, {"token_hash": token_hash}).first()
