"""What signed-in people say about models: star ratings and comments."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.accounts import User


class Rating(Base):
    """One person's 1 to 5 star rating of one model; the unique pair makes a re-rating an update."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        UniqueConstraint("model_id", "user_id"),
        Index("ix_ratings_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stars: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Comment(Base):
    """A comment on a model, stored as the Markdown its author typed.

    `user_id` becomes NULL when the author deletes their account: the comment
    stays, shown as by "deleted user", so replies around it keep their sense.
    A hidden comment (`hidden_at` set by an administrator) is kept, not deleted,
    so hiding can be undone.
    """

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_model_created", "model_id", "created_at"),
        Index("ix_comments_user_id", "user_id"),
        Index("ix_comments_hidden_by_id", "hidden_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[user_id])


# The column of `ModelCommunityCounts` that counts the ratings giving each number of stars.
RATINGS_BY_STARS_COLUMNS: dict[int, str] = {
    1: "one_star_ratings",
    2: "two_star_ratings",
    3: "three_star_ratings",
    4: "four_star_ratings",
    5: "five_star_ratings",
}


class ModelCommunityCounts(Base):
    """How many comments a model has (and how many of them are hidden), and how many ratings
    give it each number of stars: the figures of its community block in one row.

    Counted from `comments` and `ratings` instead, the figures cost one index entry per
    comment and rating, on every render of the busiest model's page (9.7 ms for 100,000
    comments and 10,000 ratings on SQLite, most of a cold model page), and again after every
    write to it. Here they are one row, read by its key however many there are; the model
    page, compare and the export all read them from it.

    Database triggers on `comments` and `ratings` keep it (migration 0019), not application
    code: comments and ratings change through posting, deleting, hiding and rating, through
    a merge that moves them to another model, through the cascades of a deleted account or
    model, and through bulk inserts, and the triggers see every one of those writes. Nothing
    else writes here. A row appears with a model's first comment or rating and stays when
    they are all deleted, its counts at zero (no row reads as zero too); it goes with its
    model. A batch migration that rebuilds `comments` or `ratings` on SQLite drops the
    triggers with the old table, and must create them again.
    """

    __tablename__ = "model_community_counts"
    __table_args__ = (
        CheckConstraint(
            " AND ".join(
                f"{column} >= 0"
                for column in ("comments", "hidden_comments", *RATINGS_BY_STARS_COLUMNS.values())
            ),
            name="not_negative",
        ),
        CheckConstraint("hidden_comments <= comments", name="hidden_among_comments"),
    )

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    comments: Mapped[int] = mapped_column(server_default=text("0"))
    # Comments whose `hidden_at` is set: counted in `comments` too.
    hidden_comments: Mapped[int] = mapped_column(server_default=text("0"))
    one_star_ratings: Mapped[int] = mapped_column(server_default=text("0"))
    two_star_ratings: Mapped[int] = mapped_column(server_default=text("0"))
    three_star_ratings: Mapped[int] = mapped_column(server_default=text("0"))
    four_star_ratings: Mapped[int] = mapped_column(server_default=text("0"))
    five_star_ratings: Mapped[int] = mapped_column(server_default=text("0"))
