"""SQLite's trigram index of model names and slugs: the models a search word can be in.

A search word matches anywhere in a model's name or slug (LIKE '%word%'),
which no B-tree index can seek. On SQLite, migration 0012 keeps an FTS5
table of every model's name and slug, tokenized into trigrams and kept in
step by triggers on `models`; a word quoted as an FTS5 phrase finds the
models holding its trigrams in a row, that is holding the word, without
reading the others. PostgreSQL gets the same from its pg_trgm indexes,
through the ILIKE itself.

The index only narrows a search; the search's LIKE conditions still decide.
The tokenizer folds the case of every letter it knows, where SQLite's LIKE
folds ASCII letters only, so the index may offer a model LIKE turns down,
never miss one LIKE would take. A word of fewer than three characters has
no trigram to look up (the phrase would match nothing), and a NUL ends a
LIKE pattern early, so such words are left to LIKE alone.

The table is not declared on `Base.metadata`: SQLAlchemy has no virtual
tables, and FTS5 adds shadow tables of its own. Schema comparisons (Alembic's
autogenerate, the migration tests) skip them with `is_search_index_table`.
"""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, column, select, table
from sqlalchemy.sql.elements import BindParameter

SEARCH_INDEX = "models_search"
# Tables FTS5 makes for an index and names after it.
_SHADOW_TABLES = frozenset(
    f"{SEARCH_INDEX}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")
)
TRIGRAM_LENGTH = 3

_index = table(SEARCH_INDEX, column("rowid"), column(SEARCH_INDEX))


def is_search_index_table(name: str) -> bool:
    """The FTS5 table or one of the shadow tables SQLite keeps for it."""
    return name == SEARCH_INDEX or name in _SHADOW_TABLES


def indexed_words(words: Iterable[str]) -> list[str]:
    """The words the index can look up: three characters or more, no NUL."""
    return [word for word in words if len(word) >= TRIGRAM_LENGTH and "\x00" not in word]


def match_expression(words: Iterable[str]) -> str:
    """An FTS5 query for models holding every one of `words` (each an `indexed_words` one)
    in their name or slug: each word a phrase, its double quotes doubled."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


def in_search_index(
    model_id: ColumnElement[int], expression: BindParameter[str]
) -> ColumnElement[bool]:
    """`model_id` is one of the models the FTS5 query `expression` finds."""
    return model_id.in_(select(_index.c.rowid).where(_index.c[SEARCH_INDEX].match(expression)))
