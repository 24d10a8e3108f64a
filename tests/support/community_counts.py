"""Each model's row of `model_community_counts` against the comments and ratings themselves.

The triggers that keep the table (migration 0019) are right when, after any write,
every model's row holds what counting its comments and ratings gives; a model
whose counts are all zero may have a row of zeros or none.
"""

from collections import defaultdict

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app.models import Comment, ModelCommunityCounts, Rating
from app.models.community import RATINGS_BY_STARS_COLUMNS

Counts = tuple[int, int, int, int, int, int, int]
"""Comments, hidden comments, then ratings giving 1 to 5 stars."""

NO_COUNTS: Counts = (0, 0, 0, 0, 0, 0, 0)

_counts = ModelCommunityCounts.__table__.c
_comment = Comment.__table__.c
_rating = Rating.__table__.c


def stored_counts(db: Session | Connection) -> dict[int, Counts]:
    """The counts table by model id, rows of zeros left out."""
    columns = (
        _counts.comments,
        _counts.hidden_comments,
        *(_counts[name] for name in RATINGS_BY_STARS_COLUMNS.values()),
    )
    stored = {}
    for model_id, *values in db.execute(select(_counts.model_id, *columns)):
        if any(values):
            stored[model_id] = _as_counts(values)
    return stored


def counted_counts(db: Session | Connection) -> dict[int, Counts]:
    """What counting the comments and ratings gives, by model id (models with none left out)."""
    counted: dict[int, list[int]] = defaultdict(lambda: list(NO_COUNTS))
    for model_id, comments, hidden in db.execute(
        select(_comment.model_id, func.count(), func.count(_comment.hidden_at)).group_by(
            _comment.model_id
        )
    ):
        counted[model_id][0:2] = [comments, hidden]
    for model_id, stars, ratings in db.execute(
        select(_rating.model_id, _rating.stars, func.count()).group_by(
            _rating.model_id, _rating.stars
        )
    ):
        counted[model_id][1 + stars] = ratings
    return {model_id: _as_counts(values) for model_id, values in counted.items()}


def assert_counts_exact(db: Session | Connection, step: str = "") -> dict[int, Counts]:
    """Fail, naming `step`, unless the stored counts are the counted ones; return them."""
    if isinstance(db, Session):
        db.flush()
    counted = counted_counts(db)
    assert stored_counts(db) == counted, step
    return counted


def _as_counts(values: list[int]) -> Counts:
    comments, hidden, one, two, three, four, five = values
    return (comments, hidden, one, two, three, four, five)
