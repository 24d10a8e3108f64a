"""What is computed from the catalog outlives ratings and comments, and no catalog write.

The model page remembers what it computes from catalog data (its offers and
facts, comparable models, price and metric histories) under the catalog
version, which only catalog writes move; its ratings and comments, and the
page cache, stay under the pages version, which every write moves. As in
test_model_page_memo, a second app computing everything every time gives the
HTML the remembering app must give.
"""

from datetime import timedelta
from decimal import Decimal

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Endpoint, Model, Price
from app.services.community.comments import add_comment
from app.services.community.ratings import rate_model
from app.services.publishing.computed_memo import ComputedMemo
from tests.support.community_data import make_user
from tests.support.community_pages import MODEL_PATH

REFERENCE_SLUG = "mistral/mistral-small-2603"


def _memos(client: TestClient) -> tuple[ComputedMemo, ComputedMemo]:
    """The app's catalog memo and its pages memo."""
    state = client.app.state  # type: ignore[attr-defined]
    return state.catalog_memo, state.computed_memo


def _same_page(memo_clients: tuple[TestClient, TestClient]) -> str:
    remembering, computing = memo_clients
    remembered = remembering.get(MODEL_PATH)
    computed = computing.get(MODEL_PATH)
    assert remembered.status_code == computed.status_code == 200
    assert remembered.text == computed.text
    return remembered.text


def _ratings(html: str) -> str:
    section = BeautifulSoup(html, "html.parser").select_one("#ratings")
    assert section is not None
    return section.get_text(" ", strip=True)


def _reference_id(session: Session) -> int:
    return session.scalars(select(Model.id).where(Model.slug == REFERENCE_SLUG)).one()


def _rate(session: Session, stars: int) -> None:
    person = make_user(session, "Rater")
    rate_model(session=session, model_id=_reference_id(session), user_id=person.id, stars=stars)
    session.commit()


def test_a_rating_leaves_the_catalog_memo_warm_and_changes_the_ratings_block(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    catalog_memo, pages_memo = _memos(memo_clients[0])
    before = _same_page(memo_clients)
    remembered = len(catalog_memo)
    catalog_misses, pages_misses = catalog_memo.misses, pages_memo.misses

    _rate(catalog_session, 2)
    after = _same_page(memo_clients)

    assert _ratings(after) != _ratings(before)
    assert catalog_memo.misses == catalog_misses, "the catalog's figures were recomputed"
    assert len(catalog_memo) == remembered
    assert pages_memo.misses > pages_misses, "the community parts were not recomputed"


def test_after_a_rating_the_page_reads_no_catalog_table(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session, count_queries
) -> None:
    remembering, _ = memo_clients
    assert remembering.get(MODEL_PATH).status_code == 200
    _rate(catalog_session, 4)

    count_queries.statements.clear()
    assert remembering.get(MODEL_PATH).status_code == 200

    read = " ".join(sql for sql in count_queries.statements if sql.lstrip().startswith("SELECT"))
    assert "ratings" in read
    for table in ("prices", "endpoints", "metric_hours", "model_facts", "benchmark_scores"):
        assert f"FROM {table}" not in read and f"JOIN {table}" not in read, table


def test_a_comment_leaves_the_catalog_memo_warm(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    catalog_memo, _ = _memos(memo_clients[0])
    before = _same_page(memo_clients)
    catalog_misses = catalog_memo.misses

    person = make_user(catalog_session, "Commenter")
    add_comment(
        session=catalog_session,
        model_id=_reference_id(catalog_session),
        author=person,
        body="Fast enough for our summaries.",
    )
    catalog_session.commit()
    after = _same_page(memo_clients)

    assert "Fast enough for our summaries." not in before
    assert "Fast enough for our summaries." in after
    assert catalog_memo.misses == catalog_misses


def test_a_price_write_empties_the_catalog_memo(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    catalog_memo, _ = _memos(memo_clients[0])
    _same_page(memo_clients)
    assert len(catalog_memo) > 0
    catalog_misses = catalog_memo.misses

    now = utcnow() - timedelta(minutes=1)
    endpoint = catalog_session.scalars(
        select(Endpoint).where(Endpoint.model_id == _reference_id(catalog_session))
    ).first()
    assert endpoint is not None
    for current in catalog_session.scalars(
        select(Price).where(Price.endpoint_id == endpoint.id, Price.effective_to.is_(None))
    ):
        current.effective_to = now
    catalog_session.add(
        Price(
            endpoint_id=endpoint.id,
            service_tier="standard",
            effective_from=now,
            input=Decimal("0.123"),
            output=Decimal("0.456"),
            source="test",
        )
    )
    catalog_session.commit()
    remembered_before_the_view = len(catalog_memo)
    after = _same_page(memo_clients)

    assert remembered_before_the_view > 0, "nothing is forgotten before a view sees the write"
    assert catalog_memo.misses - catalog_misses == len(catalog_memo)
    assert "0.123" in after


def test_the_catalogs_lab_and_provider_lists_outlive_a_rating(
    memo_clients: tuple[TestClient, TestClient], catalog_session: Session
) -> None:
    remembering, _ = memo_clients
    catalog_memo, _ = _memos(remembering)
    assert remembering.get("/").status_code == 200
    catalog_misses = catalog_memo.misses

    _rate(catalog_session, 3)
    assert remembering.get("/").status_code == 200

    assert catalog_memo.misses == catalog_misses
    assert catalog_memo.hits > 0
