"""What signed-in people say about models: star ratings and comments."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
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
        # The ratings summary's GROUP BY stars reads this index alone.
        Index("ix_ratings_model_id_stars", "model_id", "stars"),
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
        # Counts a model's comments and hidden ones from the index, however many it has.
        Index("ix_comments_model_hidden", "model_id", "hidden_at"),
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
