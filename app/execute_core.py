"""`execute_core`: a Core statement run on the session's connection, past the ORM's dispatch.

For a statement built from table columns (`Model.__table__.c`), which the
model page's statements all are, `Session.execute` adds no autoflush and no
ORM processing, only its own dispatch: the bind and ORM-plugin lookups, the
session's execution events, options merged into new dicts, a result wrapper.
On the page's small statements that was a sixth to a third of each one's
cost, some twelve statements a cold page. On the session's connection the
statement runs in the same transaction and returns the same rows.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session


def execute_core(
    session: Session, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """`session.execute(statement, parameters)` for a statement of table columns.

    TypeError for a statement that involves mapped classes: `Session.execute`
    would autoflush for it and may return ORM objects, which this does not.
    """
    if statement._propagate_attrs:
        raise TypeError("execute_core runs Core statements; build it from table columns")
    return session.connection().execute(statement, parameters)
