"""An upgraded catalog merges the copies an earlier models.dev run made of hosts' spellings."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ExternalId, Model, ModelRedirect, Rating
from app.services.ingest.models_dev_import import merge_respelled_models
from tests.support.community_data import make_model, make_user


def copy_of(session: Session, slug: str, *ids: tuple[str, str]) -> Model:
    """A model as an earlier run made it, known only by these (source, id) pairs."""
    model = make_model(session, slug)
    session.add_all(ExternalId(model_id=model.id, source=s, external_id=i) for s, i in ids)
    session.flush()
    return model


def canonical_of(session: Session, slug: str) -> int | None:
    """The model id a slug answers with: its own, or its redirect's."""
    own = session.scalar(select(Model.id).where(Model.slug == slug))
    return own or session.scalar(
        select(ModelRedirect.model_id).where(ModelRedirect.old_slug == slug)
    )


def test_copies_of_stored_models_are_merged_with_their_ratings(catalog_session: Session) -> None:
    gpt_4o = catalog_session.scalars(select(Model).where(Model.slug == "openai/gpt-4o")).one()
    gpt_5_1 = catalog_session.scalars(select(Model).where(Model.slug == "openai/gpt-5.1")).one()
    unknown = copy_of(
        catalog_session,
        "unknown/openai-gpt-4o",
        ("models.dev:digitalocean", "openai-gpt-4o"),
        ("models.dev:venice", "openai-gpt-4o"),
    )
    copy_of(catalog_session, "openai/gpt-5-1", ("models.dev:databricks", "databricks-gpt-5-1"))
    rater = make_user(catalog_session, "Rater")
    catalog_session.add(Rating(model_id=unknown.id, user_id=rater.id, stars=4))
    catalog_session.flush()

    assert merge_respelled_models(session=catalog_session) == 2

    assert canonical_of(catalog_session, "unknown/openai-gpt-4o") == gpt_4o.id
    assert canonical_of(catalog_session, "openai/gpt-5-1") == gpt_5_1.id
    assert catalog_session.scalar(select(Rating.model_id).where(Rating.user_id == rater.id)) == (
        gpt_4o.id
    )


def test_a_model_of_its_own_or_named_by_another_source_stays(catalog_session: Session) -> None:
    own = copy_of(catalog_session, "unknown/the-grid-agent", ("models.dev:the-grid-ai", "agent-x"))
    named_elsewhere = copy_of(
        catalog_session,
        "unknown/openai-gpt-4o-mini",
        ("models.dev:digitalocean", "openai-gpt-4o-mini"),
        ("genai-prices:digitalocean", "openai-gpt-4o-mini"),
    )

    assert merge_respelled_models(session=catalog_session) == 0

    slugs = set(catalog_session.scalars(select(Model.slug)))
    assert {own.slug, named_elsewhere.slug} <= slugs


def test_a_page_made_of_a_serving_variant_joins_its_model(catalog_session: Session) -> None:
    r1_0528 = catalog_session.scalars(
        select(Model).where(Model.slug == "deepseek/deepseek-r1-0528")
    ).one()
    copy_of(
        catalog_session,
        "deepseek/deepseek-r1-0528-tee",
        ("models.dev:chutes", "deepseek-ai/DeepSeek-R1-0528-TEE"),
    )

    assert merge_respelled_models(session=catalog_session) == 1

    assert canonical_of(catalog_session, "deepseek/deepseek-r1-0528-tee") == r1_0528.id


def test_a_suffixed_id_its_lab_sells_stays_a_model(catalog_session: Session) -> None:
    fp8 = copy_of(catalog_session, "xai/grok-3-fp8", ("models.dev:xai", "grok-3-fp8"))

    assert merge_respelled_models(session=catalog_session) == 0

    assert canonical_of(catalog_session, "xai/grok-3-fp8") == fp8.id
