"""On PostgreSQL the model page's statements are planned once per connection, and well.

psycopg prepares a statement from its fifth run on a connection; PostgreSQL
then plans its first five executions for their parameters (custom plans) and
from the sixth keeps one generic plan, if that plan's estimated cost is no
worse. A statement whose generic plan looks worse (a LIMIT or OFFSET bound as
a parameter makes it look so) is planned again on every request: on the
model page that was 0.7 ms of a cold page's 8 for the endpoints alone. And
a generic plan must be a good one, since it serves every request after:
at PostgreSQL's default cost of a random page read the comparable models
were ranked by reading every model, 12 ms on ten times today's catalog
(`app.db.RANDOM_PAGE_COST`).
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from tests.support.databases import backend
from tests.support.listening import listening

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL's plan cache")

MODEL_PAGE = f"/models/{REFERENCE_MODEL_SLUG}"
# Enough views for psycopg to prepare each statement (its fifth run) and PostgreSQL to
# plan it five times for its parameters, then settle on a generic plan or not.
VIEWS = 14
_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")
_BOUND_COUNT = re.compile(r"\b(LIMIT|OFFSET) \$\d")


@pytest.fixture
def page_statements(catalog_engine: Engine) -> Iterator[dict[str, list[Any]]]:
    """Each statement the catalog engine sends while the test runs, as PostgreSQL stores it
    prepared (`$1`... for psycopg's named parameters), with its last run's parameters in
    the order of their numbers."""
    statements: dict[str, list[Any]] = {}

    def record(_conn, _cursor, sql, parameters, _context, _executemany) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            names = dict.fromkeys(_NAMED_PARAMETER.findall(sql))
            statements[_as_prepared(sql)] = [parameters[name] for name in names]

    with listening(catalog_engine, "before_cursor_execute", record):
        yield statements


def _as_prepared(sql: str) -> str:
    """The statement as psycopg prepares it: each name numbered in order of first use."""
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${numbers.setdefault(match[1], len(numbers) + 1)}"

    return _NAMED_PARAMETER.sub(number, sql)


def _prepared(connection: Connection) -> dict[str, tuple[str, int, int]]:
    """This connection's prepared statements: text -> (name, generic plans, custom plans)."""
    rows = connection.exec_driver_sql(
        "SELECT statement, name, generic_plans, custom_plans FROM pg_prepared_statements"
    )
    return {statement: (name, generic, custom) for statement, name, generic, custom in rows}


def _view_cold(
    memo_clients: tuple[TestClient, TestClient], connection: Connection, times: int
) -> None:
    """The model page, computed whole on every view (no page cache, no memo), on tables
    analyzed as autovacuum leaves a served database, so plans weigh the rows there are."""
    connection.exec_driver_sql("ANALYZE")
    _remembering, computing = memo_clients
    for _ in range(times):
        assert computing.get(MODEL_PAGE).status_code == 200


def test_each_statement_of_the_model_page_is_planned_once(
    memo_clients: tuple[TestClient, TestClient],
    catalog_session: Session,
    page_statements: dict[str, list[Any]],
) -> None:
    _view_cold(memo_clients, catalog_session.connection(), VIEWS)
    prepared = _prepared(catalog_session.connection())

    sent = [sql for sql in page_statements if sql in prepared]
    replanned = {sql: prepared[sql][1:] for sql in sent if prepared[sql][2] > 5}

    assert len(sent) >= 10, f"the page's statements were not prepared: {list(page_statements)}"
    assert replanned == {}


def test_the_model_page_binds_no_limit_or_offset(
    memo_clients: tuple[TestClient, TestClient],
    catalog_session: Session,
    page_statements: dict[str, list[Any]],
) -> None:
    """What made a statement's generic plan look the dearer on the benchmark's catalog,
    where the endpoints statement was planned for its parameters on every request
    (`app.literal_limits`); a test database's few rows may not show it."""
    _view_cold(memo_clients, catalog_session.connection(), 1)

    bound = [sql for sql in page_statements if _BOUND_COUNT.search(sql)]

    assert bound == []


def test_the_comparable_models_generic_plan_walks_the_ranking_index(
    memo_clients: tuple[TestClient, TestClient],
    catalog_session: Session,
    page_statements: dict[str, list[Any]],
) -> None:
    """Cheapest first from `ix_model_workload_costs_ranking`, the walk stopping at the LIMIT:
    no sequential read of the models, no sort of every stored cost."""
    connection = catalog_session.connection()
    _view_cold(memo_clients, connection, VIEWS)
    (ranking,) = [sql for sql in page_statements if "FROM model_workload_costs" in sql]
    name, _generic, _custom = _prepared(connection)[ranking]
    values = page_statements[ranking]
    # The parameters as SQL literals, as EXECUTE takes them.
    arguments = psycopg.ClientCursor(connection.connection.driver_connection).mogrify(
        ", ".join(["%s"] * len(values)), values
    )

    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    plan = connection.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) EXECUTE {name}({arguments})"
    ).scalar_one()
    nodes = list(_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))

    assert ("Seq Scan", "models") not in nodes
    assert [kind for kind, _table in nodes if kind in ("Sort", "Hash")] == []
    assert ("Index Scan", "model_workload_costs") in nodes


def _nodes(node: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    yield node["Node Type"], node.get("Relation Name")
    for child in node.get("Plans", ()):
        yield from _nodes(child)
