"""The catalog search reads its covering index, never the models table, however big the catalog.

Search words match anywhere in a name (LIKE '%word%'), so a search reads
every model its other filters let through; what keeps it fast at ten times
today's catalog is that both its statements find every column they need in
`ix_models_catalog_search`. SQLite says so in its query plan.
"""

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services.catalog import parse_catalog_query, search_catalog
from tests.support.databases import backend


@pytest.mark.skipif(backend() != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize(
    "params",
    [
        {"q": "llama", "min_context": "128000", "max_price": "1"},
        {"q": "llama"},
        {"q": "mistral small", "min_context": "32k"},
    ],
)
def test_the_search_reads_the_covering_index_not_the_table(
    catalog_session: Session, params: dict[str, str]
) -> None:
    query, _ = parse_catalog_query(params=params, author_slugs=set(), provider_slugs=set())
    connection = catalog_session.connection()
    statements: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        search_catalog(session=catalog_session, query=query, page_size=50)
    finally:
        event.remove(connection, "before_cursor_execute", capture)

    assert len(statements) == 2
    for statement, parameters in statements:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        reads_of_models = [row[3] for row in plan if " models " in f"{row[3]} "]
        assert reads_of_models, plan
        assert all("COVERING INDEX ix_models_catalog_search" in read for read in reads_of_models), (
            plan
        )
