"""Migration 0007 on a database with data: models keep their rows, values and children.

On SQLite the migration rebuilds the models table; this checks that nothing
pointing at a model (endpoints, modalities, external ids) goes with the old
table, that a stored `reasoning` is kept, and that the downgrade brings
retired and unknown statuses back to ones the old schema allows.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app import migrate
from app.db import make_engine
from tests.support.databases import throwaway_database


@pytest.fixture
def migrations_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(tmp_path, "model-facts-migration") as url:
        yield url


def _fill_at_0006(url: str) -> None:
    migrate.upgrade(url, "0006")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO authors (id, slug, name) VALUES (1, 'openai', 'OpenAI')",
                "INSERT INTO models (id, author_id, slug, name, status, reasoning,"
                " recommended_for, discovered, provider_count, created_at, updated_at) VALUES"
                " (1, 1, 'openai/o3', 'o3', 'active', true, '[]', false, 1,"
                " '2026-01-01', '2026-01-01')",
                "INSERT INTO providers (id, slug, name, kind) VALUES (1, 'openai', 'OpenAI',"
                " 'inference')",
                "INSERT INTO endpoints (id, model_id, provider_id, variant, provider_model_id,"
                " supported_parameters, status, created_at, updated_at) VALUES"
                " (1, 1, 1, '', 'o3', '[]', 'active', '2026-01-01', '2026-01-01')",
                "INSERT INTO model_modalities (model_id, direction, modality) VALUES"
                " (1, 'input', 'text')",
                "INSERT INTO external_ids (model_id, source, external_id) VALUES"
                " (1, 'openrouter', 'openai/o3')",
            ):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _counts(url: str) -> dict[str, object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: connection.scalar(text(query))
                for name, query in {
                    "endpoints": "SELECT count(*) FROM endpoints",
                    "modalities": "SELECT count(*) FROM model_modalities",
                    "external ids": "SELECT count(*) FROM external_ids",
                    "reasoning": "SELECT reasoning FROM models WHERE id = 1",
                }.items()
            }
    finally:
        engine.dispose()


def test_the_upgrade_keeps_every_row_that_points_at_a_model(migrations_url: str) -> None:
    _fill_at_0006(migrations_url)

    migrate.upgrade(migrations_url)

    counts = _counts(migrations_url)
    assert {k: v for k, v in counts.items() if k != "reasoning"} == {
        "endpoints": 1,
        "modalities": 1,
        "external ids": 1,
    }
    assert bool(counts["reasoning"]) is True


def test_the_downgrade_maps_new_statuses_to_old_ones(migrations_url: str) -> None:
    _fill_at_0006(migrations_url)
    migrate.upgrade(migrations_url)
    engine = make_engine(migrations_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE models SET status = 'retired', reasoning = NULL WHERE id = 1"
            )

        migrate.downgrade(migrations_url, "0006")

        with engine.connect() as connection:
            row = connection.execute(text("SELECT status, reasoning FROM models")).one()
        assert (row.status, bool(row.reasoning)) == ("deprecated", False)
        assert _counts(migrations_url)["endpoints"] == 1
    finally:
        engine.dispose()
