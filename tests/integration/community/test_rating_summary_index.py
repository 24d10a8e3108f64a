"""A model page sums up its ratings from an index, however many ratings the model has.

The summary (how many people gave each number of stars) is read on every render
that is not cached; through the unique (model_id, user_id) pair it read every
rating's row for the stars, a thousand on a popular model. SQLite's query plan
shows it now reads `ix_ratings_model_id_stars` alone.
"""

import pytest
from sqlalchemy.orm import Session

from app.services.community.community_page import ModelRef, load_community, load_rating_summary
from tests.support.databases import backend
from tests.support.query_plans import sqlite_plan, statements_sent


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
def test_the_rating_summary_reads_the_covering_index(catalog_session: Session) -> None:
    statements = statements_sent(
        catalog_session, lambda: load_rating_summary(session=catalog_session, model_id=1)
    )

    assert len(statements) == 1
    assert sqlite_plan(catalog_session.connection(), *statements[0]) == [
        "SEARCH ratings USING COVERING INDEX ix_ratings_model_id_stars (model_id=?)"
    ]


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
def test_the_model_pages_counts_read_both_covering_indexes(catalog_session: Session) -> None:
    """The model page asks for the rating and comment counts in one statement
    (`load_community`); each side still reads its model's entries in its index alone."""
    model = ModelRef(id=1, slug="mistral/mistral-small-2603", name="Mistral Small 4")
    statements = statements_sent(
        catalog_session,
        lambda: load_community(session=catalog_session, model=model, comments_page=None),
    )

    counts = [(s, p) for s, p in statements if "count(comments.hidden_at)" in s]
    assert len(statements) == 2
    assert len(counts) == 1
    searches = [
        step for step in sqlite_plan(catalog_session.connection(), *counts[0]) if "SEARCH" in step
    ]
    assert searches == [
        "SEARCH comments USING COVERING INDEX ix_comments_model_hidden (model_id=?)",
        "SEARCH ratings USING COVERING INDEX ix_ratings_model_id_stars (model_id=?)",
    ]
