"""A trigram search index of model names and slugs, on SQLite.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:30:00.000000

A search word matches anywhere in a model's name or slug (`LIKE '%word%'`),
which no B-tree index can seek: SQLite read every model its other filters
let through. An FTS5 table with the trigram tokenizer finds the models whose
name or slug holds a word's trigrams in order, which is what the search uses
to narrow it (see `app.services.catalog.search_index`). PostgreSQL has its
trigram indexes (0011); this revision changes nothing there.

The table keeps its own copy of each name and slug, under the model's id as
rowid, so a trigger removes a row by id alone; the triggers on `models` keep
it in step with every write, whoever makes it (the ORM, Core executemany,
raw SQL, a cascade from a deleted lab). A batch migration that rebuilds
`models` on SQLite drops these triggers with the old table: such a migration
must create them again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {
    "models_search_insert": """
        CREATE TRIGGER models_search_insert AFTER INSERT ON models BEGIN
            INSERT INTO models_search (rowid, name, slug) VALUES (new.id, new.name, new.slug);
        END""",
    "models_search_update": """
        CREATE TRIGGER models_search_update AFTER UPDATE OF id, name, slug ON models
        WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.slug IS NOT new.slug
        BEGIN
            DELETE FROM models_search WHERE rowid = old.id;
            INSERT INTO models_search (rowid, name, slug) VALUES (new.id, new.name, new.slug);
        END""",
    "models_search_delete": """
        CREATE TRIGGER models_search_delete AFTER DELETE ON models BEGIN
            DELETE FROM models_search WHERE rowid = old.id;
        END""",
}


def _on_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _on_sqlite():
        return
    op.execute("CREATE VIRTUAL TABLE models_search USING fts5(name, slug, tokenize='trigram')")
    op.execute("INSERT INTO models_search (rowid, name, slug) SELECT id, name, slug FROM models")
    for statement in TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if not _on_sqlite():
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE models_search")
