"""Star ratings: one per person per model, changed by rating again.

A rating is written with a single INSERT ... ON CONFLICT (model_id, user_id)
DO UPDATE, never "look, then insert or update": two submissions arriving at
once (a double click, two tabs) would both look, both see nothing and one
would fail on the unique constraint. The database settles the race instead,
on SQLite and PostgreSQL alike.
"""

from collections.abc import Callable

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Rating

MIN_STARS = 1
MAX_STARS = 5
STAR_CHOICES = tuple(range(MIN_STARS, MAX_STARS + 1))

OUT_OF_RANGE = f"A rating is a whole number of stars from {MIN_STARS} to {MAX_STARS}."

_UPSERT_DIALECTS: dict[str, Callable[[type[Rating]], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


class InvalidRatingError(ValueError):
    """The submitted stars are not a whole number from 1 to 5; the message says so."""


def parse_stars(raw: str | None) -> int:
    """The stars a form submitted, as an int from 1 to 5, or InvalidRatingError."""
    text = (raw or "").strip()
    if not text:
        raise InvalidRatingError("Choose from 1 to 5 stars.")
    if not (text.isascii() and text.isdigit()) or int(text) not in STAR_CHOICES:
        raise InvalidRatingError(OUT_OF_RANGE)
    return int(text)


def rate_model(*, session: Session, model_id: int, user_id: int, stars: int) -> None:
    """Record the person's rating of the model, replacing any earlier one, in one statement."""
    if stars not in STAR_CHOICES:
        raise InvalidRatingError(OUT_OF_RANGE)
    insert = _UPSERT_DIALECTS[session.get_bind().dialect.name]
    now = utcnow()
    statement = insert(Rating).values(
        model_id=model_id, user_id=user_id, stars=stars, created_at=now, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[Rating.model_id, Rating.user_id],
            set_={"stars": statement.excluded.stars, "updated_at": statement.excluded.updated_at},
        )
    )


def rating_of(*, session: Session, model_id: int, user_id: int) -> int | None:
    """The stars this person gave this model, or None when they have not rated it."""
    return session.scalar(_STARS_OF, {"model_id": model_id, "user_id": user_id})


# Built once from table columns (a Core statement): every signed-in model page view asks,
# and building the ORM statement per call cost three times as long as running it.
_rating = Rating.__table__.c
_STARS_OF = select(_rating.stars).where(
    _rating.model_id == bindparam("model_id"), _rating.user_id == bindparam("user_id")
)
