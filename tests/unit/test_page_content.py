"""Every table is declared page content or not, once, with columns that exist.

A new table in neither list would be treated as shown on every page (safe,
but each write to it would empty the page caches): declare it.
"""

import pytest

from app.db import Base
from app.services.page_content import NOT_PAGE_CONTENT, PAGE_CONTENT

TABLES = Base.metadata.tables


def test_every_table_is_declared_page_content_or_not() -> None:
    undeclared = set(TABLES) - set(PAGE_CONTENT) - set(NOT_PAGE_CONTENT)
    assert not undeclared, f"declare in app/services/page_content.py: {sorted(undeclared)}"


def test_no_table_is_declared_twice_or_missing() -> None:
    assert not set(PAGE_CONTENT) & set(NOT_PAGE_CONTENT)
    assert set(PAGE_CONTENT) | set(NOT_PAGE_CONTENT) <= set(TABLES)


@pytest.mark.parametrize("table", sorted(PAGE_CONTENT))
def test_declared_columns_exist(table: str) -> None:
    content = PAGE_CONTENT[table]
    named = set(content.keys) | set(content.shown_columns or ())

    assert named <= set(TABLES[table].columns.keys())
    assert bool(content.keys) == (content.models_of is not None)
