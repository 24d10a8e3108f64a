"""A model page reads its comment and rating counts from one row, however many there are.

The counts (all comments, hidden ones, ratings by stars) decide the ratings
summary and the thread's pages on every render that is not cached. Counted
from the comments and ratings, they read an index entry per comment and
rating: 9.7 ms for the benchmark's 100,000 comments and 10,000 ratings. They
are now the model's row of `model_community_counts`, which triggers keep
(`test_community_counts`): one statement, by the primary key.
"""

import pytest
from sqlalchemy.orm import Session

from app.services.community.community_page import (
    ModelRef,
    load_community,
    load_rating_summary,
    load_thread,
)
from app.services.community.ratings import rate_model
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from tests.support.community_data import add_comments, make_model, make_user
from tests.support.databases import backend
from tests.support.query_plans import sqlite_plan, statements_sent

COUNTS_TABLE = "FROM model_community_counts"


def _busy_model(session: Session) -> ModelRef:
    model = make_model(session, "lab/busy")
    for number, stars in enumerate((5, 4, 4), start=1):
        user = make_user(session, f"Reader{number}")
        rate_model(session=session, model_id=model.id, user_id=user.id, stars=stars)
        add_comments(session, model, user, 3)
    return ModelRef(id=model.id, slug=model.slug, name=model.name)


def test_each_loader_reads_the_counts_in_one_statement_and_no_comment_or_rating(
    session: Session,
) -> None:
    model = _busy_model(session)
    loads = {
        "block": lambda: load_community(session=session, model=model, comments_page=None),
        "summary": lambda: load_rating_summary(session=session, model_id=model.id),
        "thread": lambda: load_thread(session=session, model_id=model.id, page_text=None),
    }

    sent = {name: statements_sent(session, load) for name, load in loads.items()}

    counts = {
        name: [s for s, _ in statements if COUNTS_TABLE in s] for name, statements in sent.items()
    }
    assert {name: len(found) for name, found in counts.items()} == {
        "block": 1,
        "summary": 1,
        "thread": 1,
    }
    assert len({s for found in counts.values() for s in found}) == 1, "the same statement"
    # The block's other statement is its page of comments; the summary sends nothing else.
    assert [len(statements) for statements in sent.values()] == [2, 1, 2]
    for statements in sent.values():
        assert not any("FROM ratings" in s or "count(" in s for s, _ in statements)


def test_the_block_and_the_standalone_loaders_read_the_same_figures(session: Session) -> None:
    model = _busy_model(session)

    block = load_community(session=session, model=model, comments_page=None)

    assert block.ratings == load_rating_summary(session=session, model_id=model.id)
    assert block.thread == load_thread(session=session, model_id=model.id, page_text=None)
    assert (block.ratings.count, str(block.ratings.average)) == (3, "4.3")
    assert [(bar.stars, bar.count) for bar in block.ratings.histogram] == [
        (5, 1),
        (4, 2),
        (3, 0),
        (2, 0),
        (1, 0),
    ]
    assert block.thread.visible_count == 9


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
def test_the_counts_are_read_by_the_primary_key(catalog_session: Session) -> None:
    model = ModelRef(id=1, slug=REFERENCE_MODEL_SLUG, name="Mistral Small 4")
    statements = statements_sent(
        catalog_session,
        lambda: load_community(session=catalog_session, model=model, comments_page=None),
    )

    (counts,) = [(s, p) for s, p in statements if COUNTS_TABLE in s]
    assert sqlite_plan(catalog_session.connection(), *counts) == [
        "SEARCH model_community_counts USING INTEGER PRIMARY KEY (rowid=?)"
    ]
