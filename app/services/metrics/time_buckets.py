"""Truncating stored timestamps to the hour in SQL, the same way on SQLite and PostgreSQL.

Charts and retention both group metric samples by hour inside the database,
so neither has to pull every sample into Python.
"""

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, literal_column, type_coerce

from app.db import UTCDateTime

# SQLAlchemy stores a SQLite DATETIME as text laid out `YYYY-MM-DD HH:MM:SS.ffffff`:
# its first 13 characters name the hour, and this suffix makes them a stored
# timestamp again, which compares and loads like any other.
_SQLITE_HOUR_PREFIX_LENGTH = 13
_SQLITE_HOUR_SUFFIX = ":00:00.000000"


def hour_start(column: ColumnElement[datetime], dialect_name: str) -> ColumnElement[datetime]:
    """SQL for the start of the UTC hour containing `column`, loaded as an aware UTC datetime.

    PostgreSQL's `date_trunc` on a timestamptz works in the session's time
    zone; converting to UTC first keeps hours aligned to UTC whatever that is.
    The constants are inlined, not bound: PostgreSQL matches a SELECT
    expression to its GROUP BY only when both are textually the same, and
    separately numbered parameters are not. On SQLite the stored text is cut
    to the hour rather than reformatted with `strftime`, which parses every
    row and made the model page's week of samples take half again as long.
    """
    if dialect_name == "sqlite":
        hour = func.substr(
            column, literal_column("1"), literal_column(str(_SQLITE_HOUR_PREFIX_LENGTH))
        )
        truncated = hour.concat(literal_column(f"'{_SQLITE_HOUR_SUFFIX}'"))
    else:
        utc: ColumnElement[str] = literal_column("'UTC'")
        truncated = func.timezone(
            utc, func.date_trunc(literal_column("'hour'"), func.timezone(utc, column))
        )
    return type_coerce(truncated, UTCDateTime)


def floor_to_hour(moment: datetime) -> datetime:
    """The start of the UTC hour containing `moment`, in UTC."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
