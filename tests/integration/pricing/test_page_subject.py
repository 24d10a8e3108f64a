"""The model page prices its calculator on the offers it read itself (`page_subject`).

The page's endpoint rows carry every current standard and batch price column,
so the calculator does not read the model's offers a second time. What it makes
of them must be what `load_subjects` makes of its own statement, for every model.
"""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Model
from app.services.model_page.model_page_loader import load_model_page
from app.services.pricing.calculator import load_subjects, page_subject

STALE_AFTER = timedelta(hours=2)


def test_every_models_page_subject_is_the_one_the_calculator_loads(
    catalog_session: Session,
) -> None:
    slugs = list(catalog_session.scalars(select(Model.slug).order_by(Model.slug)))
    loaded = load_subjects(session=catalog_session, slugs=slugs)
    batch_priced = long_context = 0
    for slug in slugs:
        author_slug, _, model_slug = slug.partition("/")
        page = load_model_page(
            session=catalog_session,
            author_slug=author_slug,
            model_slug=model_slug,
            stale_after=STALE_AFTER,
        )
        assert page is not None
        subject = page_subject(page)
        assert subject == loaded[slug], slug
        batch_priced += any(offer.batch is not None for offer in subject.offers)
        long_context += any(
            offer.standard is not None and offer.standard.long_context_threshold is not None
            for offer in subject.offers
        )
    # The comparison covers what only the calculator reads of a price row.
    assert batch_priced > 10
    assert long_context > 10


def test_a_page_computed_afresh_reads_the_models_offers_once(
    memo_clients: tuple[TestClient, TestClient], count_queries
) -> None:
    """Without the memos every statement of the page runs: the calculator's estimate and
    its comparable models (whose costs the import stored) read no offers of their own."""
    _, computing = memo_clients
    count_queries.statements.clear()
    page = computing.get("/models/mistral/mistral-small-2603")

    assert page.status_code == 200
    assert "Estimated monthly bill" in page.text
    offer_reads = [sql for sql in count_queries.statements if "endpoint_context_window" in sql]
    assert offer_reads == []
