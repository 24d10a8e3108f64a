"""The statements a piece of code sends and SQLite's plan for each, for tests of indexes.

A test names the code to run; `statements_sent` returns what it sent on the
session's connection (statement and parameters), and `sqlite_plan` the steps
of SQLite's `EXPLAIN QUERY PLAN` for one of them, one string per step.
"""

from collections.abc import Callable

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tests.support.listening import listening

Sent = tuple[str, tuple]


def statements_sent(session: Session, run: Callable[[], object]) -> list[Sent]:
    """Every statement (with its parameters) `run()` sends on the session's connection."""
    connection = session.connection()
    sent: list[Sent] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        sent.append((statement, parameters))

    with listening(connection, "before_cursor_execute", capture):
        run()
    return sent


def sqlite_plan(connection: Connection, statement: str, parameters: tuple) -> list[str]:
    """SQLite's query plan of `statement`, one line per step."""
    explained = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return [row[3] for row in explained]
