"""Each model's comment and rating counts in a row of their own, kept by triggers.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 15:00:00.000000

The model page counted a model's comments (all, and hidden ones) and its
ratings by stars from covering indexes (0008, 0016): an index entry per
comment and rating, 9.7 ms on SQLite and 9.3 ms on PostgreSQL for the
benchmark's busiest model (100,000 comments, 10,000 ratings), most of a cold
page, and again for the next visitor after every comment or rating. Here the
counts are one row per model (`model_community_counts`), read by its key.

Triggers keep the row, not application code: comments and ratings are
written by posting, deleting, hiding and unhiding, by rating again (an
upsert), by a merge that moves them to another model and deletes duplicates,
by the cascades of a deleted account or model, and by bulk inserts; the
triggers see each of these. A row is only ever made by an upsert that adds
(concurrent first comments on a model meet in ON CONFLICT, and the second
adds to the first's row), and a count only ever goes down by an UPDATE of
the model's row, which counted what goes: so when a model is deleted, its
cascaded comments and ratings never make a row for it again, whichever of
the cascades runs first. An update subtracts what the old row counted from
its model and adds what the new row counts to its own (a merge changes
model_id). Increments are `x = x + n`, atomic under the row's lock. A row
whose counts are all back at zero stays: a row of zeros is a few bytes per
model that ever had a comment or rating, and no trigger has to decide when
to delete one. No row reads as zero too. CHECK constraints keep every count
at zero or more, and the hidden comments among the comments.

- SQLite: row triggers, AFTER INSERT, AFTER DELETE, and AFTER UPDATE OF the
  counted columns when they change. SQLite fires them for the rows an ON DELETE
  CASCADE deletes as well (foreign keys are on, `app.db`).
- PostgreSQL: statement triggers with transition tables, which add up a
  statement's rows per model and write each model's row once per statement.
  PostgreSQL keeps every version of a row a transaction updates until it
  ends, and each update reads past all of them: with a row trigger, inserting
  100,000 comments on one model in one statement took 105 s. A merge moves a
  model's comments in one statement, and a deleted model's cascade is one
  statement too. A bulk insert sent a row a statement (an executemany) still
  updates the row once per row: the benchmark's build sends its comments and
  ratings many rows a statement (`bench.scaled_dataset`). A transition table
  cannot go with a column list (UPDATE OF), so the UPDATE trigger runs for
  every update and writes only the models whose counts change (an edited
  body changes none).

The indexes that served the counts, `ix_comments_model_hidden` and
`ix_ratings_model_id_stars`, go: nothing else reads them (a model's comments
are found by `ix_comments_model_created`, its ratings by the unique model and
user pair). A batch migration that rebuilds `comments` or `ratings` on SQLite
drops these triggers with the old table: such a migration must create them
again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNT_COLUMNS = (
    "comments",
    "hidden_comments",
    "one_star_ratings",
    "two_star_ratings",
    "three_star_ratings",
    "four_star_ratings",
    "five_star_ratings",
)

# What a comment or rating row adds to its model's counts (`new`) and takes from them
# (`old`), as SQLite trigger statements; each trigger below is made of them.
_SQLITE_COMMENT_ADDED = """
            INSERT INTO model_community_counts (model_id, comments, hidden_comments)
            VALUES (new.model_id, 1, new.hidden_at IS NOT NULL)
            ON CONFLICT (model_id) DO UPDATE SET
                comments = comments + excluded.comments,
                hidden_comments = hidden_comments + excluded.hidden_comments;"""
_SQLITE_COMMENT_REMOVED = """
            UPDATE model_community_counts SET
                comments = comments - 1,
                hidden_comments = hidden_comments - (old.hidden_at IS NOT NULL)
            WHERE model_id = old.model_id;"""
_SQLITE_RATING_ADDED = """
            INSERT INTO model_community_counts (
                model_id, one_star_ratings, two_star_ratings, three_star_ratings,
                four_star_ratings, five_star_ratings
            )
            VALUES (
                new.model_id, new.stars = 1, new.stars = 2, new.stars = 3, new.stars = 4,
                new.stars = 5
            )
            ON CONFLICT (model_id) DO UPDATE SET
                one_star_ratings = one_star_ratings + excluded.one_star_ratings,
                two_star_ratings = two_star_ratings + excluded.two_star_ratings,
                three_star_ratings = three_star_ratings + excluded.three_star_ratings,
                four_star_ratings = four_star_ratings + excluded.four_star_ratings,
                five_star_ratings = five_star_ratings + excluded.five_star_ratings;"""
_SQLITE_RATING_REMOVED = """
            UPDATE model_community_counts SET
                one_star_ratings = one_star_ratings - (old.stars = 1),
                two_star_ratings = two_star_ratings - (old.stars = 2),
                three_star_ratings = three_star_ratings - (old.stars = 3),
                four_star_ratings = four_star_ratings - (old.stars = 4),
                five_star_ratings = five_star_ratings - (old.stars = 5)
            WHERE model_id = old.model_id;"""
SQLITE_TRIGGERS = {
    "comments_community_counts_insert": f"""
        CREATE TRIGGER comments_community_counts_insert AFTER INSERT ON comments BEGIN
            {_SQLITE_COMMENT_ADDED}
        END""",
    "comments_community_counts_delete": f"""
        CREATE TRIGGER comments_community_counts_delete AFTER DELETE ON comments BEGIN
            {_SQLITE_COMMENT_REMOVED}
        END""",
    "comments_community_counts_update": f"""
        CREATE TRIGGER comments_community_counts_update
        AFTER UPDATE OF model_id, hidden_at ON comments
        WHEN old.model_id IS NOT new.model_id
            OR (old.hidden_at IS NULL) IS NOT (new.hidden_at IS NULL)
        BEGIN
            {_SQLITE_COMMENT_REMOVED}
            {_SQLITE_COMMENT_ADDED}
        END""",
    "ratings_community_counts_insert": f"""
        CREATE TRIGGER ratings_community_counts_insert AFTER INSERT ON ratings BEGIN
            {_SQLITE_RATING_ADDED}
        END""",
    "ratings_community_counts_delete": f"""
        CREATE TRIGGER ratings_community_counts_delete AFTER DELETE ON ratings BEGIN
            {_SQLITE_RATING_REMOVED}
        END""",
    "ratings_community_counts_update": f"""
        CREATE TRIGGER ratings_community_counts_update
        AFTER UPDATE OF model_id, stars ON ratings
        WHEN old.model_id IS NOT new.model_id OR old.stars IS NOT new.stars
        BEGIN
            {_SQLITE_RATING_REMOVED}
            {_SQLITE_RATING_ADDED}
        END""",
}

# A function per table and event, each run once per statement with the statement's rows
# (`new_rows`, `old_rows`). An insert only adds, a delete only subtracts. An update adds
# up per model what its old rows counted (negative) and what its new rows count, and
# leaves out the models where that comes to nothing. A model whose change could not be a
# row of its own (a count goes down, or more comments become hidden than are added) has
# its row already, as it counted those comments or ratings: its row is updated. Every
# other model's is upserted: a CHECK constraint judges the row an upsert proposes before
# it finds the row already there, so that row must pass it. The two sets of models are
# apart, so no row is written twice in the statement.
POSTGRESQL_FUNCTIONS = {
    "comments_community_counts_insert": """
        CREATE FUNCTION comments_community_counts_insert() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO model_community_counts AS counts (model_id, comments, hidden_comments)
            SELECT model_id, count(*), count(hidden_at) FROM new_rows GROUP BY model_id
            ON CONFLICT (model_id) DO UPDATE SET
                comments = counts.comments + excluded.comments,
                hidden_comments = counts.hidden_comments + excluded.hidden_comments;
            RETURN NULL;
        END
        $$""",
    "comments_community_counts_delete": """
        CREATE FUNCTION comments_community_counts_delete() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE model_community_counts AS counts SET
                comments = counts.comments - gone.comments,
                hidden_comments = counts.hidden_comments - gone.hidden_comments
            FROM (
                SELECT model_id, count(*) AS comments, count(hidden_at) AS hidden_comments
                FROM old_rows GROUP BY model_id
            ) AS gone
            WHERE counts.model_id = gone.model_id;
            RETURN NULL;
        END
        $$""",
    "comments_community_counts_update": """
        CREATE FUNCTION comments_community_counts_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            WITH changed (model_id, hidden, change) AS (
                SELECT model_id, hidden_at IS NOT NULL, -1 FROM old_rows
                UNION ALL
                SELECT model_id, hidden_at IS NOT NULL, 1 FROM new_rows
            ), net AS (
                SELECT
                    model_id,
                    sum(change) AS comments,
                    sum(CASE WHEN hidden THEN change ELSE 0 END) AS hidden_comments
                FROM changed
                GROUP BY model_id
                HAVING sum(change) <> 0 OR sum(CASE WHEN hidden THEN change ELSE 0 END) <> 0
            ), went_down AS (
                UPDATE model_community_counts AS counts SET
                    comments = counts.comments + net.comments,
                    hidden_comments = counts.hidden_comments + net.hidden_comments
                FROM net
                WHERE counts.model_id = net.model_id
                    AND NOT (net.comments >= net.hidden_comments AND net.hidden_comments >= 0)
            )
            INSERT INTO model_community_counts AS counts (model_id, comments, hidden_comments)
            SELECT model_id, comments, hidden_comments FROM net
            WHERE comments >= hidden_comments AND hidden_comments >= 0
            ON CONFLICT (model_id) DO UPDATE SET
                comments = counts.comments + excluded.comments,
                hidden_comments = counts.hidden_comments + excluded.hidden_comments;
            RETURN NULL;
        END
        $$""",
    "ratings_community_counts_insert": """
        CREATE FUNCTION ratings_community_counts_insert() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO model_community_counts AS counts (
                model_id, one_star_ratings, two_star_ratings, three_star_ratings,
                four_star_ratings, five_star_ratings
            )
            SELECT
                model_id,
                count(*) FILTER (WHERE stars = 1),
                count(*) FILTER (WHERE stars = 2),
                count(*) FILTER (WHERE stars = 3),
                count(*) FILTER (WHERE stars = 4),
                count(*) FILTER (WHERE stars = 5)
            FROM new_rows
            GROUP BY model_id
            ON CONFLICT (model_id) DO UPDATE SET
                one_star_ratings = counts.one_star_ratings + excluded.one_star_ratings,
                two_star_ratings = counts.two_star_ratings + excluded.two_star_ratings,
                three_star_ratings = counts.three_star_ratings + excluded.three_star_ratings,
                four_star_ratings = counts.four_star_ratings + excluded.four_star_ratings,
                five_star_ratings = counts.five_star_ratings + excluded.five_star_ratings;
            RETURN NULL;
        END
        $$""",
    "ratings_community_counts_delete": """
        CREATE FUNCTION ratings_community_counts_delete() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE model_community_counts AS counts SET
                one_star_ratings = counts.one_star_ratings - gone.one_star_ratings,
                two_star_ratings = counts.two_star_ratings - gone.two_star_ratings,
                three_star_ratings = counts.three_star_ratings - gone.three_star_ratings,
                four_star_ratings = counts.four_star_ratings - gone.four_star_ratings,
                five_star_ratings = counts.five_star_ratings - gone.five_star_ratings
            FROM (
                SELECT
                    model_id,
                    count(*) FILTER (WHERE stars = 1) AS one_star_ratings,
                    count(*) FILTER (WHERE stars = 2) AS two_star_ratings,
                    count(*) FILTER (WHERE stars = 3) AS three_star_ratings,
                    count(*) FILTER (WHERE stars = 4) AS four_star_ratings,
                    count(*) FILTER (WHERE stars = 5) AS five_star_ratings
                FROM old_rows
                GROUP BY model_id
            ) AS gone
            WHERE counts.model_id = gone.model_id;
            RETURN NULL;
        END
        $$""",
    "ratings_community_counts_update": """
        CREATE FUNCTION ratings_community_counts_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            WITH changed (model_id, stars, change) AS (
                SELECT model_id, stars, -1 FROM old_rows
                UNION ALL
                SELECT model_id, stars, 1 FROM new_rows
            ), by_stars AS (
                SELECT
                    model_id,
                    sum(CASE WHEN stars = 1 THEN change ELSE 0 END) AS one_star_ratings,
                    sum(CASE WHEN stars = 2 THEN change ELSE 0 END) AS two_star_ratings,
                    sum(CASE WHEN stars = 3 THEN change ELSE 0 END) AS three_star_ratings,
                    sum(CASE WHEN stars = 4 THEN change ELSE 0 END) AS four_star_ratings,
                    sum(CASE WHEN stars = 5 THEN change ELSE 0 END) AS five_star_ratings
                FROM changed
                GROUP BY model_id
            ), net AS (
                SELECT * FROM by_stars
                WHERE one_star_ratings <> 0 OR two_star_ratings <> 0 OR three_star_ratings <> 0
                    OR four_star_ratings <> 0 OR five_star_ratings <> 0
            ), went_down AS (
                UPDATE model_community_counts AS counts SET
                    one_star_ratings = counts.one_star_ratings + net.one_star_ratings,
                    two_star_ratings = counts.two_star_ratings + net.two_star_ratings,
                    three_star_ratings = counts.three_star_ratings + net.three_star_ratings,
                    four_star_ratings = counts.four_star_ratings + net.four_star_ratings,
                    five_star_ratings = counts.five_star_ratings + net.five_star_ratings
                FROM net
                WHERE counts.model_id = net.model_id
                    AND (net.one_star_ratings < 0 OR net.two_star_ratings < 0
                        OR net.three_star_ratings < 0 OR net.four_star_ratings < 0
                        OR net.five_star_ratings < 0)
            )
            INSERT INTO model_community_counts AS counts (
                model_id, one_star_ratings, two_star_ratings, three_star_ratings,
                four_star_ratings, five_star_ratings
            )
            SELECT
                model_id, one_star_ratings, two_star_ratings, three_star_ratings,
                four_star_ratings, five_star_ratings
            FROM net
            WHERE one_star_ratings >= 0 AND two_star_ratings >= 0 AND three_star_ratings >= 0
                AND four_star_ratings >= 0 AND five_star_ratings >= 0
            ON CONFLICT (model_id) DO UPDATE SET
                one_star_ratings = counts.one_star_ratings + excluded.one_star_ratings,
                two_star_ratings = counts.two_star_ratings + excluded.two_star_ratings,
                three_star_ratings = counts.three_star_ratings + excluded.three_star_ratings,
                four_star_ratings = counts.four_star_ratings + excluded.four_star_ratings,
                five_star_ratings = counts.five_star_ratings + excluded.five_star_ratings;
            RETURN NULL;
        END
        $$""",
}
TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}
POSTGRESQL_TRIGGERS = {
    f"{table}_community_counts_{event}": (
        f"CREATE TRIGGER {table}_community_counts_{event} AFTER {event.upper()} ON {table}"
        f" REFERENCING {transition} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION {table}_community_counts_{event}()"
    )
    for table in ("comments", "ratings")
    for event, transition in TRANSITION_TABLES.items()
}

# Every comment and rating counted, per model. Run after the triggers are made: on
# PostgreSQL, making them locks out writes to both tables until the migration commits, so
# no write falls between what this counts and what the triggers count.
BACKFILL = """
    INSERT INTO model_community_counts (
        model_id, comments, hidden_comments, one_star_ratings, two_star_ratings,
        three_star_ratings, four_star_ratings, five_star_ratings
    )
    SELECT model_id, sum(comments), sum(hidden_comments), sum(one_star_ratings),
        sum(two_star_ratings), sum(three_star_ratings), sum(four_star_ratings),
        sum(five_star_ratings)
    FROM (
        SELECT model_id, count(*) AS comments, count(hidden_at) AS hidden_comments,
            0 AS one_star_ratings, 0 AS two_star_ratings, 0 AS three_star_ratings,
            0 AS four_star_ratings, 0 AS five_star_ratings
        FROM comments
        GROUP BY model_id
        UNION ALL
        SELECT model_id, 0, 0,
            sum(CASE WHEN stars = 1 THEN 1 ELSE 0 END),
            sum(CASE WHEN stars = 2 THEN 1 ELSE 0 END),
            sum(CASE WHEN stars = 3 THEN 1 ELSE 0 END),
            sum(CASE WHEN stars = 4 THEN 1 ELSE 0 END),
            sum(CASE WHEN stars = 5 THEN 1 ELSE 0 END)
        FROM ratings
        GROUP BY model_id
    ) AS counted
    GROUP BY model_id
"""


def _on_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "model_community_counts",
        sa.Column("model_id", sa.Integer(), autoincrement=False, nullable=False),
        *(
            sa.Column(column, sa.Integer(), server_default=sa.text("0"), nullable=False)
            for column in COUNT_COLUMNS
        ),
        sa.CheckConstraint(
            " AND ".join(f"{column} >= 0" for column in COUNT_COLUMNS),
            name=op.f("ck_model_community_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "hidden_comments <= comments",
            name=op.f("ck_model_community_counts_hidden_among_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_community_counts_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_model_community_counts")),
    )
    if _on_sqlite():
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)
    else:
        for statement in (*POSTGRESQL_FUNCTIONS.values(), *POSTGRESQL_TRIGGERS.values()):
            op.execute(statement)
    op.execute(BACKFILL)
    op.drop_index("ix_comments_model_hidden", table_name="comments")
    op.drop_index("ix_ratings_model_id_stars", table_name="ratings")


def downgrade() -> None:
    op.create_index("ix_ratings_model_id_stars", "ratings", ["model_id", "stars"])
    op.create_index("ix_comments_model_hidden", "comments", ["model_id", "hidden_at"])
    if _on_sqlite():
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON {name.partition('_')[0]}")
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("model_community_counts")
