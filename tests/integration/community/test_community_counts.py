"""The counts table follows every write to comments and ratings, on SQLite and PostgreSQL.

`model_community_counts` is kept by triggers (migration 0019), so these tests
write the way the application does, through the services and through Core
statements as bulk loaders do, and after each step compare every model's row
with what counting its comments and ratings gives
(`tests.support.community_counts`). Cascades are writes too: a deleted account
takes its ratings and a deleted model everything it had.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, case, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.models import Comment, Model, ModelCommunityCounts, Rating, User
from app.services.accounts import passwords
from app.services.accounts.account_actions import delete_account
from app.services.catalog.model_redirects import merge_models
from app.services.community.comments import add_comment, delete_comment, edit_comment, set_hidden
from app.services.community.community_page import (
    ModelRef,
    load_community,
    load_rating_summary,
    load_thread,
)
from app.services.community.ratings import rate_model
from tests.support.community_counts import NO_COUNTS, assert_counts_exact, stored_counts
from tests.support.community_data import make_model, make_user
from tests.support.overlapping_writes import engine_of_its_own, second_waits_for_first

PASSWORD = "a passphrase for deleting"

_comment = Comment.__table__
_rating = Rating.__table__


def _person(session: Session, name: str, *, admin: bool = False) -> User:
    """Someone who can delete their own account (their password is a real hash)."""
    user = make_user(session, name, admin=admin)
    user.password_hash = passwords.hash_password(PASSWORD)
    return user


def test_every_write_path_keeps_the_counts_exact(session: Session) -> None:
    first, second, third = (make_model(session, f"lab/model-{n}") for n in (1, 2, 3))
    ada, bob, cy = (_person(session, name) for name in ("Ada", "Bob", "Cy"))
    admin = _person(session, "Admin", admin=True)
    now = datetime.now(UTC)

    # Comments through the services.
    ada_first = add_comment(session=session, model_id=first.id, author=ada, body="One")
    assert_counts_exact(session, "post a first comment")
    bob_first = add_comment(session=session, model_id=first.id, author=bob, body="Two")
    add_comment(session=session, model_id=second.id, author=ada, body="Elsewhere")
    assert_counts_exact(session, "post more comments")
    edit_comment(session=session, comment_id=ada_first.id, editor=ada, body="One, edited")
    assert_counts_exact(session, "edit a comment")
    set_hidden(session=session, comment_id=bob_first.id, moderator=admin, hidden=True)
    assert_counts_exact(session, "hide a comment")
    set_hidden(session=session, comment_id=bob_first.id, moderator=admin, hidden=True)
    assert_counts_exact(session, "hide it again")
    set_hidden(session=session, comment_id=bob_first.id, moderator=admin, hidden=False)
    assert_counts_exact(session, "unhide it")
    set_hidden(session=session, comment_id=bob_first.id, moderator=admin, hidden=True)
    delete_comment(session=session, comment_id=ada_first.id, user=ada)
    assert_counts_exact(session, "delete a visible comment")
    delete_comment(session=session, comment_id=bob_first.id, user=bob)
    assert_counts_exact(session, "delete a hidden comment")

    # Ratings through the service (an upsert), and one removed by a statement.
    rate_model(session=session, model_id=first.id, user_id=ada.id, stars=4)
    assert_counts_exact(session, "rate")
    rate_model(session=session, model_id=first.id, user_id=ada.id, stars=4)
    assert_counts_exact(session, "rate again, the same stars")
    rate_model(session=session, model_id=first.id, user_id=ada.id, stars=2)
    assert_counts_exact(session, "rate again, other stars")
    for user, model, stars in ((bob, first, 5), (cy, first, 1), (bob, second, 3), (cy, third, 3)):
        rate_model(session=session, model_id=model.id, user_id=user.id, stars=stars)
    assert_counts_exact(session, "more ratings")
    session.execute(
        delete(_rating).where(_rating.c.user_id == cy.id, _rating.c.model_id == first.id)
    )
    assert_counts_exact(session, "remove a rating")

    # Bulk Core statements: row by row (executemany) and many rows, several models, at once.
    session.execute(
        insert(_comment),
        [
            {"model_id": model.id, "user_id": cy.id, "body": f"Bulk {n}", "hidden_at": hidden}
            for n, (model, hidden) in enumerate(
                [(first, None), (first, now), (second, None), (third, now), (third, None)]
            )
        ],
    )
    assert_counts_exact(session, "insert comments row by row")
    session.execute(
        insert(_comment).values(
            [
                {"model_id": model.id, "user_id": bob.id, "body": f"Many {n}", "hidden_at": hidden}
                for n, (model, hidden) in enumerate(
                    [(first, now), (second, None), (second, now), (third, None)]
                )
            ]
        )
    )
    assert_counts_exact(session, "insert comments in one statement")
    session.execute(
        insert(_rating).values(
            [
                {"model_id": second.id, "user_id": ada.id, "stars": 5},
                {"model_id": third.id, "user_id": ada.id, "stars": 1},
                {"model_id": third.id, "user_id": bob.id, "stars": 1},
                {"model_id": second.id, "user_id": cy.id, "stars": 2},
            ]
        )
    )
    assert_counts_exact(session, "insert ratings in one statement")
    session.execute(update(_comment).where(_comment.c.model_id == third.id).values(hidden_at=now))
    assert_counts_exact(session, "hide a model's comments in one statement")
    session.execute(update(_rating).where(_rating.c.model_id == third.id).values(stars=4))
    assert_counts_exact(session, "change ratings' stars in one statement")
    visible = session.scalars(
        select(_comment.c.id).where(_comment.c.model_id == first.id, _comment.c.hidden_at.is_(None))
    ).first()
    hidden = session.scalars(
        select(_comment.c.id).where(
            _comment.c.model_id == third.id, _comment.c.hidden_at.is_not(None)
        )
    ).first()
    session.execute(
        update(_comment)
        .where(_comment.c.id.in_([visible, hidden]))
        .values(model_id=case((_comment.c.model_id == first.id, third.id), else_=first.id))
    )
    assert_counts_exact(session, "swap a visible and a hidden comment between models")
    session.execute(
        update(_comment).where(_comment.c.model_id == second.id).values(body="Same counts")
    )
    assert_counts_exact(session, "edit bodies in one statement")
    session.execute(
        delete(_comment).where(_comment.c.model_id == first.id, _comment.c.hidden_at.is_not(None))
    )
    assert_counts_exact(session, "delete comments in one statement")

    # A merge moves comments (one statement) and ratings: a person who rated both keeps the
    # newer (Ada: the old model's, copied over hers; Bob: his own, the old one deleted), Cy's
    # moves. Then it deletes the old model.
    for user, when in ((ada, now + timedelta(days=1)), (bob, now - timedelta(days=1))):
        session.execute(
            update(_rating)
            .where(_rating.c.model_id == second.id, _rating.c.user_id == user.id)
            .values(updated_at=when)
        )
    first_id, second_id, third_id = first.id, second.id, third.id
    session.expire_all()
    merge_models(
        session=session,
        old=session.get_one(Model, second_id),
        canonical=session.get_one(Model, first_id),
    )
    counts = assert_counts_exact(session, "merge the second model into the first")
    assert second_id not in counts
    assert session.get(ModelCommunityCounts, second_id) is None

    # Deleting an account: its ratings go (a cascade), its comments stay without an author.
    delete_account(session=session, user=session.get_one(User, bob.id), password=PASSWORD)
    assert_counts_exact(session, "delete an account")

    # Deleting a model: its comments and ratings go, and its row of counts with them.
    session.execute(delete(Model.__table__).where(Model.__table__.c.id == third_id))
    counts = assert_counts_exact(session, "delete a model")
    assert third_id not in counts
    assert session.get(ModelCommunityCounts, third_id) is None
    assert counts[first_id] != NO_COUNTS


def test_a_deleted_accounts_ratings_leave_the_counts_through_the_cascade(
    session: Session,
) -> None:
    """The database deletes the ratings (ON DELETE CASCADE): the triggers still see them."""
    model = make_model(session)
    leaving, staying = _person(session, "Leaving"), _person(session, "Staying")
    rate_model(session=session, model_id=model.id, user_id=leaving.id, stars=5)
    rate_model(session=session, model_id=model.id, user_id=staying.id, stars=3)
    add_comment(session=session, model_id=model.id, author=leaving, body="Kept after I go")
    assert stored_counts(session)[model.id] == (1, 0, 0, 0, 1, 0, 1)

    session.execute(delete(User.__table__).where(User.__table__.c.id == leaving.id))

    assert stored_counts(session)[model.id] == (1, 0, 0, 0, 1, 0, 0)
    assert_counts_exact(session)


def test_a_deleted_model_takes_its_row_of_counts_and_leaves_the_others(session: Session) -> None:
    deleted, kept = make_model(session, "lab/deleted"), make_model(session, "lab/kept")
    ada = make_user(session, "Ada")
    for model in (deleted, kept):
        rate_model(session=session, model_id=model.id, user_id=ada.id, stars=4)
        add_comment(session=session, model_id=model.id, author=ada, body="Hello")

    session.execute(delete(Model.__table__).where(Model.__table__.c.id == deleted.id))

    assert session.execute(select(ModelCommunityCounts.model_id)).scalars().all() == [kept.id]
    assert stored_counts(session) == {kept.id: (1, 0, 0, 0, 0, 1, 0)}
    assert_counts_exact(session)


def test_a_model_whose_comments_and_ratings_all_went_reads_as_none(session: Session) -> None:
    """Its row stays, all zeros, and reads as a model never commented on or rated."""
    model, never = make_model(session, "lab/emptied"), make_model(session, "lab/never")
    ada = make_user(session, "Ada")
    rate_model(session=session, model_id=model.id, user_id=ada.id, stars=4)
    comment = add_comment(session=session, model_id=model.id, author=ada, body="Hello")
    delete_comment(session=session, comment_id=comment.id, user=ada)
    session.execute(delete(_rating).where(_rating.c.model_id == model.id))

    row = session.execute(
        select(*ModelCommunityCounts.__table__.c).where(ModelCommunityCounts.model_id == model.id)
    ).one()
    assert tuple(row) == (model.id, *NO_COUNTS)
    assert never.id not in session.execute(select(ModelCommunityCounts.model_id)).scalars().all()
    for subject in (model, never):
        ref = ModelRef(id=subject.id, slug=subject.slug, name=subject.name)
        block = load_community(session=session, model=ref, comments_page=None)
        assert block.ratings == load_rating_summary(session=session, model_id=subject.id)
        assert (block.ratings.count, block.ratings.average) == (0, None)
        assert [bar.count for bar in block.ratings.histogram] == [0, 0, 0, 0, 0]
        assert block.thread == load_thread(session=session, model_id=subject.id, page_text=None)
        assert (block.thread.visible_count, block.thread.comments) == (0, ())


@pytest.fixture(scope="module")
def race_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engine_of_its_own(tmp_path_factory.mktemp("counts-race"), "counts_race") as engine:
        yield engine


def test_two_first_comments_on_a_model_at_once_both_count(race_engine: Engine) -> None:
    """Each in its own committed transaction: the second writes while the first, which made
    the model's row of counts, is uncommitted, so it waits (a row lock on PostgreSQL, the
    write lock on SQLite) and then adds to that row instead of failing to make it again."""
    factory = sessionmaker(bind=race_engine, expire_on_commit=False)
    with session_scope(factory) as session:
        model_id = make_model(session, "race/model").id
        writers = [make_user(session, name) for name in ("First", "Second")]
    second_waits_for_first(
        factory,
        lambda session: add_comment(
            session=session, model_id=model_id, author=writers[0], body="1st"
        ),
        lambda session: add_comment(
            session=session, model_id=model_id, author=writers[1], body="2nd"
        ),
    )

    with factory() as session:
        assert stored_counts(session)[model_id] == (2, 0, 0, 0, 0, 0, 0)
        assert_counts_exact(session)
