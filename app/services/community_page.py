"""The public community block of a model page: ratings summary and a page of comments.

Everything here is the same for every visitor, because the model page is
(its per-user parts load separately). The loader issues a fixed number of
statements whatever the number of ratings and comments: the model, the
ratings grouped by stars (count, sum and histogram come from that one
GROUP BY), the comment counts, and one page of comments joined to their
authors' names. Templates get frozen dataclasses, so they can neither query
nor see an ORM object.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Comment, Model, Rating, User
from app.services.markdown_render import render_comment
from app.services.pagination import PagePlace, locate_page, requested_page
from app.services.ratings import STAR_CHOICES

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
    """The model with this full slug (`author/model`), or None."""
    row = session.execute(
        select(Model.id, Model.slug, Model.name).where(Model.slug == slug)
    ).first()
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
    """Ratings summary and the requested page of comments (text from the URL, any value)."""
    return CommunityBlock(
        model=model,
        ratings=load_rating_summary(session=session, model_id=model.id),
        thread=load_thread(session=session, model_id=model.id, page_text=comments_page),
    )


def load_rating_summary(*, session: Session, model_id: int) -> RatingSummary:
    """Count, average and histogram from one GROUP BY stars statement."""
    grouped = session.execute(
        select(Rating.stars, func.count()).where(Rating.model_id == model_id).group_by(Rating.stars)
    )
    counts = {stars: count for stars, count in grouped}
    total = sum(counts.values())
    average = None
    if total:
        exact = Decimal(sum(stars * count for stars, count in counts.items())) / total
        average = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    histogram = tuple(StarBar(stars, counts.get(stars, 0)) for stars in reversed(STAR_CHOICES))
    return RatingSummary(count=total, average=average, histogram=histogram)


def load_thread(*, session: Session, model_id: int, page_text: str | None) -> CommentThread:
    """The requested page of comments; a bad or too-large page number falls back with a message."""
    requested, problem = requested_page(page_text)
    total, hidden = session.execute(
        select(func.count(), func.count(Comment.hidden_at)).where(Comment.model_id == model_id)
    ).one()
    place = locate_page(requested=requested, total=total, page_size=COMMENTS_PER_PAGE)
    if problem and not place.message:
        place = replace(place, message=problem)
    rows = session.execute(
        select(Comment, User.display_name)
        .outerjoin(User, User.id == Comment.user_id)
        .where(Comment.model_id == model_id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .offset(place.offset)
        .limit(place.size)
    )
    comments = tuple(
        CommentView(
            id=comment.id,
            author_id=comment.user_id,
            author_name=display_name,
            body_html=render_comment(comment.body),
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            hidden=comment.hidden_at is not None,
        )
        for comment, display_name in rows
    )
    return CommentThread(comments=comments, place=place, visible_count=total - hidden)
