"""An installed catalog releases what an alias taken back had merged, at its next imports."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, ModelRedirect, Provider
from app.services.catalog.model_redirects import merge_models
from app.services.catalog.withdrawn_aliases import release_withdrawn_aliases
from app.services.ingest.genai_import import import_genai_prices
from app.services.ingest.models_dev_import import import_models_dev
from app.sources.models_dev import load_catalog

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
R1_0528 = "deepseek/deepseek-r1-0528"
ALIAS = "deepseek/deepseek-reasoner"


def model(session: Session, slug: str) -> Model:
    return session.scalars(select(Model).where(Model.slug == slug)).one()


def deepseek_offers(session: Session, slug: str) -> list[tuple[str, str]]:
    """(provider model id, status) of DeepSeek's own endpoints of a model."""
    rows = session.execute(
        select(Endpoint.provider_model_id, Endpoint.status)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .join(Model, Model.id == Endpoint.model_id)
        .where(Model.slug == slug, Provider.slug == "deepseek")
    )
    return sorted(tuple(row) for row in rows)


def test_the_offers_and_facts_of_a_withdrawn_alias_leave_the_model_it_merged_them_into(
    catalog_session: Session,
) -> None:
    # The catalog as the release that read `deepseek-reasoner` as R1-0528 left it.
    merge_models(
        session=catalog_session,
        old=model(catalog_session, ALIAS),
        canonical=model(catalog_session, R1_0528),
    )
    catalog_session.flush()
    assert deepseek_offers(catalog_session, R1_0528) == [("deepseek-reasoner", "active")]

    import_genai_prices(session=catalog_session, now=NOW)
    import_models_dev(session=catalog_session, catalog=load_catalog(), now=NOW)
    catalog_session.flush()

    alias, r1_0528 = model(catalog_session, ALIAS), model(catalog_session, R1_0528)
    assert deepseek_offers(catalog_session, ALIAS) == [("deepseek-reasoner", "active")]
    assert deepseek_offers(catalog_session, R1_0528) == [("deepseek-reasoner", "retired")]
    assert alias.context_window == 1_000_000
    assert r1_0528.context_window is not None
    assert r1_0528.context_window <= 164_000
    redirect = select(ModelRedirect).where(ModelRedirect.old_slug == ALIAS)
    assert catalog_session.scalars(redirect).all() == []
    assert release_withdrawn_aliases(session=catalog_session, now=NOW) == 0


def test_a_catalog_that_never_merged_the_alias_has_nothing_to_release(
    catalog_session: Session,
) -> None:
    before = deepseek_offers(catalog_session, ALIAS)

    assert release_withdrawn_aliases(session=catalog_session, now=NOW) == 0
    assert deepseek_offers(catalog_session, ALIAS) == before == [("deepseek-reasoner", "active")]
