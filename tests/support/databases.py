"""Throwaway databases for tests: a SQLite file, or a PostgreSQL database made and dropped.

`MODELATLAS_TEST_DATABASE_URL` picks the backend. Unset, tests use SQLite files
in a temporary directory. Set to a PostgreSQL server URL (any existing database
on it, e.g. `postgresql+psycopg://postgres@127.0.0.1/postgres`), each call of
`throwaway_database` creates a fresh database on that server and drops it after.

A new database is empty, or a copy of a template database of the same backend
(see `tests.support.database_templates`): SQLite copies through the backup API,
PostgreSQL with `CREATE DATABASE ... TEMPLATE`, which copies files instead of
replaying the statements that filled the template.
"""

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import make_url, text

from app.db import make_engine

TEST_DATABASE_ENV = "MODELATLAS_TEST_DATABASE_URL"


def backend() -> str:
    """'postgresql' or 'sqlite', from the environment."""
    url = os.environ.get(TEST_DATABASE_ENV, "")
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def create_database(directory: Path, label: str, *, template: str | None = None) -> str:
    """The URL of a new database: empty, or a copy of the database at URL `template`."""
    if backend() == "sqlite":
        path = directory / f"{label}.db"
        if template is not None:
            _copy_sqlite(make_url(template).database or "", path)
        return f"sqlite:///{path}"
    server_url = os.environ[TEST_DATABASE_ENV]
    name = f"modelatlas_test_{label}_{uuid.uuid4().hex[:10]}"
    statement = f'CREATE DATABASE "{name}"'
    if template is not None:
        statement += f' TEMPLATE "{make_url(template).database}"'
    _run_on_server(statement)
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a PostgreSQL database made by `create_database` (SQLite files go with their
    temporary directory)."""
    if make_url(url).get_backend_name() == "postgresql":
        _run_on_server(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@contextmanager
def throwaway_database(
    directory: Path, label: str, *, template: str | None = None
) -> Iterator[str]:
    """Yield the URL of a new database (empty, or a copy of `template`); remove it afterwards."""
    url = create_database(directory, label, template=template)
    try:
        yield url
    finally:
        drop_database(url)


def _copy_sqlite(source: str, target: Path) -> None:
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _run_on_server(statement: str) -> None:
    admin = make_engine(os.environ[TEST_DATABASE_ENV], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()
