"""The model page's and the catalog's statements reach the big tables through indexes.

Every statement a request sends is captured with its parameters, then the
database is asked how it would run it: `EXPLAIN QUERY PLAN` on SQLite,
`EXPLAIN (FORMAT JSON)` on PostgreSQL with sequential scans switched off for
the transaction. Switching them off is what makes the test mean something on
a test database: with a few hundred rows a sequential scan is the right plan,
and PostgreSQL would rightly pick it; with them off, it still picks one only
when no index can serve the statement at all.

A big table (models, endpoints, prices, metric samples, comments, the
models' stored workload costs and community counts; the page reads a model's
ratings only as its row of counts) may be read by an index search, or walked
in the order of an index to find the first rows of a LIMIT (the catalog
sorted by price takes the cheapest fifty that match). Reading it whole is a
failure. Small tables (labs, providers, modalities, the refresh log) may be
scanned: they stay small.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.engine.default import CACHE_HIT
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Endpoint, MetricSample, Model
from app.services.catalog.catalog_page import SORTS
from app.services.community.ratings import rate_model
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from tests.support.community_data import add_comments, make_user
from tests.support.databases import backend
from tests.support.listening import listening

BIG_TABLES = frozenset(
    {
        "models",
        "endpoints",
        "prices",
        "metric_samples",
        "comments",
        "model_workload_costs",
        "model_community_counts",
    }
)
MODEL_PAGE = f"/models/{REFERENCE_MODEL_SLUG}"
# A workload whose costs are not stored (a preset edited): the comparable models are
# shortlisted by rollup prices.
MODEL_PAGE_OTHER_WORKLOAD = f"{MODEL_PAGE}?preset=rag&output_tokens=777"
# A search word and two filters, as someone after a cheap long-context Llama would type.
CATALOG_SEARCH = "/?q=llama&min_context=128000&max_price=1"
_SQLITE_TABLE_READ = re.compile(r"^(?P<how>SCAN|SEARCH) (?P<table>\w+)(?P<rest>.*)$")


@dataclass(frozen=True)
class Statement:
    """One statement as the driver received it, and whether its compiled form was cached."""

    sql: str
    parameters: Any
    compiled_before: bool = False

    @property
    def has_limit(self) -> bool:
        return re.search(r"\bLIMIT\b", self.sql) is not None


@pytest.fixture
def captured(catalog_engine: Engine) -> Iterator[list[Statement]]:
    """Every SELECT the catalog engine sends while the test runs, with its parameters."""
    statements: list[Statement] = []

    def record(_conn, _cursor, sql, parameters, context, _executemany) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            cached = getattr(context, "cache_hit", None) is CACHE_HIT
            statements.append(Statement(sql, parameters, compiled_before=cached))

    with listening(catalog_engine, "before_cursor_execute", record):
        yield statements


def full_reads(connection: Connection, statement: Statement) -> list[str]:
    """How the statement would read a big table whole, in the database's words; [] if never."""
    if connection.dialect.name == "sqlite":
        return _sqlite_full_reads(connection, statement)
    return _postgresql_full_reads(connection, statement)


def _sqlite_full_reads(connection: Connection, statement: Statement) -> list[str]:
    plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement.sql}", statement.parameters)
    problems = []
    for *_ids, detail in plan:
        read = _SQLITE_TABLE_READ.match(detail)
        if read is None or read["table"] not in BIG_TABLES or read["how"] == "SEARCH":
            continue
        walks_an_index = re.match(r" USING (COVERING )?INDEX ", read["rest"])
        if not (walks_an_index and statement.has_limit):
            problems.append(detail)
    return problems


def _postgresql_full_reads(connection: Connection, statement: Statement) -> list[str]:
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {statement.sql}", statement.parameters
    ).scalar_one()
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return list(_pg_full_reads(root, under_limit=False))


def _pg_full_reads(node: dict[str, Any], *, under_limit: bool) -> Iterator[str]:
    """Scans of big tables that read every row: sequential, or an index walked whole
    (allowed only straight under a LIMIT, where the walk stops at the first rows)."""
    kind = node["Node Type"]
    table = node.get("Relation Name")
    if table in BIG_TABLES:
        searched = "Index Cond" in node or "Recheck Cond" in node
        if kind == "Seq Scan" or (not searched and not under_limit):
            yield f"{kind} on {table}"
    limit_passes = kind == "Limit" or (under_limit and kind in ("Nested Loop", "Result"))
    for child in node.get("Plans", ()):
        yield from _pg_full_reads(child, under_limit=limit_passes)


def indexes_used(connection: Connection, statement: Statement) -> set[str]:
    """The indexes the database's plan for `statement` reads (sequential scans off on
    PostgreSQL, as in `full_reads`)."""
    if connection.dialect.name == "sqlite":
        plan = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement.sql}", statement.parameters
        )
        return {found[1] for *_ids, detail in plan if (found := re.search(r"INDEX (\w+)", detail))}
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {statement.sql}", statement.parameters
    ).scalar_one()
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return set(_pg_index_names(root))


def _pg_index_names(node: dict[str, Any]) -> Iterator[str]:
    if "Index Name" in node:
        yield node["Index Name"]
    for child in node.get("Plans", ()):
        yield from _pg_index_names(child)


@pytest.fixture
def busy_reference_model(catalog_session: Session) -> Model:
    """The reference model with ratings, comments and a day of samples, so every
    statement of its page runs with rows to find."""
    model = catalog_session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
    for number in range(1, 6):
        user = make_user(catalog_session, f"Planner{number}")
        rate_model(session=catalog_session, model_id=model.id, user_id=user.id, stars=number)
        add_comments(catalog_session, model, user, 3)
    now = utcnow()
    endpoints = catalog_session.scalars(select(Endpoint).where(Endpoint.model_id == model.id))
    for endpoint in endpoints:
        catalog_session.add_all(
            MetricSample(
                endpoint_id=endpoint.id,
                measured_at=now - timedelta(hours=hours_ago),
                source="openrouter",
            )
            for hours_ago in range(24)
        )
    catalog_session.flush()
    return model


def _statements_of(client: TestClient, captured: list[Statement], path: str) -> list[Statement]:
    captured.clear()
    assert client.get(path).status_code == 200
    assert captured, f"{path} sent no statement"
    return list(captured)


def test_the_model_page_reads_big_tables_through_indexes(
    client: TestClient,
    catalog_session: Session,
    captured: list[Statement],
    busy_reference_model: Model,
) -> None:
    statements = _statements_of(client, captured, MODEL_PAGE)
    connection = catalog_session.connection()

    problems = {s.sql: full_reads(connection, s) for s in statements}

    read_tables = " ".join(s.sql for s in statements)
    for table in BIG_TABLES:
        assert f"FROM {table}" in read_tables or f"JOIN {table}" in read_tables, table
    assert {sql: found for sql, found in problems.items() if found} == {}


# What the comparable models' shortlist ranks models by and filters them on.
SHORTLIST_RANKING_COLUMNS = frozenset(
    {"id", "context_window", "price_input_min", "price_output_min", "status"}
)


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's plan; PostgreSQL's index below")
def test_the_comparable_models_are_shortlisted_from_an_index_alone(
    client: TestClient,
    catalog_session: Session,
    captured: list[Statement],
    busy_reference_model: Model,
) -> None:
    """On a workload whose costs are not stored, the shortlist ranks every model that fits
    by its rollup prices from the search index's entries, not from the models' rows (wide
    ones: descriptions, facts)."""
    statements = _statements_of(client, captured, MODEL_PAGE_OTHER_WORKLOAD)
    (shortlist,) = [s for s in statements if "ORDER BY coalesce(models.price_input_min" in s.sql]

    plan = catalog_session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {shortlist.sql}", shortlist.parameters
    )

    model_reads = [detail for *_ids, detail in plan if re.match(r"(SCAN|SEARCH) models\b", detail)]
    assert len(model_reads) == 1, model_reads
    assert "USING COVERING INDEX" in model_reads[0]


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's plan")
def test_the_stored_costs_are_ranked_in_the_order_of_their_index(
    client: TestClient,
    catalog_session: Session,
    captured: list[Statement],
    busy_reference_model: Model,
) -> None:
    """The default workload's comparable models are read cheapest first from the index on
    workload and cost, so the database stops at the first that qualify: no sort."""
    statements = _statements_of(client, captured, MODEL_PAGE)
    (ranking,) = [s for s in statements if "FROM model_workload_costs" in s.sql]

    plan = [
        detail
        for *_ids, detail in catalog_session.connection().exec_driver_sql(
            f"EXPLAIN QUERY PLAN {ranking.sql}", ranking.parameters
        )
    ]

    (costs_read,) = [detail for detail in plan if "model_workload_costs" in detail]
    assert re.match(
        r"SEARCH model_workload_costs USING INDEX ix_model_workload_costs_ranking "
        r"\(workload_key=\? AND per_month>\? AND per_month<\?\)",
        costs_read,
    ), plan
    assert not [detail for detail in plan if "TEMP B-TREE" in detail], plan


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's index entries")
def test_an_index_holds_every_column_the_comparable_models_are_ranked_by(
    catalog_session: Session,
) -> None:
    """What lets PostgreSQL rank them from an index alone (an index-only scan), once the
    table is vacuumed: a test database's few rows are read from the table whatever
    indexes it has, so the plan would not tell."""
    indexes = inspect(catalog_session.connection()).get_indexes("models")

    covering = [
        index["name"]
        for index in indexes
        if {*index["column_names"], *index.get("dialect_options", {}).get("postgresql_include", ())}
        >= SHORTLIST_RANKING_COLUMNS
    ]
    assert covering == ["ix_models_shortlist"]


@pytest.mark.parametrize("sort", ["", *(f"&sort={key}" for key in SORTS)])
def test_the_catalog_search_reads_models_through_indexes(
    client: TestClient, catalog_session: Session, captured: list[Statement], sort: str
) -> None:
    """What each search reads. The catalog is viewed once first: its facets (every lab's
    model count, every provider's offer and model counts) count whole tables by design,
    once per catalog version (`catalog_page.catalog_facets`), not once per search."""
    assert client.get("/").status_code == 200
    statements = _statements_of(client, captured, f"{CATALOG_SEARCH}{sort}")
    connection = catalog_session.connection()

    problems = {s.sql: full_reads(connection, s) for s in statements}

    assert any("FROM models" in s.sql for s in statements)
    assert {sql: found for sql, found in problems.items() if found} == {}


def test_the_price_changes_feed_compares_only_the_prices_of_endpoints_with_history(
    client: TestClient, catalog_session: Session, captured: list[Statement]
) -> None:
    """Only an endpoint with a closed price row can have a change: the feed finds those
    endpoints through `ix_prices_closed` and compares their rows alone, where it compared
    every price. (Not `full_reads`: on PostgreSQL, matching prices to those endpoints by
    hashing reads the table whole, and is still the cheaper plan.)"""
    (feed,) = [s for s in _statements_of(client, captured, "/feeds/prices.atom") if "lag(" in s.sql]

    used = indexes_used(catalog_session.connection(), feed)

    assert "ix_prices_closed" in used


def test_the_new_models_feed_reads_the_newest_models_from_an_index(
    client: TestClient, catalog_session: Session, captured: list[Statement]
) -> None:
    """Walked backwards through `ix_models_created_at` to its fiftieth, not every model sorted."""
    (feed,) = _statements_of(client, captured, "/feeds/models.atom")

    assert "ix_models_created_at" in indexes_used(catalog_session.connection(), feed)
    assert full_reads(catalog_session.connection(), feed) == []


@pytest.mark.parametrize("path", [MODEL_PAGE, CATALOG_SEARCH, f"{CATALOG_SEARCH}&sort=price"])
def test_each_statement_is_compiled_once(
    client: TestClient, captured: list[Statement], path: str
) -> None:
    """SQLAlchemy's statement cache serves every statement of a page after its first view.

    A statement built with a value inlined instead of bound, or one the cache
    cannot key, would be compiled again on every request.
    """
    _statements_of(client, captured, path)

    # Another address for the same page, so the page cache does not answer it.
    again = _statements_of(client, captured, f"{path}{'&' if '?' in path else '?'}page=1")

    assert [s.sql for s in again if not s.compiled_before] == []


def test_a_statement_compiled_for_the_first_time_is_told_apart(
    catalog_session: Session, captured: list[Statement]
) -> None:
    never_seen = select(Model.id).where(Model.name == "compiled once").limit(7)

    catalog_session.execute(never_seen)
    catalog_session.execute(never_seen)

    assert [statement.compiled_before for statement in captured] == [False, True]


def test_a_statement_with_no_usable_index_is_reported(catalog_session: Session) -> None:
    connection = catalog_session.connection()
    by_summary = Statement(
        "SELECT models.id FROM models WHERE models.summary = 'x'",
        () if connection.dialect.name == "sqlite" else {},
    )

    assert full_reads(connection, by_summary)
