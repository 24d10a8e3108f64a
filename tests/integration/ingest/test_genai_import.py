"""The genai-prices importer on the package's real data, against a real database.

Read-only checks use `catalog_session` (seeded and imported once per run, as
`modelatlas serve` does on an empty database). Checks of what an import run
does — counts, price changes — import into the empty `session`; checks of a
run over a catalog already imported (idempotence, names fixed on the next run)
import again into `catalog_session`, whose first import the run made once.
Figures are asserted as ranges: the package's data grows with every release.
"""

import copy
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from genai_prices.types import ConditionalPrice, ModelPrice, StartDateConstraint
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Author,
    Endpoint,
    ExternalId,
    Model,
    ModelModality,
    Price,
    Provider,
    RefreshRun,
)
from app.services.catalog.model_grouping import group_offers
from app.services.ingest.genai_import import import_genai_prices
from app.services.ingest.seed import REFERENCE_MODEL_SLUG, seed_reference
from app.services.pricing.price_rows_writer import start_of
from app.sources.genai_prices import default_providers, read_providers
from tests.support.listening import listening

CATALOG_TABLES = (Author, Provider, Model, ModelModality, Endpoint, Price, ExternalId)


def load_model(session: Session, slug: str) -> Model:
    model = session.scalar(
        select(Model)
        .where(Model.slug == slug)
        .options(
            selectinload(Model.endpoints).selectinload(Endpoint.prices),
            selectinload(Model.endpoints).selectinload(Endpoint.provider),
            selectinload(Model.external_ids),
            selectinload(Model.modalities),
        )
    )
    assert model is not None, f"{slug} not imported"
    return model


def endpoint_at(model: Model, provider: str, variant: str = "") -> Endpoint:
    found = [e for e in model.endpoints if e.provider.slug == provider and e.variant == variant]
    assert len(found) == 1, f"{model.slug} at {provider}/{variant!r}: {len(found)} endpoints"
    return found[0]


def current(endpoint: Endpoint, tier: str = "standard") -> Price:
    rows = [p for p in endpoint.prices if p.service_tier == tier and p.effective_to is None]
    assert len(rows) == 1, f"{len(rows)} open {tier} rows"
    return rows[0]


def history(endpoint: Endpoint, tier: str = "standard") -> list[Price]:
    return sorted(
        (p for p in endpoint.prices if p.service_tier == tier), key=lambda p: p.effective_from
    )


def row_counts(session: Session) -> dict[str, int]:
    return {
        table.__name__: session.scalar(select(func.count()).select_from(table))
        for table in CATALOG_TABLES
    }


def packaged_providers_with(provider_id: str, model_id: str, prices: object) -> list:
    """A copy of the packaged provider list with one model entry's prices replaced."""
    providers = copy.deepcopy(default_providers())
    entry = next(m for p in providers if p.id == provider_id for m in p.models if m.id == model_id)
    entry.prices = prices
    return providers


# --- one import into an empty database -------------------------------------------------


def test_first_import_fills_an_empty_catalog_with_dozens_of_providers(session: Session) -> None:
    seed_reference(session=session)
    progress: list[tuple[int, int]] = []

    report = import_genai_prices(session=session, progress=lambda d, t: progress.append((d, t)))

    counts = row_counts(session)
    assert 40 <= counts["Provider"] <= 200
    assert 500 <= counts["Model"] <= 10_000
    assert counts["Endpoint"] >= 1_500
    assert counts["Price"] >= 2_000
    assert counts["Author"] >= 30
    assert report.changed
    assert report.entries_read >= 2_000
    assert report.created["models"] == counts["Model"] - 1  # all but the seeded one
    assert "no changes" not in report.summary()
    assert progress[-1][0] == progress[-1][1]
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    run = session.scalar(select(RefreshRun).where(RefreshRun.source == "genai-prices"))
    assert run is not None and run.status == "ok" and run.finished_at is not None
    assert run.counts["created"]["models"] == report.created["models"]


def test_routers_are_marked_and_providers_get_their_api_base(catalog_session: Session) -> None:
    providers = {p.slug: p for p in catalog_session.scalars(select(Provider))}
    assert providers["openrouter"].kind == "router"
    assert providers["huggingface-groq"].kind == "router"
    assert providers["groq"].kind == "inference"
    assert providers["openrouter"].api_base == "https://openrouter.ai/api/v1"
    assert providers["mistral"].api_base == "https://api.mistral.ai/v1"
    assert providers["aws"].api_base is None  # depends on the account's region


def test_slugs_are_url_safe(catalog_session: Session) -> None:
    model_slugs = catalog_session.scalars(select(Model.slug)).all()
    author_slugs = catalog_session.scalars(select(Author.slug)).all()
    assert all(re.fullmatch(r"[a-z0-9-]+/[a-z0-9][a-z0-9._-]*", s) for s in model_slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in author_slugs)


# --- one model per real model ------------------------------------------------------------


def test_labs_get_proper_names_and_none_is_named_by_its_slug(catalog_session: Session) -> None:
    names = dict(catalog_session.execute(select(Author.slug, Author.name)).all())

    assert [slug for slug, name in names.items() if name == slug] == []
    assert {slug: names[slug] for slug in ("qwen", "zai", "xai", "mistral", "moonshotai")} == {
        "qwen": "Qwen",
        "zai": "Z.ai",
        "xai": "xAI",
        "mistral": "Mistral AI",
        "moonshotai": "Moonshot AI",
    }
    assert names["cognitivecomputations"] == "Cognitive Computations"
    assert names["aion-labs"] == "Aion Labs"


def test_one_lab_spelled_two_ways_is_one_lab(catalog_session: Session) -> None:
    slugs = set(catalog_session.scalars(select(Author.slug)))

    assert {"together", "prime-intellect", "ricursive-ai"} <= slugs
    assert not {"togethercomputer", "primeintellect", "ricursiveai", "codellama"} & slugs


def test_reference_model_gains_mistral_and_openrouter_offers(catalog_session: Session) -> None:
    model = load_model(catalog_session, REFERENCE_MODEL_SLUG)

    assert {e.provider.slug for e in model.endpoints} == {"venice", "mistral", "openrouter"}
    assert ("openrouter", "mistralai/mistral-small-2603") in {
        (x.source, x.external_id) for x in model.external_ids
    }
    openrouter = endpoint_at(model, "openrouter")
    assert openrouter.provider_model_id == "mistralai/mistral-small-2603"
    assert current(openrouter).input == Decimal("0.15")
    assert current(openrouter, "batch").input == Decimal("0.075")
    assert model.summary is not None and model.summary.startswith("Mistral Small 4 is")
    assert model.author.slug == "mistral" and model.author.name == "Mistral AI"
    same_id = catalog_session.scalar(
        select(func.count()).select_from(Model).where(Model.slug.like("%mistral-small-2603%"))
    )
    assert same_id == 1


def test_seeded_price_keeps_its_start_and_gains_the_cache_price(catalog_session: Session) -> None:
    mistral = endpoint_at(load_model(catalog_session, REFERENCE_MODEL_SLUG), "mistral")

    [row] = history(mistral)
    assert (row.input, row.output, row.cache_read) == (
        Decimal("0.15"),
        Decimal("0.6"),
        Decimal("0.015"),
    )
    assert row.effective_from == datetime(2026, 3, 16, tzinfo=UTC)
    assert row.effective_to is None


def test_claude_is_one_model_across_anthropic_bedrock_vertex_and_openrouter(
    catalog_session: Session,
) -> None:
    model = load_model(catalog_session, "anthropic/claude-sonnet-4-5")

    providers = Counter(e.provider.slug for e in model.endpoints)
    assert {"anthropic", "aws", "google", "openrouter"} <= set(providers)
    assert providers["aws"] == 2  # the global and the regional inference profile
    assert endpoint_at(model, "aws", "regional").provider_model_id.startswith("regional.anthropic.")
    assert (
        catalog_session.scalar(
            select(func.count())
            .select_from(Model)
            .where(Model.slug.like("anthropic/claude-sonnet-4%5%"))
        )
        == 1
    )


def test_llama_is_one_model_across_hosts_with_different_spellings(catalog_session: Session) -> None:
    model = load_model(catalog_session, "meta/llama-3.3-70b-instruct")

    ids = {e.provider.slug: e.provider_model_id for e in model.endpoints if not e.variant}
    assert ids["openrouter"] == "meta-llama/llama-3.3-70b-instruct"
    assert ids["aws"] == "meta.llama3-3-70b-instruct-v1:0"
    assert ids["huggingface-novita"] == "meta-llama/Llama-3.3-70B-Instruct"
    assert model.author.slug == "meta"


def test_free_variant_is_its_own_endpoint_at_no_cost(catalog_session: Session) -> None:
    model = load_model(catalog_session, "meta/llama-3.3-70b-instruct")
    free = endpoint_at(model, "openrouter", "free")

    assert free.provider_model_id == "meta-llama/llama-3.3-70b-instruct:free"
    assert (current(free).input, current(free).output) == (Decimal(0), Decimal(0))


def test_models_the_lab_prices_separately_stay_separate(catalog_session: Session) -> None:
    slugs = set(
        catalog_session.scalars(select(Model.slug).where(Model.slug.like("openai/gpt-4o%")))
    )
    assert {"openai/gpt-4o", "openai/gpt-4o-2024-05-13", "openai/gpt-4o-mini"} <= slugs


# --- what the price rows keep -------------------------------------------------------------


def test_cache_prices_and_long_context_tier_are_kept(catalog_session: Session) -> None:
    anthropic = endpoint_at(load_model(catalog_session, "anthropic/claude-sonnet-4-5"), "anthropic")
    row = current(anthropic)

    assert (row.input, row.output) == (Decimal(3), Decimal(15))
    assert (row.cache_read, row.cache_write) == (Decimal("0.3"), Decimal("3.75"))
    assert row.long_context_threshold == 200_000
    assert (row.long_context_input, row.long_context_output) == (Decimal(6), Decimal("22.5"))
    assert row.source == "genai-prices"


def test_batch_flex_and_priority_tiers_are_imported(catalog_session: Session) -> None:
    tiers = dict(
        catalog_session.execute(
            select(Price.service_tier, func.count()).group_by(Price.service_tier)
        ).all()
    )
    assert tiers["batch"] >= 50
    assert tiers["flex"] >= 5
    assert tiers["priority"] >= 5


def test_context_window_is_the_largest_any_provider_states(catalog_session: Session) -> None:
    model = load_model(catalog_session, "anthropic/claude-sonnet-4-5")

    windows = [e.context_window for e in model.endpoints if e.context_window]
    assert model.context_window == max(windows)
    assert endpoint_at(model, "anthropic").context_window == 200_000


def test_deprecated_flags_reach_models_and_endpoints(catalog_session: Session) -> None:
    groups = group_offers(read_providers(default_providers()))
    retired = next(g for g in groups if g.deprecated and len(g.offers) == 1)
    mixed = next(
        g for g in groups if any(o.offer.deprecated for o in g.offers) and not g.deprecated
    )

    retired_model = load_model(catalog_session, retired.slug)
    assert retired_model.status == "deprecated"
    assert {e.status for e in retired_model.endpoints} == {"deprecated"}
    mixed_model = load_model(catalog_session, mixed.slug)
    assert mixed_model.status == "active"
    assert {e.status for e in mixed_model.endpoints} == {"active", "deprecated"}


def test_dated_price_changes_in_the_data_become_history_rows(catalog_session: Session) -> None:
    """Every change genai-prices dates (and that is in force) has a row starting that day."""
    now = datetime.now(UTC)
    kept = [
        item
        for group in group_offers(read_providers(default_providers()))
        for item in group.offers
        if not item.duplicate and not item.parsed.batch
    ]
    expected = {
        (item.provider.id, item.offer.model_id, start_of(period.starts_on))
        for item in kept
        for period in item.offer.tiers["standard"]
        if period.starts_on is not None and start_of(period.starts_on) <= now
    }
    assert len(expected) >= 20
    rows = catalog_session.execute(
        select(ExternalId.source, ExternalId.external_id, Price.effective_from)
        .join(Endpoint, Endpoint.model_id == ExternalId.model_id)
        .join(Price, Price.endpoint_id == Endpoint.id)
        .where(
            Price.service_tier == "standard",
            Endpoint.provider_model_id == ExternalId.external_id,
        )
    ).all()
    stored = {(source.split(":")[-1], external_id, start) for source, external_id, start in rows}
    assert expected <= stored


def test_every_endpoint_tier_has_at_most_one_open_price(catalog_session: Session) -> None:
    open_rows = (
        select(Price.endpoint_id, Price.service_tier, func.count().label("n"))
        .where(Price.effective_to.is_(None))
        .group_by(Price.endpoint_id, Price.service_tier)
        .subquery()
    )
    assert catalog_session.scalar(select(func.max(open_rows.c.n))) == 1


def test_modalities_follow_what_the_model_is_priced_for(catalog_session: Session) -> None:
    audio_model = load_model(catalog_session, "openai/gpt-audio")
    assert "audio" in audio_model.modality_list("input")
    assert "audio" in audio_model.modality_list("output")
    assert load_model(catalog_session, "meta/llama-3.3-70b-instruct").modality_list("input") == [
        "text"
    ]


def test_rollups_are_refreshed(catalog_session: Session) -> None:
    model = load_model(catalog_session, "anthropic/claude-sonnet-4-5")
    assert model.price_input_min == Decimal(3)
    sellers = {e.provider_id for e in model.endpoints if e.provider.kind == "inference"}
    assert model.provider_count == len(sellers)


# --- running it again --------------------------------------------------------------------


def test_second_run_changes_nothing_and_says_so(catalog_session: Session) -> None:
    session = catalog_session
    before = row_counts(session)
    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with listening(engine, "before_cursor_execute", listener):
        report = import_genai_prices(session=session)

    assert not report.changed
    assert "no changes" in report.summary()
    assert row_counts(session) == before
    assert len(statements) < 30  # loads everything up front: no query per model or price


def test_a_made_up_lab_name_is_replaced_but_a_chosen_one_is_kept(
    catalog_session: Session,
) -> None:
    session = catalog_session
    authors = {a.slug: a for a in session.scalars(select(Author))}
    authors["aion-labs"].name = "aion-labs"  # what earlier imports wrote
    authors["qwen"].name = "qwen"
    authors["qwen"].url = None
    authors["openai"].name = "OpenAI, Inc."  # renamed by hand
    session.flush()

    report = import_genai_prices(session=session)

    assert report.updated["authors"] == 2
    assert (authors["aion-labs"].name, authors["qwen"].name) == ("Aion Labs", "Qwen")
    assert authors["qwen"].url == "https://qwen.ai"
    assert authors["openai"].name == "OpenAI, Inc."
    assert not import_genai_prices(session=session).changed


def test_changed_price_closes_the_old_row_and_opens_a_new_one(session: Session) -> None:
    seed_reference(session=session)
    first = datetime.now(UTC)
    later = first + timedelta(hours=3)
    import_genai_prices(session=session, now=first)
    new_price = ModelPrice(input_mtok=Decimal("0.2"), output_mtok=Decimal("0.6"))
    changed = packaged_providers_with("openrouter", "mistralai/mistral-small-2603", new_price)

    report = import_genai_prices(session=session, providers=changed, now=later)

    assert report.changed and report.prices_closed == 1
    openrouter = endpoint_at(load_model(session, REFERENCE_MODEL_SLUG), "openrouter")
    old, new = history(openrouter)
    assert (old.input, old.effective_from, old.effective_to) == (Decimal("0.15"), first, later)
    assert (new.input, new.effective_from, new.effective_to) == (Decimal("0.2"), later, None)
    again = import_genai_prices(session=session, providers=changed, now=later + timedelta(hours=1))
    assert not again.changed


def test_conditional_prices_become_dated_history_that_does_not_churn(session: Session) -> None:
    seed_reference(session=session)
    before = ModelPrice(input_mtok=Decimal("0.15"), output_mtok=Decimal("0.6"))
    after = ModelPrice(input_mtok=Decimal("0.1"), output_mtok=Decimal("0.3"))
    scheduled = ModelPrice(input_mtok=Decimal("0.05"), output_mtok=Decimal("0.2"))
    providers = packaged_providers_with(
        "mistral",
        "mistral-small-2603",
        [
            ConditionalPrice(prices=before),
            ConditionalPrice(constraint=StartDateConstraint(date(2026, 6, 1)), prices=after),
            ConditionalPrice(constraint=StartDateConstraint(date(2027, 1, 1)), prices=scheduled),
        ],
    )
    now = datetime(2026, 11, 1, tzinfo=UTC)

    report = import_genai_prices(session=session, providers=providers, now=now)

    mistral = endpoint_at(load_model(session, REFERENCE_MODEL_SLUG), "mistral")
    seeded, dated = history(mistral)
    assert (seeded.input, seeded.effective_from) == (
        Decimal("0.15"),
        datetime(2026, 3, 16, tzinfo=UTC),
    )
    assert seeded.effective_to == datetime(2026, 6, 1, tzinfo=UTC)
    assert (dated.input, dated.output) == (Decimal("0.1"), Decimal("0.3"))
    assert (dated.effective_from, dated.effective_to) == (datetime(2026, 6, 1, tzinfo=UTC), None)
    assert report.skipped["scheduled price change not yet in force"] >= 1
    assert not import_genai_prices(session=session, providers=providers, now=now).changed

    in_force = import_genai_prices(
        session=session, providers=providers, now=datetime(2027, 1, 2, tzinfo=UTC)
    )
    assert in_force.changed
    session.expire_all()
    mistral = endpoint_at(load_model(session, REFERENCE_MODEL_SLUG), "mistral")
    assert [p.input for p in history(mistral)] == [Decimal("0.15"), Decimal("0.1"), Decimal("0.05")]
    assert history(mistral)[1].effective_to == datetime(2027, 1, 1, tzinfo=UTC)


def test_first_price_before_a_past_change_starts_the_day_before_it(session: Session) -> None:
    providers = packaged_providers_with(
        "groq",
        "llama-3.3-70b-versatile",
        [
            ConditionalPrice(
                prices=ModelPrice(input_mtok=Decimal("0.59"), output_mtok=Decimal("0.79"))
            ),
            ConditionalPrice(
                constraint=StartDateConstraint(date(2026, 9, 1)),
                prices=ModelPrice(input_mtok=Decimal("0.5"), output_mtok=Decimal("0.7")),
            ),
        ],
    )
    now = datetime.now(UTC)
    import_genai_prices(session=session, providers=providers, now=now)

    groq = endpoint_at(load_model(session, "meta/llama-3.3-70b-instruct"), "groq", "versatile")
    first, second = history(groq)
    assert (first.effective_from, first.effective_to) == (
        datetime(2026, 8, 31, tzinfo=UTC),
        datetime(2026, 9, 1, tzinfo=UTC),
    )
    assert second.input == Decimal("0.5")
    assert not import_genai_prices(
        session=session, providers=providers, now=now + timedelta(hours=1)
    ).changed


def test_unrepresentable_prices_are_counted_not_dropped_silently(session: Session) -> None:
    report = import_genai_prices(session=session)

    assert report.skipped["time-of-day price"] >= 1
    assert any(reason.startswith("price key ") for reason in report.skipped)
    assert any(reason.startswith("price variant ") for reason in report.skipped)
    assert "not representable" in report.summary()


def test_importing_without_the_seed_gives_the_reference_slug_too(session: Session) -> None:
    import_genai_prices(session=session)

    model = load_model(session, REFERENCE_MODEL_SLUG)
    assert {e.provider.slug for e in model.endpoints} == {"mistral", "openrouter"}
