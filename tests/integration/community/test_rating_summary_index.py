"""A model page sums up its ratings from an index, however many ratings the model has.

The summary (how many people gave each number of stars) is read on every render
that is not cached; through the unique (model_id, user_id) pair it read every
rating's row for the stars, a thousand on a popular model. SQLite's query plan
shows it now reads `ix_ratings_model_id_stars` alone.
"""

import pytest
from sqlalchemy.orm import Session

from app.services.community.community_page import load_rating_summary
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
