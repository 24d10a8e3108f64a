"""Alembic environment: the schema comes from these migrations, never from create_all."""

from typing import Any

from alembic import context
from sqlalchemy import Connection

import app.models  # noqa: F401 - registers every table on Base.metadata
from app.config import Settings
from app.db import Base, make_engine
from app.services.catalog.search_index import is_search_index_table

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or Settings().database_url


def _declared(item: Any, name: str | None, kind: str, reflected: bool, _other: Any) -> bool:
    """Whether autogenerate compares this object: not SQLite's search index, which 0012
    makes outside `Base.metadata` (autogenerate would otherwise propose dropping it)."""
    return not (kind == "table" and reflected and is_search_index_table(name or ""))


def _run(connection: Connection) -> None:
    """Run the migrations; on SQLite with foreign keys off while they run.

    SQLite cannot alter most column definitions, so a batch migration copies
    the table and drops the old one. With foreign keys on, that DROP first
    deletes every row, and ON DELETE CASCADE takes the rows that point at it
    (a model's endpoints, prices, ratings...) with it. The pragma only takes
    effect outside a transaction, hence here, before the migrations' own.
    """
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        include_object=_declared,
    )
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
