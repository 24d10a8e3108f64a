"""Throwaway databases for tests: a SQLite file, or a PostgreSQL database made and dropped.

`MODELATLAS_TEST_DATABASE_URL` picks the backend. Unset, tests use SQLite files
in a temporary directory. Set to a PostgreSQL server URL (any existing database
on it, e.g. `postgresql+psycopg://postgres@127.0.0.1/postgres`), each call of
`throwaway_database` creates a fresh database on that server and drops it after.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url, text

from app.db import make_engine

TEST_DATABASE_ENV = "MODELATLAS_TEST_DATABASE_URL"


def backend() -> str:
    """'postgresql' or 'sqlite', from the environment."""
    url = os.environ.get(TEST_DATABASE_ENV, "")
    return "postgresql" if url.startswith("postgresql") else "sqlite"


@contextmanager
def throwaway_database(directory: Path, label: str) -> Iterator[str]:
    """Yield the URL of a new, empty database; remove it afterwards."""
    server_url = os.environ.get(TEST_DATABASE_ENV, "")
    if not server_url.startswith("postgresql"):
        yield f"sqlite:///{directory / f'{label}.db'}"
        return
    name = f"modelatlas_test_{label}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
