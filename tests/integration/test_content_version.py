"""The content version moves at commit, and writers do not queue behind each other's work.

Every write ends by incrementing one row. If the increment happened where a
writer called `bump`, the row would stay locked for the rest of that
transaction, and every other writer (a rating, a comment, a sign-up's
neighbour) would wait for it: the convoy seen under load. The increment is
the last statement before COMMIT instead.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db import ConnectionLimits, make_engine, make_session_factory
from app.models import Model
from app.services.content_version import ContentChange, bump, current_version, subscribe
from app.services.seed import REFERENCE_MODEL_SLUG
from tests.support.databases import backend
from tests.support.metrics_refresh import SeededDatabase, seeded_database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "content_version") as seeded:
        yield seeded


class Heard:
    def __init__(self) -> None:
        self.changes: list[ContentChange] = []

    def content_changed(self, change: ContentChange) -> None:
        self.changes.append(change)


def test_the_version_moves_once_per_commit_and_listeners_hear_the_models(
    database: SeededDatabase,
) -> None:
    heard = Heard()
    subscribe(heard)
    factory = database.factory
    with factory() as session:
        before = current_version(session)
        model_id = session.scalar(select(Model.id).where(Model.slug == REFERENCE_MODEL_SLUG))
    with factory() as session:
        session.execute(update(Model).where(Model.id == model_id).values(name="Renamed"))
        bump(session, model_ids=[model_id])
        bump(session, model_ids=[model_id])
        assert current_version(session) == before, "the counter moves only at commit"
        session.commit()
    with factory() as session:
        assert current_version(session) == before + 1
    mine = [change for change in heard.changes if change.database == str(database.engine.url)]
    assert mine == [
        ContentChange(
            database=str(database.engine.url),
            model_slugs=frozenset({REFERENCE_MODEL_SLUG}),
            before=before,
            after=before + 1,
        )
    ]


def test_a_rolled_back_write_moves_nothing(database: SeededDatabase) -> None:
    factory = database.factory
    with factory() as session:
        before = current_version(session)
        bump(session)
        session.rollback()
        session.commit()
        assert current_version(session) == before


@pytest.mark.skipif(backend() != "postgresql", reason="SQLite runs one writer at a time by design")
def test_a_writer_does_not_wait_for_another_writers_open_transaction(
    database: SeededDatabase,
) -> None:
    impatient = make_engine(database.url, ConnectionLimits(lock_timeout=0.5))
    try:
        with database.factory() as slow, make_session_factory(impatient)() as quick:
            slow.execute(update(Model).where(Model.slug == REFERENCE_MODEL_SLUG).values(name="A"))
            bump(slow)
            slow.flush()

            bump(quick)
            quick.commit()  # would time out if `slow` held the counter's row

            slow.commit()
            assert current_version(quick) == current_version(slow)
    finally:
        impatient.dispose()
