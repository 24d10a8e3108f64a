"""The refresh job in process against the fake upstream: what it writes, matches and counts."""

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import Endpoint, ExternalId, MetricSample, Model, Price, Provider, RefreshRun
from app.services.catalog.catalog_writer import provider_key
from app.services.ingest.refresh_metrics import RunStatus, refresh_metrics
from app.sources.openrouter import OpenRouterSource
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    NO_NETWORK,
    Offer,
    SeededDatabase,
    count_rows,
    price_history,
    provider_rows,
    reference_offers,
    refresh_settings,
    run_refresh_job,
    runs,
    samples_of,
    seeded_database,
)

MISTRAL_SMALL_4 = "mistralai/mistral-small-2603"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "job") as seeded:
        yield seeded


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def test_a_refresh_brings_figures_and_prices_up_to_date(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    assert reference_offers(database) == {
        "venice": Offer(Decimal("102.4"), Decimal(612), Decimal("0.2"), Decimal("0.8")),
        "mistral": Offer(Decimal("31.6"), Decimal(398), Decimal("0.15"), Decimal("0.6")),
    }
    (run,) = runs(database)
    assert run.status == "ok"
    assert run.finished_at is not None
    assert {key: run.counts[key] for key in ("models_seen", "endpoints_seen")} == {
        "models_seen": 5,
        "endpoints_seen": 9,
    }
    assert run.counts["endpoints_updated"] == 9
    assert run.counts["samples_written"] == 9
    assert run.counts["rejected"] == {}
    assert run.counts["popularity"] == {"polled": 0, "updated": 0, "failed": 0}


def test_a_changed_price_closes_the_open_row_and_opens_a_new_one(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))

    old, new = price_history(database, "venice")
    assert (old.input, old.output, old.source) == (Decimal("0.188"), Decimal("0.75"), "reference")
    assert old.effective_to == new.effective_from
    assert (new.input, new.output, new.per_request, new.per_image) == (
        Decimal("0.2"),
        Decimal("0.8"),
        Decimal(0),
        Decimal(0),
    )
    assert (new.effective_to, new.source) == (None, "openrouter")
    # Mistral's price did not change: no new row.
    (unchanged,) = price_history(database, "mistral")
    assert unchanged.effective_to is None


def test_the_same_data_twice_adds_no_price_rows(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    first = run_refresh_job(database, settings)
    prices_after_first = count_rows(database, Price)

    second = run_refresh_job(database, settings)

    assert first.counts["prices_changed"] == 8
    assert second.counts["prices_changed"] == 0
    assert count_rows(database, Price) == prices_after_first
    assert second.counts["models_created"] == second.counts["providers_created"] == 0
    assert second.counts["endpoints_created"] == 0
    # Samples are history: each run appends its measurement.
    assert len(samples_of(database, "venice")) == 2 + 1  # seed (downsampled), then 2 runs


def test_samples_record_every_percentile_of_the_window(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    sample = samples_of(database, "venice")[-1]
    assert sample.window == "30m"
    assert sample.source == "openrouter"
    assert (sample.ttft_p50_ms, sample.ttft_p75_ms, sample.ttft_p90_ms, sample.ttft_p99_ms) == (
        Decimal(612),
        Decimal("701.5"),
        Decimal(845),
        Decimal(1210),
    )
    assert sample.throughput_p99 == Decimal("61.7")
    assert sample.uptime_pct == Decimal("99.2")
    seeded_samples = 2
    assert outcome.counts["samples_written"] == count_rows(database, MetricSample) - seeded_samples


def test_the_page_shows_the_new_figures(database: SeededDatabase, fake: FakeOpenRouter) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))

    rows = provider_rows(database.url)
    assert re.search(r"\b102\s*tok/s", rows["Venice"])
    assert re.search(r"\b612\s*ms", rows["Venice"])
    assert "$0.2" in rows["Venice"]
    assert re.search(r"\b32\s*tok/s", rows["Mistral"])
    assert re.search(r"\b398\s*ms", rows["Mistral"])


def test_a_null_latency_keeps_the_last_known_latency_and_records_the_gap(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fake.null_latency(MISTRAL_SMALL_4, "Venice")

    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    assert outcome.counts["missing_figures"] == {"latency": 1}
    venice = reference_offers(database)["venice"]
    assert (venice.ttft_p50_ms, venice.throughput_p50) == (Decimal(666), Decimal("102.4"))
    newest = samples_of(database, "venice")[-1]
    assert (newest.ttft_p50_ms, newest.throughput_p50) == (None, Decimal("102.4"))
    assert re.search(r"\b666\s*ms", provider_rows(database.url)["Venice"])


def test_a_malformed_item_is_rejected_counted_and_the_rest_written(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    fake.patch_endpoint(MISTRAL_SMALL_4, "Venice", pricing={"prompt": "-1", "completion": "-1"})

    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    assert outcome.counts["rejected"] == {"price prompt: negative": 1}
    offers = reference_offers(database)
    assert offers["venice"] == Offer(Decimal(96), Decimal(666), Decimal("0.188"), Decimal("0.75"))
    assert offers["mistral"].throughput_p50 == Decimal("31.6")


def test_unknown_models_and_providers_are_created_and_marked_discovered(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.counts["models_created"] == 3
    assert outcome.counts["providers_created"] == 6
    with database.factory() as session:
        discovered = dict(
            session.execute(select(Model.slug, Model.name).where(Model.discovered)).all()
        )
        llama = session.scalars(
            select(Endpoint).join(Model).where(Model.slug == "meta/llama-3.3-70b-instruct")
        ).all()
        external = session.scalar(
            select(ExternalId.external_id).join(Model).where(Model.slug == "aurora-labs/aurora-8b")
        )
        nebius = session.scalar(select(Provider).where(Provider.slug == "nebius"))
    assert discovered == {
        "meta/llama-3.3-70b-instruct": "Llama 3.3 70B Instruct",
        "openai/gpt-4o-mini": "GPT-4o-mini",
        "aurora-labs/aurora-8b": "Aurora 8B",
    }
    # The `:free` listing is a variant of the same model, not another model.
    assert sorted(e.variant for e in llama) == ["", "", "fp8", "free"]
    free = next(e for e in llama if e.variant == "free")
    assert free.status == "degraded"
    assert external == "aurora-labs/aurora-8b"
    assert nebius is not None
    assert (nebius.name, nebius.kind) == ("Nebius AI Studio", "inference")


def test_unknown_models_and_providers_are_skipped_and_counted_when_set_so(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    models_before = count_rows(database, Model)
    fake.patch_endpoint(MISTRAL_SMALL_4, "Venice", provider_name="Venice Two", tag="venice-two")
    settings = refresh_settings(
        database.url, fake, refresh_unknown_models="skip", refresh_unknown_providers="skip"
    )

    outcome = run_refresh_job(database, settings)

    assert outcome.status is RunStatus.OK
    assert outcome.counts["skipped_unknown"] == {"models": 4, "provider endpoints": 1}
    assert outcome.counts["models_fetched"] == 1
    assert (outcome.counts["models_created"], outcome.counts["providers_created"]) == (0, 0)
    assert count_rows(database, Model) == models_before
    assert len(fake.requests_to("/endpoints")) == 1


def test_upstream_ids_match_the_models_the_genai_prices_import_made(
    catalog_factory: sessionmaker[Session],
) -> None:
    with FakeOpenRouter() as fake:
        settings = Settings(
            environment="test",
            database_url="sqlite://",
            openrouter_base_url=fake.base_url,
            hf_base_url=NO_NETWORK,
        )
        with OpenRouterSource.from_settings(settings) as source:
            outcome = refresh_metrics(
                session_factory=catalog_factory, settings=settings, source=source
            )

    assert outcome.status is RunStatus.OK
    assert outcome.counts["models_created"] == 1  # only the made-up Aurora 8B
    with catalog_factory() as session:
        llama = session.scalar(
            select(Model)
            .join(ExternalId)
            .where(ExternalId.external_id == "meta-llama/llama-3.3-70b-instruct")
        )
        assert llama is not None
        assert not llama.discovered
        served_by = set(
            session.scalars(
                select(Provider.slug)
                .join(Endpoint)
                .where(Endpoint.model_id == llama.id, Endpoint.metrics_source == "openrouter")
            )
        )
        azure = session.scalar(
            select(Endpoint.throughput_p50)
            .join(Provider)
            .join(Model)
            .where(Model.slug == "openai/gpt-4o-mini", Provider.slug == "azure")
        )
        run = session.scalar(select(RefreshRun).where(RefreshRun.source == "openrouter"))
    assert served_by == {"deepinfra", "together", "groq", "venice"}
    assert azure == Decimal("148.3")
    assert run is not None
    assert run.status == "ok"


@pytest.mark.parametrize(
    ("upstream", "ours"),
    [
        ("Amazon Bedrock", "aws"),
        ("amazon-bedrock", "aws"),
        ("Google AI Studio", "google"),
        ("xAI", "xai"),
        ("x-ai", "xai"),
        ("Z.AI", "zai"),
        ("Together", "together"),
    ],
)
def test_provider_names_and_tags_are_compared_without_case_or_punctuation(
    upstream: str, ours: str
) -> None:
    assert provider_key(upstream) == provider_key(ours)


def test_models_that_stop_being_listed_are_kept(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    run_refresh_job(database, settings)
    endpoints = count_rows(database, Endpoint)
    fake.models = [m for m in fake.models if m["id"] != "aurora-labs/aurora-8b"]

    outcome = run_refresh_job(database, settings)

    assert outcome.status is RunStatus.OK
    assert count_rows(database, Endpoint) == endpoints


def test_settings_default_to_the_public_api() -> None:
    settings = Settings(environment="test")

    assert settings.openrouter_base_url == "https://openrouter.ai/api/v1"
    assert settings.openrouter_api_key.get_secret_value() == ""
    assert settings.refresh_interval_minutes == 10
    assert settings.metrics_retention_days == 90
