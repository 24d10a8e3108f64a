"""`UTCDateTime` reads every stored form back as an aware UTC datetime, on each backend.

SQLite keeps datetimes as text, and the column reads the usual form in one
parse (`UTCDateTime.result_processor`); these tests pin that every other form
it may meet is still read as the general path reads it.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.models import RefreshRun


def _read_stored_text(session: Session, stored: str) -> datetime | None:
    """What a `UTCDateTime` column holding the text `stored` reads as (SQLite only)."""
    as_stored = text("SELECT :stored AS read").bindparams(stored=stored).columns(read=UTCDateTime)
    return session.execute(as_stored).scalar_one()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-12-03 07:00:00.000000", datetime(2026, 12, 3, 7, tzinfo=UTC)),
        ("2026-12-03 07:00:00.250000", datetime(2026, 12, 3, 7, 0, 0, 250000, tzinfo=UTC)),
        ("2026-12-03 07:00:00", datetime(2026, 12, 3, 7, tzinfo=UTC)),
        ("2026-12-03T07:00", datetime(2026, 12, 3, 7, tzinfo=UTC)),
        ("2026-12-03", datetime(2026, 12, 3, tzinfo=UTC)),
        ("2026-12-03 09:00:00+02:00", datetime(2026, 12, 3, 7, tzinfo=UTC)),
        ("2026-12-03 07:00:00Z", datetime(2026, 12, 3, 7, tzinfo=UTC)),
    ],
)
def test_sqlite_text_reads_as_aware_utc(session: Session, stored: str, expected: datetime) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("only SQLite stores datetimes as text")
    read = _read_stored_text(session, stored)
    assert read == expected
    assert read is not None and read.tzinfo is UTC


def test_sqlite_text_that_is_no_datetime_is_refused(session: Session) -> None:
    """Not silently read as something: the general parser's error stands."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("only SQLite stores datetimes as text")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        _read_stored_text(session, "yesterday")


def test_written_datetimes_read_back_equal_and_utc(session: Session) -> None:
    """Whatever offset a datetime is written with, it reads back as the same instant in UTC."""
    east = timezone(timedelta(hours=5, minutes=30))
    written = datetime(2026, 12, 3, 12, 30, 15, 123456, tzinfo=east)
    run = RefreshRun(source="openrouter", status="ok", started_at=written, finished_at=None)
    session.add(run)
    session.flush()
    started, finished = session.execute(
        select(RefreshRun.started_at, RefreshRun.finished_at).where(RefreshRun.id == run.id)
    ).one()
    assert started == written
    assert started.tzinfo is UTC
    assert started.utcoffset() == timedelta(0)
    assert finished is None
