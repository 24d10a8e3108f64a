"""OpenRouter's model metadata recorded as facts by the refresh, from the local fake upstream."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import Model
from app.services.ingest.refresh_metrics import RunStatus
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.services.model_page.model_facts import FieldFacts, Modalities, facts_of
from app.sources.openrouter import RejectedItemError, parse_model
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "facts") as seeded:
        yield seeded


@pytest.fixture
def fake() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as server:
        yield server


def facts(database: SeededDatabase, slug: str) -> tuple[Model, dict[str, FieldFacts]]:
    with database.factory() as session:
        model = session.scalars(
            select(Model).where(Model.slug == slug).options(selectinload(Model.modalities))
        ).one()
        return model, facts_of(session, [model.id])[model.id]


def openrouter_values(found: dict[str, FieldFacts]) -> dict[str, Any]:
    return {
        field: value.value
        for field, entry in found.items()
        for value in entry.values
        if value.source == "openrouter"
    }


def test_the_listing_metadata_becomes_openrouter_facts(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    outcome = run_refresh_job(database, refresh_settings(database.url, fake))

    assert outcome.status is RunStatus.OK
    model, found = facts(database, "openai/gpt-4o-mini")
    assert openrouter_values(found) == {
        "name": "GPT-4o-mini",
        "description": found["description"].shown.value,
        "released_at": date(2024, 7, 18),
        "context_window": 128_000,
        "max_output": 16_384,
        "knowledge_cutoff": "2023-10-01",
        "modalities": Modalities(
            input=frozenset({"text", "image", "file"}), output=frozenset({"text"})
        ),
        "tool_calling": True,
        "structured_outputs": True,
        "reasoning": False,
    }
    assert found["description"].shown.value.startswith("GPT-4o mini")
    assert (model.released_at, model.knowledge_cutoff, model.tool_calling) == (
        date(2024, 7, 18),
        "2023-10-01",
        True,
    )
    assert model.modality_list("input") == ["text", "file", "image"]
    assert outcome.counts["facts_written"] > 0


def test_the_plain_id_speaks_for_a_model_also_listed_as_free(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))

    model, found = facts(database, "meta/llama-3.3-70b-instruct")
    stated = openrouter_values(found)
    assert stated["hf_repo_id"] == "meta-llama/Llama-3.3-70B-Instruct"
    assert stated["max_output"] == 16_384
    assert stated["tool_calling"] is True
    assert stated["structured_outputs"] is False
    assert model.hf_repo_id == "meta-llama/Llama-3.3-70B-Instruct"


def test_an_expiration_date_marks_the_model_deprecated_until_then(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))

    model, found = facts(database, "aurora-labs/aurora-8b")
    assert (model.status, model.deprecates_at) == ("deprecated", date(2027, 1, 31))
    assert found["status"].shown.source == "openrouter"


def test_a_model_we_already_have_gets_facts_but_keeps_its_curated_values(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    run_refresh_job(database, refresh_settings(database.url, fake))

    model, found = facts(database, REFERENCE_MODEL_SLUG)
    assert [v.source for v in found["name"].values] == ["curated", "openrouter"]
    assert openrouter_values(found)["released_at"] == date(2026, 3, 16)
    assert model.name == "Mistral Small 4"
    assert model.weights == "closed"
    assert model.tool_calling is True


def test_an_unchanged_listing_writes_no_facts(
    database: SeededDatabase, fake: FakeOpenRouter
) -> None:
    settings = refresh_settings(database.url, fake)
    run_refresh_job(database, settings)

    again = run_refresh_job(database, settings)

    assert again.counts["facts_written"] == 0


def test_a_malformed_expiration_date_rejects_the_model() -> None:
    item = {"id": "aurora-labs/aurora-8b", "name": "Aurora 8B", "expiration_date": "2027-02-30"}

    with pytest.raises(RejectedItemError, match="expiration_date"):
        parse_model(item)
