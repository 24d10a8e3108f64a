"""The content version follows the writes a session makes, and moves at their commit.

No writer says what it changed: the session notes the page content it
flushes and executes (`services.publishing.page_content` says which tables pages show),
and the commit increments the counter. The increment is the last statement
before COMMIT: were it made at the first write, the row would stay locked for
the rest of that transaction and every other writer would wait for it.
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from app.db import ConnectionLimits, make_engine, make_session_factory, utcnow
from app.models import Author, Comment, JobLease, Model, Rating, RefreshRun, User
from app.services.accounts.sessions import SessionPolicy, create_session
from app.services.community.comments import add_comment
from app.services.community.ratings import rate_model
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.services.publishing.content_version import (
    CATALOG,
    PAGES,
    ContentChange,
    current_version,
    subscribe,
)
from tests.support.community_data import make_user
from tests.support.databases import backend
from tests.support.metrics_refresh import SeededDatabase, seeded_database

DAY = timedelta(days=1)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "content_version") as seeded:
        yield seeded


class Heard:
    """The changes committed to one database, as a page cache hears them."""

    def __init__(self, database: SeededDatabase) -> None:
        self.database = str(database.engine.url)
        self.all: list[ContentChange] = []
        subscribe(self)

    def content_changed(self, change: ContentChange) -> None:
        self.all.append(change)

    @property
    def changes(self) -> list[ContentChange]:
        return [change for change in self.all if change.database == self.database]


@pytest.fixture
def heard(database: SeededDatabase) -> Heard:
    return Heard(database)


def _reference(session: Session) -> Model:
    return session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()


def _version(database: SeededDatabase) -> int:
    with database.factory() as session:
        return current_version(session)


def _versions(database: SeededDatabase) -> tuple[int, int]:
    """The pages counter and the catalog counter."""
    with database.factory() as session:
        return current_version(session, PAGES), current_version(session, CATALOG)


def test_a_rating_moves_the_version_once_at_commit_and_names_its_model(
    database: SeededDatabase, heard: Heard
) -> None:
    before = _version(database)
    with database.factory() as session:
        model_id = _reference(session).id
        person = make_user(session, "Rater")
        rate_model(session=session, model_id=model_id, user_id=person.id, stars=3)
        rate_model(session=session, model_id=model_id, user_id=person.id, stars=4)
        assert current_version(session) == before, "the counter moves only at commit"
        session.commit()

    assert _version(database) == before + 1
    assert heard.changes == [
        ContentChange(
            database=heard.database,
            model_slugs=frozenset({REFERENCE_MODEL_SLUG}),
            before=before,
            after=before + 1,
        )
    ]


def test_a_comment_flushed_by_the_commit_itself_is_noted(
    database: SeededDatabase, heard: Heard
) -> None:
    with database.factory() as session:
        person = make_user(session, "Commenter")
        session.commit()
        heard.all.clear()
        session.add(Comment(model_id=_reference(session).id, user_id=person.id, body="Unflushed"))
        session.commit()

    [change] = heard.changes
    assert change.model_slugs == {REFERENCE_MODEL_SLUG}


def test_a_write_to_a_table_any_page_shows_changes_every_page(
    database: SeededDatabase, heard: Heard
) -> None:
    with database.factory() as session:
        session.execute(
            update(Model).where(Model.slug == REFERENCE_MODEL_SLUG).values(name="Renamed")
        )
        session.commit()
    with database.factory() as session:
        session.add(Author(slug="new-lab", name="New Lab"))
        session.commit()

    assert [change.model_slugs for change in heard.changes] == [None, None]


def test_a_rolled_back_write_moves_nothing(database: SeededDatabase, heard: Heard) -> None:
    before = _version(database)
    with database.factory() as session:
        _reference(session).name = "Never committed"
        session.flush()
        session.rollback()
        session.commit()

    assert _version(database) == before
    assert heard.changes == []


def test_writes_that_change_no_page_move_nothing(database: SeededDatabase, heard: Heard) -> None:
    before = _version(database)
    with database.factory() as session:
        model = _reference(session)
        model.name = model.name  # the same value: no UPDATE
        session.execute(delete(Comment).where(Comment.body == "no such comment"))
        person = make_user(session, "Signing In")  # a new person shows nowhere yet
        session.commit()
        person.password_hash = "another hash"
        create_session(session=session, user=person, policy=SessionPolicy(DAY, DAY))
        session.add(JobLease(name="a job", holder="me", expires_at=utcnow() + DAY))
        session.add(RefreshRun(source="a test", status="ok"))
        session.commit()
        person.display_name = "Renamed Before Writing Anything"  # shown, but on no page yet
        session.commit()

    assert _version(database) == before
    assert heard.changes == []


def test_a_new_name_changes_the_pages_its_person_wrote_on(
    database: SeededDatabase, heard: Heard
) -> None:
    with database.factory() as session:
        person = make_user(session, "Named")
        add_comment(session=session, model_id=_reference(session).id, author=person, body="Hi")
        session.commit()
        heard.all.clear()
        session.get(User, person.id).display_name = "Renamed"
        session.commit()

    [change] = heard.changes
    assert change.model_slugs == {REFERENCE_MODEL_SLUG}


@pytest.mark.skipif(backend() != "postgresql", reason="SQLite runs one writer at a time by design")
def test_a_writer_does_not_wait_for_another_writers_open_transaction(
    database: SeededDatabase,
) -> None:
    impatient = make_engine(database.url, ConnectionLimits(lock_timeout=0.5))
    try:
        with database.factory() as slow, make_session_factory(impatient)() as quick:
            slow.execute(update(Model).where(Model.slug == REFERENCE_MODEL_SLUG).values(name="A"))
            slow.flush()

            quick.add(Author(slug="quick-lab", name="Quick Lab"))
            quick.commit()  # would time out if `slow` held the counter's row

            slow.commit()
            assert current_version(quick) == current_version(slow)
    finally:
        impatient.dispose()


def test_community_writes_move_the_pages_counter_only(database: SeededDatabase) -> None:
    pages, catalog = _versions(database)
    with database.factory() as session:
        model_id = _reference(session).id
        person = make_user(session, "Community")
        rate_model(session=session, model_id=model_id, user_id=person.id, stars=5)
        session.commit()
        add_comment(session=session, model_id=model_id, author=person, body="Good value")
        session.commit()
        person.display_name = "Renamed Community"
        session.commit()

    assert _versions(database) == (pages + 3, catalog)


def test_a_catalog_write_moves_both_counters_in_one_statement_before_its_commit(
    database: SeededDatabase,
) -> None:
    pages, catalog = _versions(database)
    executed: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        executed.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    event.listen(database.engine, "commit", lambda _connection: executed.append("COMMIT"))
    with database.factory() as session:
        _reference(session).name = "Renamed Model"
        session.commit()

    counters = [sql for sql in executed if "content_versions" in sql]
    assert len(counters) == 1
    assert executed[executed.index(counters[0]) + 1] == "COMMIT"
    assert _versions(database) == (pages + 1, catalog + 1)


def test_a_commit_failing_after_the_increment_moves_neither_counter(
    database: SeededDatabase, heard: Heard
) -> None:
    before = _versions(database)
    incremented_in_the_transaction: list[tuple[int, int]] = []

    def fail(session: Session) -> None:
        incremented_in_the_transaction.append(
            (current_version(session, PAGES), current_version(session, CATALOG))
        )
        raise RuntimeError("the commit fails after the counters were incremented")

    with database.factory() as session:
        _reference(session).name = "Never committed"
        event.listen(session, "before_commit", fail)
        with pytest.raises(RuntimeError):
            session.commit()
        session.rollback()

    assert incremented_in_the_transaction == [(before[0] + 1, before[1] + 1)]
    assert _versions(database) == before
    assert heard.changes == []


def test_a_catalog_write_after_a_community_write_on_every_page_still_moves_the_catalog(
    database: SeededDatabase,
) -> None:
    pages, catalog = _versions(database)
    with database.factory() as session:
        person = make_user(session, "Rater")
        rate_model(session=session, model_id=_reference(session).id, user_id=person.id, stars=1)
        session.commit()
        # A delete chosen by a WHERE clause could touch any model's ratings: every page.
        session.execute(delete(Rating).where(Rating.stars == 1))
        _reference(session).name = "Renamed After"
        session.commit()

    assert _versions(database) == (pages + 2, catalog + 1)
