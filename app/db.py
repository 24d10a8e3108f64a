"""Declarative base, engine and session factories.

One naming convention for constraints so Alembic migrations get stable names on
SQLite and PostgreSQL alike.
"""

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    DateTime,
    Engine,
    Index,
    MetaData,
    Numeric,
    Table,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.idle_connection_ping import ping_when_idle

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every class here maps one Table (none a join or a select), which Core's
        # insert/update/delete take; SQLAlchemy declares only the wider FromClause.
        __table__: ClassVar[Table]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite drops the offset; we store naive UTC and re-attach UTC on load so
    code never compares naive with aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """On SQLite, the stored text read as UTC in one parse.

        SQLite's `DateTime` parses the text with `datetime.fromisoformat`, and
        `process_result_value` then attaches UTC with `replace`, whose keyword
        parsing costs more than the parse: a cold model page reads some eighty
        datetimes. Text that does not take an offset this way (a bare date, text
        that carries one already) is read the general way: the result is the same.
        """
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def read_utc(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                read = datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)
            # A bare date takes the offset without complaint but stays naive.
            return read if read.tzinfo is not None else general(value)

        return read_utc


class Money(TypeDecorator[Decimal]):
    """A USD amount (per 1M tokens, per request, ...) as an exact Decimal.

    Numeric(18, 9) keeps nine decimals — enough for per-token prices scaled to
    per-million — and lets SQL sort and filter on it.
    """

    impl = Numeric(18, 9, asdecimal=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return without_trailing_zeros(Decimal(value))


POSTGRESQL = "postgresql"


def trigram_index(name: str, column: str) -> Index:
    """A pg_trgm GIN index on `column`: it serves `ILIKE '%word%'`, which no B-tree can seek.

    Its pending list of new entries, which every search reads in full, is kept to the
    smallest size GIN allows (see migration 0015).
    """
    return Index(
        name,
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        postgresql_with={"gin_pending_list_limit": 64},
    )


def postgresql_only(index: Index) -> Index:
    """`index`, created on PostgreSQL only: for indexes that need one of its extensions,
    such as `trigram_index`. `info["dialect"]` lets a schema check skip it elsewhere."""
    index.info["dialect"] = POSTGRESQL
    return index.ddl_if(dialect=POSTGRESQL)


def without_trailing_zeros(value: Decimal) -> Decimal:
    """`0.150000000` -> `0.15` and `100.000000000` -> `100` (never `1E+2`)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a connection may wait for the database, and how many a process opens.

    Every wait has an end, so a hung or locked database turns into an error the
    web layer answers with 503 instead of a request that never returns:
    `connect_timeout` bounds opening a connection (PostgreSQL), `lock_timeout`
    bounds waiting for a lock another transaction holds (PostgreSQL
    `lock_timeout`, SQLite's busy timeout), `statement_timeout` bounds one
    statement (PostgreSQL; None for jobs whose statements may run long) and
    `pool_timeout` bounds waiting for a free connection of this process.
    """

    connect_timeout: float = 10.0
    lock_timeout: float = 30.0
    statement_timeout: float | None = None
    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0


def make_engine(url: str, limits: ConnectionLimits | None = None, **kwargs: Any) -> Engine:
    """Create an engine with the per-backend settings we rely on.

    A connection that sat idle in the pool is pinged before use, one used in the
    last seconds is not (`app.idle_connection_ping`).

    Two caches do the work on hot pages, both on by default and left so:
    SQLAlchemy's compiled-statement cache (the pages' statements are built
    once with bound parameters, so each compiles once), and on PostgreSQL
    psycopg 3's server-side prepared statements, made for a statement from
    its fifth use on a connection (`prepare_threshold`).
    """
    limits = limits or ConnectionLimits()
    if url.startswith("sqlite"):
        kwargs.setdefault(
            "connect_args",
            {
                "check_same_thread": False,
                "timeout": limits.lock_timeout,
                # Writes begin with BEGIN IMMEDIATE: a writer takes the write lock at its
                # first write (waiting up to the busy timeout for it) instead of failing at
                # once with "database is locked" when it upgrades a stale read snapshot.
                "isolation_level": "IMMEDIATE",
            },
        )
        _pool_options(kwargs, url, limits)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", postgresql_connect_args(limits))
    _pool_options(kwargs, url, limits)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        # A connection idle in the pool is asked before use; see the module for why not all.
        ping_when_idle(engine)
    return engine


def _pool_options(kwargs: dict[str, Any], url: str, limits: ConnectionLimits) -> None:
    """Size the pool, unless the caller chose a pool of its own (or none, `:memory:`)."""
    if "poolclass" in kwargs or ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        return
    kwargs.setdefault("pool_size", limits.pool_size)
    kwargs.setdefault("max_overflow", limits.max_overflow)
    kwargs.setdefault("pool_timeout", limits.pool_timeout)


# What PostgreSQL's planner counts a page read out of order as, against 1 for a page read in
# order. Its default, 4, models a spinning disk. The catalog's tables are read from memory or
# SSD, and at 4 the model page's prepared statements (generic plans, their parameters
# unknown) read whole tables instead of walking an index a few rows deep: the comparable
# models, ranked by stored cost, took a scan of every model and a sort, 1.9 ms on today's
# catalog and 12 ms on ten times it, against 0.6 and 1.0 ms walking the ranking index.
# 1.1 is PostgreSQL's own suggestion for such storage (runtime-config-query).
RANDOM_PAGE_COST = "1.1"


def postgresql_connect_args(limits: ConnectionLimits) -> dict[str, Any]:
    """libpq's connect timeout (whole seconds, at least 1), the server-side timeouts and the
    planner's cost of a random page read (`RANDOM_PAGE_COST`)."""
    options = [
        f"-c lock_timeout={_milliseconds(limits.lock_timeout)}",
        f"-c random_page_cost={RANDOM_PAGE_COST}",
    ]
    if limits.statement_timeout is not None:
        options.append(f"-c statement_timeout={_milliseconds(limits.statement_timeout)}")
    return {
        "connect_timeout": max(1, math.ceil(limits.connect_timeout)),
        "options": " ".join(options),
    }


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite defaults them off), WAL so readers never wait for the writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (templates render after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def read_without_a_transaction(session: Session) -> None:
    """Run this session's statements without BEGIN and COMMIT: for a request that only reads.

    On PostgreSQL each of the two is a round trip of its own, and a cache miss
    of the model page runs one statement: three round trips become one, a
    fifth of the miss. What the reads see is unchanged: at READ COMMITTED
    (PostgreSQL's default, and ours) every statement of a transaction sees
    what was committed when it began, as a statement on its own does. SQLite
    reads outside a transaction already (pysqlite begins one before a write).

    The connection leaves autocommit when it goes back to the pool. A session
    bound to a connection (the tests run each in one transaction) or already
    in a transaction is left as it is.
    """
    bind = session.get_bind()
    if (
        isinstance(bind, Engine)
        and bind.dialect.name == "postgresql"
        and not session.in_transaction()
    ):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
