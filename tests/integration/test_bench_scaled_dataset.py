"""The grown benchmark database (`bench.scaled_dataset`): N times the catalog, a busy model.

Run on the genai-prices catalog in a rolled-back transaction, with small
targets, so each check is about what the generator promises: counts that
multiply, identities that stay distinct, prices that scale, history that is
older than what the 1x pages show.
"""

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Comment,
    Endpoint,
    MetricHour,
    MetricSample,
    Model,
    ModelModality,
    Price,
    Provider,
    Rating,
    User,
)
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from bench.dataset import person_rows
from bench.scaled_dataset import (
    SIBLINGS,
    add_busy_model,
    add_samples,
    grow_catalog,
    siblings,
)


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def test_siblings_make_the_catalog_factor_times_its_size_with_distinct_suffixes() -> None:
    ten = siblings(10)
    twelve = siblings(12)

    assert len(ten) == 9
    assert len({sibling.slug_suffix for sibling in twelve}) == 11
    assert twelve[9].slug_suffix == f"{SIBLINGS[0][0]}-2"
    assert siblings(1) == []
    assert [sibling.at_twins for sibling in ten[:3]] == [True, False, True]


def test_grow_catalog_multiplies_models_endpoints_prices_and_modalities(
    catalog_session: Session,
) -> None:
    before = {table: count(catalog_session, table) for table in (Model, Endpoint, Price)}
    modalities = count(catalog_session, ModelModality)

    grow_catalog(catalog_session, siblings(3), random.Random(1))

    for table, number in before.items():
        assert count(catalog_session, table) == 3 * number
    assert count(catalog_session, ModelModality) == 3 * modalities
    slugs = catalog_session.scalars(select(Model.slug)).all()
    assert len(set(slugs)) == len(slugs)
    assert f"{REFERENCE_MODEL_SLUG}-mini" in slugs


def test_a_sibling_scales_its_prices_and_sells_at_the_providers_twins(
    catalog_session: Session,
) -> None:
    grow_catalog(catalog_session, siblings(3), random.Random(2))

    def standard_input(slug: str) -> tuple[Decimal, str]:
        price, provider = catalog_session.execute(
            select(Price.input, Provider.slug)
            .join(Endpoint, Endpoint.id == Price.endpoint_id)
            .join(Model, Model.id == Endpoint.model_id)
            .join(Provider, Provider.id == Endpoint.provider_id)
            .where(Model.slug == slug, Price.service_tier == "standard")
            .where(Price.effective_to.is_(None))
            .order_by(Provider.slug)
        ).first()
        return price, provider

    original, seller = standard_input(REFERENCE_MODEL_SLUG)
    turbo, turbo_seller = standard_input(f"{REFERENCE_MODEL_SLUG}-turbo")
    mini, mini_seller = standard_input(f"{REFERENCE_MODEL_SLUG}-mini")

    assert original * Decimal("0.72") <= turbo <= original * Decimal("0.88")
    assert original * Decimal("0.225") <= mini <= original * Decimal("0.275")
    assert (turbo_seller, mini_seller) == (f"{seller}-eu", seller)
    headline = catalog_session.scalar(
        select(Model.price_input_min).where(Model.slug == f"{REFERENCE_MODEL_SLUG}-mini")
    )
    assert headline is not None and headline <= mini


def test_the_busy_model_gets_its_ratings_and_older_comments(catalog_session: Session) -> None:
    now = utcnow()
    people = person_rows(range(1, 6), "hash", now)
    catalog_session.execute(
        insert(User), [*people, {**people[0], "email": "admin@example.test", "is_admin": True}]
    )
    model_id = catalog_session.scalars(
        select(Model.id).where(Model.slug == REFERENCE_MODEL_SLUG)
    ).one()
    reader = catalog_session.scalars(select(User.id).order_by(User.id)).first()
    catalog_session.execute(
        insert(Comment),
        [{"model_id": model_id, "user_id": reader, "body": "today", "created_at": now}],
    )

    add_busy_model(catalog_session, random.Random(3), now, comments=40, ratings=12)

    assert count(catalog_session, Rating) == 12
    assert count(catalog_session, User) == 13
    comments = catalog_session.scalars(
        select(Comment.created_at).where(Comment.model_id == model_id)
    ).all()
    assert len(comments) == 40
    assert max(comments) == now
    assert sorted(comments)[-2] < now


def test_samples_fill_the_table_to_its_total_with_hourly_means(catalog_session: Session) -> None:
    now = utcnow()
    before = count(catalog_session, MetricSample)
    existing = set(catalog_session.scalars(select(MetricSample.id)))

    add_samples(
        catalog_session, random.Random(4), now, total=before + 500, history=timedelta(days=3)
    )

    assert count(catalog_session, MetricSample) == before + 500
    added = catalog_session.scalars(
        select(MetricSample.measured_at).where(MetricSample.id.not_in(existing))
    ).all()
    assert min(added) >= now - timedelta(days=3)
    sampled = catalog_session.scalars(select(MetricSample.endpoint_id).distinct()).all()
    hourly = catalog_session.scalars(select(MetricHour.endpoint_id).distinct()).all()
    assert set(sampled) == set(hourly)
