"""The catalog search reads its covering index, never the models table, however big the catalog.

Search words match anywhere in a name (LIKE '%word%'), so a search reads
every model its other filters let through; what keeps it fast at ten times
today's catalog is that both its statements find every column they need in
`ix_models_catalog_search`. SQLite says so in its query plan. PostgreSQL
finds the words' models through the trigram indexes on name and slug instead.
"""

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.services.catalog.catalog_page import parse_catalog_query, search_catalog
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


@pytest.mark.skipif(backend() != "postgresql", reason="reads PostgreSQL's query plan")
def test_the_search_words_can_be_found_through_the_trigram_indexes(
    catalog_session: Session,
) -> None:
    query, _ = parse_catalog_query(params={"q": "llama"}, author_slugs=set(), provider_slugs=set())
    connection = catalog_session.connection()
    statements: list[tuple[str, dict]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        search_catalog(session=catalog_session, query=query, page_size=50)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    # The test catalog is small enough for a scan to be cheapest: forbid it, to see that the
    # count's shape (the same WHERE as the page's) lets the indexes serve it. The page's plan
    # on so few rows starts from the labs instead, which says nothing of a big catalog.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    count_statement, parameters = statements[0]

    plan = "\n".join(
        row[0] for row in connection.exec_driver_sql(f"EXPLAIN {count_statement}", parameters)
    )

    assert "count(" in count_statement, count_statement
    assert "ix_models_name_trgm" in plan, plan
    assert "ix_models_slug_trgm" in plan, plan
