"""Trigram indexes for the catalog search's words, on PostgreSQL.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:30:00.000000

A search word matches anywhere in a model's name or slug (`ILIKE '%word%'`),
which no B-tree index can seek: PostgreSQL read every model and lower-cased
two columns of each, 45 ms of a search at ten times today's catalog. pg_trgm's
GIN indexes answer `ILIKE` patterns from the trigrams of the word, one index
per column (the two conditions are OR-ed, and PostgreSQL combines the two
indexes' bitmaps). pg_trgm is a trusted extension: the database's owner may
create it. A role that may not (one without CREATE on a database where nobody
created it yet) gets no trigram indexes and a warning: the search's ILIKE then
reads every model, slower, with the same answers, and creating the extension
then running this revision again (downgrade to 0010, upgrade) adds them.

SQLite has no such index: its search reads the covering index of 0008, and
this revision changes nothing there. The downgrade leaves the extension in
place: other objects may use it, and it costs nothing unused.
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEXES = {"ix_models_name_trgm": "name", "ix_models_slug_trgm": "slug"}


_log = logging.getLogger("alembic.runtime.migration")


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _trigram_extension() -> bool:
    """pg_trgm is in this database, created now if need be; False when this role may not.

    Tried under a savepoint, so a refusal leaves the migration's transaction usable.
    """
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as refused:
        _log.warning(
            "No trigram indexes for the catalog search: pg_trgm could not be created (%s). "
            "Searches still work, reading every model.",
            str(refused.orig).strip(),
        )
        return False
    return True


def upgrade() -> None:
    if not _on_postgresql() or not _trigram_extension():
        return
    for name, column in TRIGRAM_INDEXES.items():
        op.create_index(
            name,
            "models",
            [column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if not _on_postgresql():
        return
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
