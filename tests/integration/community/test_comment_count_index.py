"""A model page counts its comments from an index, however many comments the model has.

The counts (all comments, hidden ones) decide the thread's pages on every
render that is not cached; through the (model_id, created_at) index they
read every comment row, 100,000 on a busy model. SQLite's query plan shows
they now read `ix_comments_model_hidden` alone.
"""

import pytest
from sqlalchemy.orm import Session

from app.services.community.community_page import load_thread
from tests.support.databases import backend
from tests.support.query_plans import sqlite_plan, statements_sent


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
def test_the_comment_counts_read_the_covering_index(catalog_session: Session) -> None:
    statements = statements_sent(
        catalog_session,
        lambda: load_thread(session=catalog_session, model_id=1, page_text=None),
    )

    counts = [(s, p) for s, p in statements if "count(comments.hidden_at)" in s]
    assert len(counts) == 1
    assert sqlite_plan(catalog_session.connection(), *counts[0]) == [
        "SEARCH comments USING COVERING INDEX ix_comments_model_hidden (model_id=?)"
    ]
