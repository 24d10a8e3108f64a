"""The migrations are the only way the schema is made, so they must build exactly the models.

Runs on the test backend (SQLite file, or a throwaway PostgreSQL database when
MODELATLAS_TEST_DATABASE_URL points at a server): upgrade to head, compare the
live schema with `Base.metadata`, downgrade to base, upgrade again.
"""

import ast
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    column,
    delete,
    insert,
    inspect,
    make_url,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session

import app.models  # noqa: F401 - registers every table on Base.metadata
from app import migrate
from app.db import Base, make_engine
from app.models import Author, Comment, Model, Rating, User
from app.services.catalog.catalog_page import CatalogQuery, search_catalog
from app.services.catalog.search_index import SEARCH_INDEX, is_search_index_table
from tests.support.community_counts import assert_counts_exact, stored_counts
from tests.support.databases import backend, drop_database, throwaway_database

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def migrations_url(tmp_path: Path):
    with throwaway_database(tmp_path, "migrations") as url:
        yield url


def _schema_differences(engine: Engine) -> list:
    """What the live schema lacks or has beyond the models; an index the models declare for
    another backend only (`app.db.postgresql_only`) is not expected here, and SQLite's search
    index, made outside the models, is not compared."""

    def expected(item: Any, name: str | None, kind: str, reflected: bool, _other: Any) -> bool:
        if kind == "table" and reflected and is_search_index_table(name or ""):
            return False
        only_on = item.info.get("dialect") if kind == "index" and not reflected else None
        return only_on in (None, engine.dialect.name)

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": expected}
        )
        return compare_metadata(context, Base.metadata)


def _described_differences(engine: Engine) -> list[str]:
    """`_schema_differences` as text to compare between two states of one database: without
    the addresses of objects (a column's default function is copied for each comparison)."""
    return [
        re.sub(r" at 0x[0-9a-f]+", "", repr(difference))
        for difference in _schema_differences(engine)
    ]


def _tables(engine: Engine) -> set[str]:
    """The tables, SQLite's search index left out (see `_search_index_tables`)."""
    return {name for name in _all_tables(engine) if not is_search_index_table(name)}


def _all_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _search_index_tables(engine: Engine) -> set[str]:
    return {name for name in _all_tables(engine) if is_search_index_table(name)}


def _recorded_revisions(engine: Engine) -> list[str]:
    alembic_version = table("alembic_version", column("version_num"))
    with engine.connect() as connection:
        return list(connection.scalars(select(alembic_version.c.version_num)))


def test_upgrade_builds_exactly_the_models(migrations_url: str) -> None:
    migrate.upgrade(migrations_url)

    engine = make_engine(migrations_url)
    try:
        assert _schema_differences(engine) == []
        scripts = ScriptDirectory.from_config(migrate.alembic_config(migrations_url))
        assert _recorded_revisions(engine) == [scripts.get_current_head()]
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(
    migrations_url: str,
) -> None:
    migrate.upgrade(migrations_url)

    migrate.downgrade(migrations_url, "base")

    engine = make_engine(migrations_url)
    try:
        assert _all_tables(engine) == {"alembic_version"}
        assert _recorded_revisions(engine) == []

        migrate.upgrade(migrations_url)

        assert _tables(engine) == set(Base.metadata.tables) | {"alembic_version"}
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


def _create_all_calls(source: Path) -> list[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    return [
        f"{source.relative_to(REPO_ROOT)}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "create_all")
            or (isinstance(node.func, ast.Name) and node.func.id == "create_all")
        )
    ]


def test_no_application_code_creates_tables_outside_migrations() -> None:
    sources = [*(REPO_ROOT / "app").rglob("*.py"), *(REPO_ROOT / "migrations").rglob("*.py")]

    calls = [call for source in sources for call in _create_all_calls(source)]

    assert sources, "found no source files to check"
    assert calls == [], f"create_all called outside tests: {calls}"


def _insert_gpt_4o(connection: Connection, **columns: str) -> None:
    """OpenAI and its model `openai/gpt-4o` (id 1), as an old schema holds them, with
    `columns` (text values) besides the ones every revision has."""
    connection.exec_driver_sql(
        "INSERT INTO authors (id, slug, name) VALUES (1, 'openai', 'OpenAI')"
    )
    names = "".join(f", {name}" for name in columns)
    placeholders = "".join(f", :{name}" for name in columns)
    statement = text(
        "INSERT INTO models (id, author_id, slug, name, status, reasoning, recommended_for,"
        f" discovered, provider_count, created_at, updated_at{names}) VALUES (1, 1,"
        " 'openai/gpt-4o', 'GPT-4o', 'active', false, '[]', false, 0, '2026-01-01',"
        f" '2026-01-01'{placeholders})"
    )
    connection.execute(statement, columns)


def test_catalog_identity_names_who_created_each_endpoint_and_retires_subscriptions(
    migrations_url: str,
) -> None:
    migrate.upgrade(migrations_url, "0005")
    engine = make_engine(migrations_url)
    try:
        with engine.begin() as connection:
            _insert_gpt_4o(connection)
            connection.exec_driver_sql(
                "INSERT INTO providers (id, slug, name, kind) VALUES"
                " (1, 'openai', 'OpenAI', 'inference'),"
                " (2, 'github-copilot', 'GitHub Copilot', 'inference')"
            )
            connection.exec_driver_sql(
                "INSERT INTO endpoints (id, model_id, provider_id, variant, provider_model_id,"
                " supported_parameters, status, created_at, updated_at) VALUES"
                " (1, 1, 1, '', 'gpt-4o', '[]', 'active', '2026-01-01', '2026-01-01'),"
                " (2, 1, 2, '', 'gpt-4o', '[]', 'active', '2026-01-01', '2026-01-01')"
            )
            connection.exec_driver_sql(
                "INSERT INTO prices (endpoint_id, service_tier, effective_from, source) VALUES"
                " (1, 'standard', '2026-01-01', 'genai-prices'),"
                " (2, 'standard', '2026-01-01', 'genai-prices')"
            )

        migrate.upgrade(migrations_url)

        endpoints = table(
            "endpoints", column("id"), column("status"), column("created_by"), column("retired_at")
        )
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    endpoints.c.id,
                    endpoints.c.status,
                    endpoints.c.created_by,
                    endpoints.c.retired_at.is_not(None),
                ).order_by(endpoints.c.id)
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, "active", "genai-prices", False),
            (2, "retired", "genai-prices", True),
        ]
    finally:
        engine.dispose()


def _model_index_names(engine: Engine) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes("models")}


def test_trigram_indexes_exist_on_postgresql_only_and_go_with_their_downgrade(
    migrations_url: str,
) -> None:
    trigram = {"ix_models_name_trgm", "ix_models_slug_trgm"}
    migrate.upgrade(migrations_url, "0011")
    engine = make_engine(migrations_url)
    try:
        on_postgresql = engine.dialect.name == "postgresql"
        assert (_model_index_names(engine) & trigram) == (trigram if on_postgresql else set())

        migrate.downgrade(migrations_url, "0010")
        engine.dispose()
        assert _model_index_names(engine) & trigram == set()
        assert "ix_models_catalog_search" in _model_index_names(engine)

        migrate.upgrade(migrations_url, "0011")
        engine.dispose()
        assert (_model_index_names(engine) & trigram) == (trigram if on_postgresql else set())
    finally:
        engine.dispose()


def _trigram_index_options(engine: Engine) -> dict[str, list[str] | None]:
    """Each trigram index's storage options (`pg_class.reloptions`), by name."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT relname, reloptions FROM pg_class "
                "WHERE relname IN ('ix_models_name_trgm', 'ix_models_slug_trgm')"
            )
        )
        return {name: options for name, options in rows}


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's trigram indexes")
def test_the_trigram_indexes_pending_lists_are_kept_short_until_the_downgrade(
    migrations_url: str,
) -> None:
    migrate.upgrade(migrations_url, "0015")
    engine = make_engine(migrations_url)
    try:
        assert _trigram_index_options(engine) == {
            "ix_models_name_trgm": ["gin_pending_list_limit=64"],
            "ix_models_slug_trgm": ["gin_pending_list_limit=64"],
        }

        migrate.downgrade(migrations_url, "0014")
        engine.dispose()
        assert _trigram_index_options(engine) == {
            "ix_models_name_trgm": None,
            "ix_models_slug_trgm": None,
        }
    finally:
        engine.dispose()


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's trigram indexes")
def test_a_database_without_the_trigram_indexes_upgrades_and_downgrades(
    migrations_url: str,
) -> None:
    """As one whose pg_trgm could not be had: 0015 finds nothing to change."""
    migrate.upgrade(migrations_url, "0014")
    engine = make_engine(migrations_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_models_name_trgm"))
            connection.execute(text("DROP INDEX ix_models_slug_trgm"))

        migrate.upgrade(migrations_url, "0015")
        migrate.downgrade(migrations_url, "0014")
        engine.dispose()

        assert _trigram_index_options(engine) == {}
    finally:
        engine.dispose()


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's extensions")
def test_a_role_that_may_not_create_pg_trgm_migrates_without_trigram_indexes(
    migrations_url: str,
) -> None:
    """The search still answers, by reading every model, where pg_trgm cannot be had."""
    role = f"modelatlas_test_role_{uuid.uuid4().hex[:10]}"
    owner = make_engine(migrations_url)
    try:
        with owner.begin() as connection:
            connection.execute(text(f"CREATE ROLE {role} LOGIN"))
            connection.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
        as_role = make_url(migrations_url).set(username=role).render_as_string(False)

        migrate.upgrade(as_role, "head")
        migrate.downgrade(as_role, "0010")
        migrate.upgrade(as_role, "head")

        engine = make_engine(as_role)
        try:
            assert (
                _model_index_names(engine) & {"ix_models_name_trgm", "ix_models_slug_trgm"} == set()
            )
            with engine.connect() as connection:
                assert not connection.scalar(
                    text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
                )
            with Session(engine) as session:
                page = search_catalog(session=session, query=CatalogQuery(q="llama"), page_size=5)
                assert page.total == 0
        finally:
            engine.dispose()
    finally:
        owner.dispose()
        drop_database(migrations_url)
        _drop_role(migrations_url, role)


def _drop_role(url: str, role: str) -> None:
    server_url = make_url(url).set(database="postgres").render_as_string(False)
    server = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    finally:
        server.dispose()


def _search_triggers(engine: Engine) -> set[str]:
    if engine.dialect.name != "sqlite":
        return set()
    with engine.connect() as connection:
        return set(
            connection.scalars(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'models'"
                )
            )
        )


def _indexed_model_ids(engine: Engine, expression: str) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text("SELECT rowid FROM models_search WHERE models_search MATCH :expression"),
                {"expression": expression},
            )
        )


def test_the_search_index_is_made_on_sqlite_only_from_the_models_already_there(
    migrations_url: str,
) -> None:
    migrate.upgrade(migrations_url, "0011")
    engine = make_engine(migrations_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Author.__table__).values(id=1, slug="acme", name="Acme"))
            connection.execute(
                insert(Model.__table__).values(id=7, author_id=1, slug="acme/old-1", name="Old One")
            )
        before = _described_differences(engine)

        migrate.upgrade(migrations_url, "0012")
        engine.dispose()

        if engine.dialect.name != "sqlite":
            assert _search_index_tables(engine) == set()
            assert _described_differences(engine) == before
            return
        assert SEARCH_INDEX in _search_index_tables(engine)
        assert _search_triggers(engine) == {
            "models_search_insert",
            "models_search_update",
            "models_search_delete",
        }
        assert _indexed_model_ids(engine, '"old one"') == [7]
        assert _indexed_model_ids(engine, '"acme/old"') == [7]
    finally:
        engine.dispose()


def test_the_search_index_goes_with_its_downgrade_and_the_models_stay_writable(
    migrations_url: str,
) -> None:
    migrate.upgrade(migrations_url, "0012")

    migrate.downgrade(migrations_url, "0011")

    engine = make_engine(migrations_url)
    try:
        assert _search_index_tables(engine) == set()
        assert _search_triggers(engine) == set()
        with engine.begin() as connection:
            connection.execute(insert(Author.__table__).values(id=1, slug="acme", name="Acme"))
            connection.execute(
                insert(Model.__table__).values(id=7, author_id=1, slug="acme/new-1", name="New")
            )
            connection.execute(
                update(Model.__table__).where(Model.__table__.c.id == 7).values(name="Newer")
            )
            connection.execute(delete(Model.__table__).where(Model.__table__.c.id == 7))
    finally:
        engine.dispose()


def test_later_downgrades_keep_the_search_index_triggers(migrations_url: str) -> None:
    """A downgrade that rebuilt `models` (Alembic's batch mode on SQLite) would drop the
    triggers 0012 made, and the search index would silently stop following the models."""
    migrate.upgrade(migrations_url, "head")

    migrate.downgrade(migrations_url, "0012")

    engine = make_engine(migrations_url)
    try:
        expected = (
            {"models_search_insert", "models_search_update", "models_search_delete"}
            if engine.dialect.name == "sqlite"
            else set()
        )
        assert _search_triggers(engine) == expected
    finally:
        engine.dispose()


def test_stored_workload_costs_move_from_a_json_column_to_their_table_and_back(
    migrations_url: str,
) -> None:
    """0018 keeps every model row; the costs are worked out again by the next refresh."""
    migrate.upgrade(migrations_url, "0017")
    engine = make_engine(migrations_url)
    try:
        with engine.begin() as connection:
            _insert_gpt_4o(
                connection, workload_costs='{"model": "openai/gpt-4o|False", "costs": {}}'
            )

        migrate.upgrade(migrations_url)

        assert "workload_costs" not in {c["name"] for c in inspect(engine).get_columns("models")}
        assert "model_workload_costs" in _tables(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT slug FROM models").scalars().all() == [
                "openai/gpt-4o"
            ]

        migrate.downgrade(migrations_url, "0017")

        assert "model_workload_costs" not in _tables(engine)
        assert "workload_costs" in {c["name"] for c in inspect(engine).get_columns("models")}
    finally:
        engine.dispose()


COMMUNITY_COUNT_TRIGGERS = {
    f"{table}_community_counts_{event}"
    for table in ("comments", "ratings")
    for event in ("insert", "delete", "update")
}


def _community_count_triggers(engine: Engine) -> set[str]:
    """The triggers on comments and ratings (not PostgreSQL's own, for foreign keys), and on
    PostgreSQL the functions they call, as `name()`."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            statement = (
                "SELECT name FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name IN ('comments', 'ratings')"
            )
            return set(connection.scalars(text(statement)))
        triggers = connection.scalars(
            text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgrelid IN ('comments'::regclass, 'ratings'::regclass)"
            )
        )
        functions = connection.scalars(
            text("SELECT proname || '()' FROM pg_proc WHERE proname LIKE '%community_counts%'")
        )
        return {*triggers, *functions}


def _index_names(engine: Engine, table_name: str) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes(table_name)}


def test_the_community_counts_start_from_the_comments_and_ratings_already_there(
    migrations_url: str,
) -> None:
    """0019 counts what 0018 left, then its triggers count every write from there; its
    downgrade takes the table and the triggers away and gives the indexes back."""
    migrate.upgrade(migrations_url, "0018")
    engine = make_engine(migrations_url)
    comments, ratings = Comment.__table__, Rating.__table__
    try:
        with engine.begin() as connection:
            connection.execute(insert(Author.__table__).values(id=1, slug="acme", name="Acme"))
            connection.execute(
                insert(Model.__table__),
                [
                    {"id": number, "author_id": 1, "slug": f"acme/m-{number}", "name": f"M{number}"}
                    for number in (1, 2, 3)
                ],
            )
            connection.execute(
                insert(User.__table__),
                [
                    {
                        "id": number,
                        "email": f"u{number}@example.test",
                        "display_name": f"U{number}",
                        "password_hash": "not-a-hash",
                    }
                    for number in (1, 2, 3)
                ],
            )
            hidden_at = datetime(2026, 1, 2, tzinfo=UTC)
            connection.execute(
                insert(comments),
                [
                    {"model_id": model_id, "user_id": 1, "body": "Hi", "hidden_at": hidden}
                    for model_id, hidden in ((1, None), (1, hidden_at), (1, None), (2, hidden_at))
                ],
            )
            connection.execute(
                insert(ratings),
                [
                    {"model_id": model_id, "user_id": user_id, "stars": stars}
                    for model_id, user_id, stars in ((1, 1, 5), (1, 2, 5), (1, 3, 3), (2, 1, 1))
                ],
            )

        migrate.upgrade(migrations_url)
        engine.dispose()

        assert _community_count_triggers(engine) == COMMUNITY_COUNT_TRIGGERS | (
            set()
            if engine.dialect.name == "sqlite"
            else {f"{name}()" for name in COMMUNITY_COUNT_TRIGGERS}
        )
        with engine.begin() as connection:
            assert stored_counts(connection) == {
                1: (3, 1, 0, 0, 1, 0, 2),
                2: (1, 1, 1, 0, 0, 0, 0),
            }
            connection.execute(insert(comments).values(model_id=3, user_id=2, body="Later"))
            connection.execute(delete(ratings).where(ratings.c.model_id == 1, ratings.c.stars == 3))
            assert stored_counts(connection) == {
                1: (3, 1, 0, 0, 0, 0, 2),
                2: (1, 1, 1, 0, 0, 0, 0),
                3: (1, 0, 0, 0, 0, 0, 0),
            }
            assert_counts_exact(connection)

        migrate.downgrade(migrations_url, "0018")
        engine.dispose()

        assert "model_community_counts" not in _tables(engine)
        assert _community_count_triggers(engine) == set()
        assert "ix_comments_model_hidden" in _index_names(engine, "comments")
        assert "ix_ratings_model_id_stars" in _index_names(engine, "ratings")
        with engine.begin() as connection:
            connection.execute(insert(comments).values(model_id=3, user_id=2, body="After"))
            connection.execute(update(comments).values(hidden_at=hidden_at))
            connection.execute(update(ratings).values(stars=2))
            connection.execute(delete(Model.__table__).where(Model.__table__.c.id == 1))
    finally:
        engine.dispose()
