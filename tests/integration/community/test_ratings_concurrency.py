"""Two ratings by one person arriving at once leave one row, on SQLite and PostgreSQL.

Each submission runs in its own thread, on its own connection, and commits
for real (so this uses its own database, not the rolled-back fixtures). The
first submission writes and holds its transaction open; the second is sent
while the first is uncommitted, so it has to wait on the database (row lock
on PostgreSQL, write lock on SQLite) and only then find the first one's row.
A "select, then insert or update" would fail here with a unique violation;
the INSERT ... ON CONFLICT DO UPDATE turns the second into an update.
"""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_scope
from app.models import Rating
from app.services.community.ratings import rate_model
from tests.support.community_data import make_model, make_user
from tests.support.database_templates import database_copy

SECOND_WRITER_HEAD_START_SECONDS = 0.5


@pytest.fixture(scope="module")
def race_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    directory: Path = tmp_path_factory.mktemp("ratings-race")
    with database_copy("migrated", directory, "ratings_race") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def factory(race_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=race_engine, expire_on_commit=False)


def test_two_simultaneous_ratings_leave_one_row(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        model_id = make_model(session, "race/model").id
        user_id = make_user(session, "Racer").id
    errors: list[BaseException] = []
    first_written = threading.Event()
    release_first = threading.Event()
    second_started = threading.Event()

    def first() -> None:
        try:
            with session_scope(factory) as session:
                rate_model(session=session, model_id=model_id, user_id=user_id, stars=2)
                first_written.set()
                release_first.wait(timeout=30)
        except BaseException as error:
            errors.append(error)
            first_written.set()

    def second() -> None:
        try:
            with session_scope(factory) as session:
                second_started.set()
                rate_model(session=session, model_id=model_id, user_id=user_id, stars=5)
        except BaseException as error:
            errors.append(error)

    first_thread = threading.Thread(target=first)
    second_thread = threading.Thread(target=second)
    first_thread.start()
    assert first_written.wait(timeout=30)
    second_thread.start()
    assert second_started.wait(timeout=30)
    second_thread.join(timeout=SECOND_WRITER_HEAD_START_SECONDS)
    second_was_waiting = second_thread.is_alive()
    release_first.set()
    first_thread.join(timeout=30)
    second_thread.join(timeout=30)

    assert errors == []
    assert second_was_waiting, "the second rating did not overlap the first's transaction"
    with factory() as session:
        rows = session.execute(
            select(Rating.user_id, Rating.stars).where(Rating.model_id == model_id)
        ).all()
    assert [tuple(row) for row in rows] == [(user_id, 5)]
