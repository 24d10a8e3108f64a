"""Two ratings by one person arriving at once leave one row, on SQLite and PostgreSQL.

Each submission runs in its own thread, on its own connection, and commits
for real (so this uses its own database, not the rolled-back fixtures). The
first submission writes and holds its transaction open; the second is sent
while the first is uncommitted, so it has to wait on the database (row lock
on PostgreSQL, write lock on SQLite) and only then find the first one's row.
A "select, then insert or update" would fail here with a unique violation;
the INSERT ... ON CONFLICT DO UPDATE turns the second into an update.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.models import Rating
from app.services.community.ratings import rate_model
from tests.support.community_data import make_model, make_user
from tests.support.overlapping_writes import engine_of_its_own, second_waits_for_first


@pytest.fixture(scope="module")
def race_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engine_of_its_own(tmp_path_factory.mktemp("ratings-race"), "ratings_race") as engine:
        yield engine


@pytest.fixture
def factory(race_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=race_engine, expire_on_commit=False)


def test_two_simultaneous_ratings_leave_one_row(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        model_id = make_model(session, "race/model").id
        user_id = make_user(session, "Racer").id
    second_waits_for_first(
        factory,
        lambda session: rate_model(session=session, model_id=model_id, user_id=user_id, stars=2),
        lambda session: rate_model(session=session, model_id=model_id, user_id=user_id, stars=5),
    )

    with factory() as session:
        rows = session.execute(
            select(Rating.user_id, Rating.stars).where(Rating.model_id == model_id)
        ).all()
    assert [tuple(row) for row in rows] == [(user_id, 5)]
