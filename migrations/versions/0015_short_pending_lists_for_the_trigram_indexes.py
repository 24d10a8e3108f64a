"""The catalog search's trigram indexes keep a short pending list, on PostgreSQL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 20:10:00.000000

A GIN index puts what is written to it in a pending list (`fastupdate`), merged
into the index by VACUUM or once it outgrows `gin_pending_list_limit` (4 MB by
default); until then every search reads the whole list besides the index, for
each of its words. Models are written in bulk (an import, a refresh re-counting
rollups: each such update writes every index of the row anew), so after one
the list holds the trigrams of thousands of names and slugs, and stays so as
long as autovacuum is off or has not come round. The smallest limit, 64 kB,
bounds what a search reads to a few pages; a write that fills the list merges
it into the index, in one batch, which keeps writes nearly as cheap as with the
default (turning the list off would make every write of a model several times
dearer).

The upgrade also merges what the lists hold already (`gin_clean_pending_list`).
An index 0011 could not make (a database without pg_trgm) is left alone.
SQLite has no such index: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEXES = ("ix_models_name_trgm", "ix_models_slug_trgm")
PENDING_LIST_KB = 64


def _existing_trigram_indexes() -> list[str]:
    """The trigram indexes this database has: none on SQLite."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return []
    return [name for name in TRIGRAM_INDEXES if bind.scalar(text(f"SELECT to_regclass('{name}')"))]


def upgrade() -> None:
    for name in _existing_trigram_indexes():
        op.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    for name in _existing_trigram_indexes():
        op.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")
