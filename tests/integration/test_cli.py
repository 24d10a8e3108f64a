"""The `modelatlas` console script, run as a user runs it: a separate process.

Each test runs the installed script from a scratch working directory against
its own throwaway database, so nothing relies on the checkout being the cwd.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import column, func, inspect, select, table

import app.models  # noqa: F401 - registers every table on Base.metadata
from app import migrate
from app.db import Base, make_engine
from app.models import Model
from app.services.catalog.search_index import is_search_index_table
from tests.support.cli import run_cli
from tests.support.databases import throwaway_database

REFERENCE_SLUG = "mistral/mistral-small-2603"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(tmp_path, "cli") as url:
        yield url


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run_cli("--help", database_url="sqlite://", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    for command in ("serve", "db", "seed", "import", "refresh", "user"):
        assert command in result.stdout


def test_serve_refuses_a_broken_presets_file(tmp_path: Path) -> None:
    presets = tmp_path / "presets.toml"
    presets.write_text("[[preset]]\nslug = 'only-a-slug'\n")

    result = run_cli(
        "serve",
        database_url=f"sqlite:///{tmp_path / 'atlas.db'}",
        cwd=tmp_path,
        MODELATLAS_WORKLOAD_PRESETS_FILE=str(presets),
    )

    assert result.returncode == 2
    assert "Configuration error" in result.stderr
    assert "presets.toml" in result.stderr
    assert not (tmp_path / "atlas.db").exists()


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("launch-rockets", database_url="sqlite://", cwd=tmp_path)

    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_db_upgrade_creates_the_schema_at_head(database_url: str, tmp_path: Path) -> None:
    first = run_cli("db", "upgrade", database_url=database_url, cwd=tmp_path)
    again = run_cli("db", "upgrade", database_url=database_url, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert "up to date" in first.stderr
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {name for name in tables if not is_search_index_table(name)} == set(
            Base.metadata.tables
        ) | {"alembic_version"}
        with engine.connect() as connection:
            recorded = connection.scalars(select(table("alembic_version", column("version_num"))))
            head = ScriptDirectory.from_config(migrate.alembic_config(database_url))
            assert list(recorded) == [head.get_current_head()]
    finally:
        engine.dispose()


def test_seed_twice_inserts_the_reference_model_once(database_url: str, tmp_path: Path) -> None:
    first = run_cli("seed", database_url=database_url, cwd=tmp_path)
    second = run_cli("seed", database_url=database_url, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert "Seeded the reference model." in first.stderr
    assert second.returncode == 0, second.stderr
    assert "Reference model already present." in second.stderr
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            count = connection.scalar(
                select(func.count()).select_from(Model).where(Model.slug == REFERENCE_SLUG)
            )
        assert count == 1
    finally:
        engine.dispose()


def test_import_genai_prices_twice_changes_nothing_the_second_time(
    database_url: str, tmp_path: Path
) -> None:
    first = run_cli("import", "genai-prices", database_url=database_url, cwd=tmp_path)
    second = run_cli("import", "genai-prices", database_url=database_url, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "no changes" not in first.stderr
    assert "no changes" in second.stderr
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Model)) > 500
    finally:
        engine.dispose()


def test_serve_in_production_refuses_the_default_secret(database_url: str, tmp_path: Path) -> None:
    result = run_cli(
        "serve",
        "--port",
        "9",
        database_url=database_url,
        cwd=tmp_path,
        MODELATLAS_ENVIRONMENT="production",
    )

    assert result.returncode == 2
    assert "MODELATLAS_SECRET_KEY must be set" in result.stderr
