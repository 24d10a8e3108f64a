"""Every table is declared page content or not, once, with columns that exist, and
every content table as catalog or community data.

A new table in neither list would be treated as shown on every page (safe,
but each write to it would empty the page caches): declare it.
"""

import pytest

from app.db import Base
from app.services.publishing.page_content import NOT_PAGE_CONTENT, PAGE_CONTENT, Data

TABLES = Base.metadata.tables


def test_every_table_is_declared_page_content_or_not() -> None:
    undeclared = set(TABLES) - set(PAGE_CONTENT) - set(NOT_PAGE_CONTENT)
    assert not undeclared, (
        f"declare in app/services/publishing/page_content.py: {sorted(undeclared)}"
    )


def test_no_table_is_declared_twice_or_missing() -> None:
    assert not set(PAGE_CONTENT) & set(NOT_PAGE_CONTENT)
    assert set(PAGE_CONTENT) | set(NOT_PAGE_CONTENT) <= set(TABLES)


@pytest.mark.parametrize("table", sorted(PAGE_CONTENT))
def test_declared_columns_exist(table: str) -> None:
    content = PAGE_CONTENT[table]
    named = set(content.keys) | set(content.shown_columns or ())

    assert named <= set(TABLES[table].columns.keys())
    assert bool(content.keys) == (content.models_of is not None)


def test_each_content_table_says_whether_it_is_catalog_or_community_data() -> None:
    """Community data moves only the pages version: what the catalog memo remembers
    (`services.publishing.computed_memo`) must never read it, and catalog data must never be
    here."""
    community = {table for table, content in PAGE_CONTENT.items() if content.data is Data.COMMUNITY}
    catalog = {table for table, content in PAGE_CONTENT.items() if content.data is Data.CATALOG}

    assert community == {"ratings", "comments", "model_community_counts", "users"}
    assert catalog | community == set(PAGE_CONTENT)
