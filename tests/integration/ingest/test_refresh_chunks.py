"""The refresh writes in chunks of models (flushes, rollups, facts) to bound its memory; the
chunks' size must never change what it writes."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.models import (
    Author,
    Endpoint,
    MetricSample,
    Model,
    ModelFact,
    ModelModality,
    Price,
    Provider,
)
from app.services.ingest import openrouter_facts, refresh_metrics
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)


def _catalog(database: SeededDatabase) -> dict[str, list[tuple[Any, ...]]]:
    """What a refresh writes, without row ids or the run's timestamps."""
    with database.factory() as session:
        models = session.execute(
            select(
                Model.slug,
                Model.name,
                Author.slug,
                Model.status,
                Model.context_window,
                Model.discovered,
                Model.price_input_min,
                Model.price_output_min,
                Model.throughput_max,
                Model.provider_count,
            )
            .join(Author, Author.id == Model.author_id)
            .order_by(Model.slug)
        ).all()
        endpoints = session.execute(
            select(
                Model.slug,
                Provider.slug,
                Endpoint.variant,
                Endpoint.status,
                Endpoint.throughput_p50,
                Endpoint.ttft_p50_ms,
                Endpoint.uptime_pct,
                Endpoint.context_window,
            )
            .join(Model, Model.id == Endpoint.model_id)
            .join(Provider, Provider.id == Endpoint.provider_id)
            .order_by(Model.slug, Provider.slug, Endpoint.variant)
        ).all()
        prices = session.execute(
            select(
                Model.slug,
                Provider.slug,
                Endpoint.variant,
                Price.service_tier,
                Price.input,
                Price.output,
                Price.source,
                Price.effective_to.is_(None),
            )
            .join(Endpoint, Endpoint.id == Price.endpoint_id)
            .join(Model, Model.id == Endpoint.model_id)
            .join(Provider, Provider.id == Endpoint.provider_id)
            .order_by(Model.slug, Provider.slug, Endpoint.variant, Price.service_tier, Price.input)
        ).all()
        facts = session.execute(
            select(Model.slug, ModelFact.field, ModelFact.source, ModelFact.value)
            .join(Model, Model.id == ModelFact.model_id)
            .order_by(Model.slug, ModelFact.field, ModelFact.source)
        ).all()
        modalities = session.execute(
            select(Model.slug, ModelModality.direction, ModelModality.modality)
            .join(Model, Model.id == ModelModality.model_id)
            .order_by(Model.slug, ModelModality.direction, ModelModality.modality)
        ).all()
        samples = session.execute(
            select(
                Model.slug,
                Provider.slug,
                Endpoint.variant,
                MetricSample.uptime_pct,
                MetricSample.ttft_p50_ms,
                MetricSample.ttft_p99_ms,
                MetricSample.throughput_p50,
                MetricSample.throughput_p99,
            )
            .join(Endpoint, Endpoint.id == MetricSample.endpoint_id)
            .join(Model, Model.id == Endpoint.model_id)
            .join(Provider, Provider.id == Endpoint.provider_id)
            .order_by(
                Model.slug,
                Provider.slug,
                Endpoint.variant,
                MetricSample.measured_at,
                MetricSample.throughput_p50,
            )
        ).all()
    return {
        "models": [tuple(row) for row in models],
        "endpoints": [tuple(row) for row in endpoints],
        "prices": [tuple(row) for row in prices],
        "facts": [tuple(row) for row in facts],
        "modalities": [tuple(row) for row in modalities],
        "samples": [tuple(row) for row in samples],
    }


def _refreshed_twice(database: SeededDatabase, fake: FakeOpenRouter) -> list[dict[str, Any]]:
    settings = refresh_settings(database.url, fake)
    return [run_refresh_job(database, settings).counts for _ in range(2)]


def test_chunks_of_one_model_write_what_one_chunk_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenRouter() as fake:
        with seeded_database(tmp_path, "whole") as whole:
            whole_counts = _refreshed_twice(whole, fake)
            whole_catalog = _catalog(whole)
        monkeypatch.setattr(refresh_metrics, "_CHUNK", 1)
        monkeypatch.setattr(openrouter_facts, "_MODELS_PER_BOOK", 1)
        with seeded_database(tmp_path, "chunked") as chunked:
            chunked_counts = _refreshed_twice(chunked, fake)
            chunked_catalog = _catalog(chunked)

    assert whole_counts[0]["models_created"] > 1
    assert whole_counts[0]["facts_written"] > 1
    assert whole_counts[0]["samples_written"] > 1
    assert chunked_counts == whole_counts
    assert chunked_catalog == whole_catalog
