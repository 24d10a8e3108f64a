"""One model, one page: the imported catalog's identity, redirects, merges and retired offers."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Author, Comment, Endpoint, Model, ModelRedirect, Provider, Rating
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.catalog.model_redirects import merge_models
from app.services.ingest.genai_import import import_genai_prices
from app.sources.genai_prices import default_providers
from tests.support.community_data import make_model, make_user


def providers_of(session: Session, slug: str) -> set[str]:
    """`provider` or `provider:variant` of every live endpoint of a model."""
    rows = session.execute(
        select(Provider.slug, Endpoint.variant)
        .join(Endpoint, Endpoint.provider_id == Provider.id)
        .join(Model, Model.id == Endpoint.model_id)
        .where(Model.slug == slug, Endpoint.status != "retired")
    ).all()
    return {f"{p}:{v}" if v else p for p, v in rows}


@pytest.mark.parametrize("slug", ["meta/llama-3.3-70b-instruct", "meta/llama-3.1-8b-instruct"])
def test_llama_has_one_page_with_groq_cerebras_together_and_cloudflare(
    catalog_session: Session, slug: str
) -> None:
    hosts = {p.partition(":")[0] for p in providers_of(catalog_session, slug)}

    assert {"groq", "cerebras", "together", "cloudflare"} <= hosts
    family = slug.removesuffix("-instruct")
    others = catalog_session.scalars(
        select(Model.slug).where(Model.slug.like(f"{family}%"), Model.slug != slug)
    ).all()
    assert others == []


@pytest.mark.parametrize(
    ("short", "slug"),
    [
        ("meta/llama-4-scout", "meta/llama-4-scout-17b-16e-instruct"),
        ("meta/llama-4-maverick", "meta/llama-4-maverick-17b-128e-instruct"),
    ],
)
def test_llama_4_has_one_page_under_the_id_meta_publishes(
    catalog_session: Session, short: str, slug: str
) -> None:
    assert "openrouter" in {p.partition(":")[0] for p in providers_of(catalog_session, slug)}
    assert catalog_session.scalars(select(Model).where(Model.slug == short)).all() == []


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("openai/gpt-4o", "openai/gpt-4o-mini"),
        ("deepseek/deepseek-r1", "deepseek/deepseek-r1-0528"),
        ("moonshotai/kimi-k2", "moonshotai/kimi-k2-thinking"),
        ("anthropic/claude-sonnet-4-0", "anthropic/claude-sonnet-4-5"),
        ("meta/llama-3.1-405b", "meta/llama-3.1-405b-instruct"),
    ],
)
def test_over_merge_guards_hold_in_the_imported_catalog(
    catalog_session: Session, one: str, other: str
) -> None:
    found = catalog_session.scalars(select(Model.slug).where(Model.slug.in_([one, other]))).all()

    assert sorted(found) == sorted([one, other])


def test_deepseeks_moving_api_alias_is_a_model_apart_from_the_r1_checkpoint(
    catalog_session: Session,
) -> None:
    """`deepseek-reasoner` follows DeepSeek's newest reasoning model (models.dev gives it a
    1M-token context); merged into R1-0528 it put that context on the checkpoint's page."""
    r1_0528 = catalog_session.scalars(
        select(Model).where(Model.slug == "deepseek/deepseek-r1-0528")
    ).one()

    assert "deepseek" in providers_of(catalog_session, "deepseek/deepseek-reasoner")
    assert "deepseek" not in providers_of(catalog_session, "deepseek/deepseek-r1-0528")
    assert {"fireworks", "novita"} <= providers_of(catalog_session, "deepseek/deepseek-r1-0528")
    assert r1_0528.context_window is not None
    assert r1_0528.context_window <= 164_000


def test_subscription_products_are_not_providers(catalog_session: Session) -> None:
    slugs = set(catalog_session.scalars(select(Provider.slug)))

    assert not slugs & {"github-copilot", "cursor"}
    assert "github-copilot" not in providers_of(catalog_session, "openai/gpt-4o")


def test_provider_count_is_distinct_inference_providers(catalog_session: Session) -> None:
    model = catalog_session.scalars(select(Model).where(Model.slug == "openai/gpt-4o")).one()
    inference = catalog_session.scalar(
        select(func.count(func.distinct(Endpoint.provider_id)))
        .join(Provider, Provider.id == Endpoint.provider_id)
        .where(Endpoint.model_id == model.id, Provider.kind == "inference")
    )

    assert len(providers_of(catalog_session, "openai/gpt-4o")) > inference
    assert model.provider_count == inference


def test_provider_names_are_the_companies_own(catalog_session: Session) -> None:
    names = dict(catalog_session.execute(select(Provider.slug, Provider.name)).all())

    assert (names["deepseek"], names["x-ai"], names["moonshotai"]) == (
        "DeepSeek",
        "xAI",
        "Moonshot AI",
    )
    assert names["huggingface-groq"] == "Hugging Face (Groq)"


def test_a_variant_id_answers_301_to_the_canonical_page(client: TestClient) -> None:
    response = client.get(
        "/models/meta/llama-3.3-70b-versatile?preset=chatbot", follow_redirects=False
    )

    assert response.status_code == 301
    assert response.headers["location"] == "/models/meta/llama-3.3-70b-instruct?preset=chatbot"


def test_an_unknown_slug_is_still_404(client: TestClient) -> None:
    assert client.get("/models/meta/no-such-model", follow_redirects=False).status_code == 404


def test_the_api_and_the_calculator_accept_an_old_id(client: TestClient) -> None:
    api = client.get("/api/v1/models/meta/llama-3.3-70b-versatile/endpoints")
    calculator = client.get("/calculator?models=meta/llama-3.3-70b-versatile,openai/gpt-4o")

    assert api.status_code == 200
    assert api.json()["data"]["id"] == "meta/llama-3.3-70b-instruct"
    assert calculator.status_code == 200
    assert "Not in the catalog" not in calculator.text


def test_a_merge_moves_ratings_keeping_each_persons_newest_and_every_comment(
    session: Session,
) -> None:
    old, canonical = make_model(session, "lab/old-id"), make_model(session, "lab/model")
    both, only_old = make_user(session, "Both"), make_user(session, "OnlyOld")
    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    session.add_all(
        [
            Rating(model_id=canonical.id, user_id=both.id, stars=2, updated_at=earlier),
            Rating(
                model_id=old.id, user_id=both.id, stars=5, updated_at=earlier + timedelta(days=1)
            ),
            Rating(model_id=old.id, user_id=only_old.id, stars=4, updated_at=earlier),
            Comment(model_id=old.id, user_id=both.id, body="On the old page"),
        ]
    )
    session.flush()

    merge_models(session=session, old=old, canonical=canonical)

    ratings = session.execute(select(Rating.user_id, Rating.model_id, Rating.stars)).all()
    assert sorted(ratings) == sorted([(both.id, canonical.id, 5), (only_old.id, canonical.id, 4)])
    assert session.scalars(select(Comment.model_id)).all() == [canonical.id]
    assert session.get(ModelRedirect, "lab/old-id").model_id == canonical.id
    assert session.scalar(select(Model.id).where(Model.slug == "lab/old-id")) is None


def test_reimport_merges_a_page_an_earlier_grouping_split_off(catalog_session: Session) -> None:
    """On the catalog the run imported once: the split page stands for one an earlier
    version of the grouping made, and the next import merges it."""
    session = catalog_session
    canonical = session.scalars(
        select(Model).where(Model.slug == "meta/llama-3.3-70b-instruct")
    ).one()
    split = Model(
        author=session.scalars(select(Author).where(Author.slug == "meta")).one(),
        slug="meta/llama-3.3-70b-specdec",
        name="Llama 3.3 70B Specdec",
    )
    session.add(split)
    session.flush()
    session.execute(ModelRedirect.__table__.delete().where(ModelRedirect.old_slug == split.slug))
    user = make_user(session, "Rater")
    session.add(Rating(model_id=split.id, user_id=user.id, stars=3))
    session.flush()

    report = import_genai_prices(session=session)

    assert report.updated["models merged"] == 1
    assert session.get(ModelRedirect, "meta/llama-3.3-70b-specdec").model_id == canonical.id
    assert session.scalar(select(Rating.model_id).where(Rating.user_id == user.id)) == canonical.id


def _without(provider_id: str, model_id: str) -> list:
    providers = copy.deepcopy(default_providers())
    provider = next(p for p in providers if p.id == provider_id)
    provider.models = [m for m in provider.models if m.id != model_id]
    return providers


def test_an_offer_the_source_stops_listing_is_retired_and_leaves_the_live_table(
    session: Session,
) -> None:
    first = datetime(2026, 11, 1, tzinfo=UTC)
    import_genai_prices(session=session, now=first)

    report = import_genai_prices(
        session=session,
        providers=_without("groq", "llama-3.3-70b-versatile"),
        now=first + timedelta(days=1),
    )

    assert report.updated["endpoints retired"] == 1
    groq = session.scalars(
        select(Endpoint)
        .join(Provider, Provider.id == Endpoint.provider_id)
        .where(Provider.slug == "groq", Endpoint.provider_model_id == "llama-3.3-70b-versatile")
    ).one()
    assert (groq.status, groq.retired_at) == ("retired", first + timedelta(days=1))
    assert "groq:versatile" not in providers_of(session, "meta/llama-3.3-70b-instruct")

    import_genai_prices(session=session, now=first + timedelta(days=2))

    assert "groq:versatile" in providers_of(session, "meta/llama-3.3-70b-instruct")


def test_the_export_lists_the_canonical_model_with_its_variant_endpoints(
    client: TestClient,
) -> None:
    export = client.get("/api/v1/export").json()

    llama = next(m for m in export["models"] if m["slug"] == "meta/llama-3.3-70b-instruct")
    assert {"source": "openrouter", "id": "meta-llama/llama-3.3-70b-instruct"} in llama[
        "external_ids"
    ]
    groq = [
        (e["variant"], e["provider_model_id"])
        for e in export["endpoints"]
        if e["model"] == "meta/llama-3.3-70b-instruct" and e["provider"] == "groq"
    ]
    assert sorted(groq) == [
        ("specdec", "llama-3.3-70b-specdec"),
        ("versatile", "llama-3.3-70b-versatile"),
    ]
    assert all(e["prices"] is not None for e in export["endpoints"][:5])


@pytest.mark.parametrize(
    ("provider", "model_id", "slug", "variant"),
    [
        ("groq", "llama-3.3-70b-versatile", "meta/llama-3.3-70b-instruct", "versatile"),
        ("cloudflare", "@cf/meta/llama-3.1-8b-instruct-fp8", "meta/llama-3.1-8b-instruct", "fp8"),
        (
            "openrouter",
            "meta-llama/llama-3.3-70b-instruct:free",
            "meta/llama-3.3-70b-instruct",
            "free",
        ),
        ("deepseek", "deepseek-reasoner", "deepseek/deepseek-reasoner", ""),
        ("deepinfra", "deepseek-ai/DeepSeek-R1-0528", "deepseek/deepseek-r1-0528", ""),
        ("together", "meta-llama/Llama-3.3-70B-Instruct-FP8", "meta/llama-3.3-70b-instruct", "fp8"),
    ],
)
def test_another_source_finds_the_model_of_a_providers_id(
    catalog_session: Session, provider: str, model_id: str, slug: str, variant: str
) -> None:
    place = CatalogWriter(session=catalog_session).find_model_for_offer(provider, model_id)

    assert place is not None
    assert (place.model.slug, place.variant) == (slug, variant)


def test_an_id_of_no_stored_model_is_not_placed(catalog_session: Session) -> None:
    writer = CatalogWriter(session=catalog_session)

    assert writer.find_model_for_offer("somehost", "meta-llama/llama-9-1t-fp8") is None
