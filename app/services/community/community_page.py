"""The public community block of a model page: ratings summary and a page of comments.

Everything here is the same for every visitor, because the model page is
(its per-user parts load separately). The loader issues two statements
whatever the number of ratings and comments: the model's counts, one row of
`model_community_counts` (how many comments, how many of them hidden, how
many ratings of each number of stars: count, average and histogram come from
it), then one page of comments joined to their authors' names. Templates get
frozen dataclasses, so they can neither query nor see an ORM object.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session

from app.execute_core import execute_core
from app.literal_limits import literal_count
from app.models import Comment, Model, ModelCommunityCounts, ModelRedirect, User
from app.models.community import RATINGS_BY_STARS_COLUMNS
from app.services.catalog.pagination import PagePlace, locate_page, requested_page
from app.services.community.markdown_render import render_comment
from app.services.community.ratings import STAR_CHOICES

COMMENTS_PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class ModelRef:
    """The model a community action is about: enough to find it and to link back to it."""

    id: int
    slug: str
    name: str

    @property
    def author_slug(self) -> str:
        return self.slug.partition("/")[0]

    @property
    def model_slug(self) -> str:
        return self.slug.partition("/")[2]


@dataclass(frozen=True, slots=True)
class StarBar:
    """One bar of the histogram: how many people gave `stars` stars."""

    stars: int
    count: int


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """Average (one decimal, None when unrated), count and 5-to-1 histogram of a model's ratings."""

    count: int
    average: Decimal | None
    histogram: tuple[StarBar, ...]


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as the thread shows it; `author_name` None means the author deleted their account.

    `author_id` and `hidden` are what the per-user controls need to decide what
    the viewer may do; the public thread shows a hidden comment as a notice only.
    """

    id: int
    author_id: int | None
    author_name: str | None
    body_html: Markup
    created_at: datetime
    edited_at: datetime | None
    hidden: bool


@dataclass(frozen=True, slots=True)
class CommentThread:
    """One page of a model's comments, newest first.

    `visible_count` (the count shown to readers) leaves out hidden comments;
    the pages cover every comment, since a hidden one keeps its place as a notice.
    """

    comments: tuple[CommentView, ...]
    place: PagePlace
    visible_count: int


@dataclass(frozen=True, slots=True)
class CommunityBlock:
    """The ratings and comments sections of the model page."""

    model: ModelRef
    ratings: RatingSummary
    thread: CommentThread


def find_model(*, session: Session, slug: str) -> ModelRef | None:
    """The model with this full slug (`author/model`), or the one a merged model's old slug
    now names (so a rating or comment sent from a page open before the merge lands), or None."""
    row = session.execute(_MODEL_BY_SLUG, {"slug": slug}).first()
    if row is None:
        row = session.execute(_MODEL_BY_OLD_SLUG, {"slug": slug}).first()
    return ModelRef(id=row.id, slug=row.slug, name=row.name) if row else None


def model_by_id(*, session: Session, model_id: int) -> ModelRef:
    """The model a stored comment or rating belongs to (it always exists: foreign key)."""
    row = session.execute(
        select(Model.id, Model.slug, Model.name).where(Model.id == model_id)
    ).one()
    return ModelRef(id=row.id, slug=row.slug, name=row.name)


def load_community(
    *, session: Session, model: ModelRef, comments_page: str | None
) -> CommunityBlock:
    """Ratings summary and the requested page of comments (text from the URL, any value).

    Two statements: the counts of both (`_COUNTS`), then the page. On PostgreSQL
    a statement is a round trip, and a cold model page makes a dozen.
    """
    total, hidden, *by_stars = _counts(session, model.id)
    return CommunityBlock(
        model=model,
        ratings=summarise_ratings(dict(zip(STAR_CHOICES, by_stars, strict=True))),
        thread=_thread_page(
            session, model_id=model.id, page_text=comments_page, total=total, hidden=hidden
        ),
    )


def load_rating_summary(*, session: Session, model_id: int) -> RatingSummary:
    """Count, average and histogram from the model's row of counts."""
    _total, _hidden, *by_stars = _counts(session, model_id)
    return summarise_ratings(dict(zip(STAR_CHOICES, by_stars, strict=True)))


def summarise_ratings(counts: Mapping[int, int]) -> RatingSummary:
    """The summary of a model's ratings from how many people gave each number of stars.

    Shared by every page that shows ratings, so the compare page's average is the model page's.
    """
    total = sum(counts.values())
    average = None
    if total:
        exact = Decimal(sum(stars * count for stars, count in counts.items())) / total
        average = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    histogram = tuple(StarBar(stars, counts.get(stars, 0)) for stars in reversed(STAR_CHOICES))
    return RatingSummary(count=total, average=average, histogram=histogram)


def load_thread(*, session: Session, model_id: int, page_text: str | None) -> CommentThread:
    """The requested page of comments; a bad or too-large page number falls back with a message."""
    total, hidden, *_by_stars = _counts(session, model_id)
    return _thread_page(session, model_id=model_id, page_text=page_text, total=total, hidden=hidden)


def _counts(session: Session, model_id: int) -> tuple[int, ...]:
    """The model's comments, hidden comments, then its ratings giving 1 to 5 stars: its row
    of `model_community_counts` (which triggers keep), zeros when it has none."""
    row = execute_core(session, _COUNTS, {"model_id": model_id}).first()
    return tuple(row) if row is not None else _NO_COUNTS


def _thread_page(
    session: Session, *, model_id: int, page_text: str | None, total: int, hidden: int
) -> CommentThread:
    """The requested page of a thread of `total` comments, `hidden` of them hidden."""
    requested, problem = requested_page(page_text)
    place = locate_page(requested=requested, total=total, page_size=COMMENTS_PER_PAGE)
    if problem and not place.message:
        place = replace(place, message=problem)
    rows = execute_core(session, _COMMENTS_PAGE, {"model_id": model_id, "offset": place.offset})
    # Unpacked by position (`_COMMENTS_PAGE`'s order): cheaper than a Row's lookup by
    # name (see `app.named_rows`).
    comments = tuple(
        CommentView(
            id=comment_id,
            author_id=author_id,
            author_name=author_name,
            body_html=render_comment(body),
            created_at=created_at,
            edited_at=edited_at,
            hidden=hidden_at is not None,
        )
        for comment_id, author_id, body, created_at, edited_at, hidden_at, author_name in rows
    )
    return CommentThread(comments=comments, place=place, visible_count=total - hidden)


# Built once with bound parameters from table columns (run as Core statements):
# on the model page, building them per request and the ORM's result machinery
# cost more than the queries.
_model = Model.__table__.c
_comment = Comment.__table__.c
_user = User.__table__.c
_counted = ModelCommunityCounts.__table__.c

_MODEL_BY_SLUG = select(_model.id, _model.slug, _model.name).where(_model.slug == bindparam("slug"))
_MODEL_BY_OLD_SLUG = (
    select(_model.id, _model.slug, _model.name)
    .join(ModelRedirect.__table__, ModelRedirect.__table__.c.model_id == _model.id)
    .where(ModelRedirect.__table__.c.old_slug == bindparam("slug"))
)
# One row by its key, however many comments and ratings the model has (`_counts` reads
# the columns in this order).
_COUNTS = select(
    _counted.comments,
    _counted.hidden_comments,
    *(_counted[RATINGS_BY_STARS_COLUMNS[stars]] for stars in STAR_CHOICES),
).where(_counted.model_id == bindparam("model_id"))
_NO_COUNTS = (0,) * (2 + len(STAR_CHOICES))
_COMMENTS_PAGE = (
    select(
        _comment.id,
        _comment.user_id,
        _comment.body,
        _comment.created_at,
        _comment.edited_at,
        _comment.hidden_at,
        _user.display_name,
    )
    .select_from(Comment.__table__)
    .outerjoin(User.__table__, _user.id == _comment.user_id)
    .where(_comment.model_id == bindparam("model_id"))
    .order_by(_comment.created_at.desc(), _comment.id.desc())
    # Counts in the text, not bound, so PostgreSQL plans the page once (`app.literal_limits`);
    # the offset written in at each run, a prepared statement for each page asked for.
    .offset(bindparam("offset", type_=Integer, literal_execute=True))
    .limit(literal_count(COMMENTS_PER_PAGE))
)
