"""What the Atom feeds list: models new to the catalog, price changes, and a model's comments.

A price change is a Price row whose input or output price differs from the
row before it of the same endpoint and tier (SQL `LAG` over the endpoint's
rows by start). A row that repeats its predecessor's prices (closed and
re-opened by a re-import, say) is not a change, the same rule the model
page's price history follows (`services.pricing.price_history_section`). The first row of an
endpoint is when it was first seen, not a change.

So only an endpoint with a closed price row can have a change: at most one
row of an endpoint and tier is open (`ix_prices_current`). The catalog-wide
feed compares the rows of those endpoints alone, found through
`ix_prices_closed`, so its cost follows the price history, not the catalog's
size: comparing every row, its statement took 196 ms on ten times today's
catalog (SQLite), and 17 ms comparing those endpoints' rows.

Every feed is capped at `FEED_LIMIT` entries, newest first: the first import
adds some 1,100 models at the same moment, and a feed reader wants news, not
the catalog.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy import ColumnElement, Row, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from app.models import Author, Comment, Endpoint, Model, Price, Provider, User
from app.services.community.community_page import ModelRef
from app.services.community.markdown_render import render_comment
from app.services.publishing.watches import EventEntry

FEED_LIMIT = 50


@dataclass(frozen=True, slots=True)
class FeedModel(ModelRef):
    """A model as a feed names and links it: the community's reference plus its lab and age."""

    author_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewModel:
    """A model added to the catalog (`created_at`), with what a reader decides on."""

    model: FeedModel
    summary: str | None
    api_available_at: date | None

    @property
    def at(self) -> datetime:
        return self.model.created_at


@dataclass(frozen=True, slots=True)
class PriceChangeEntry:
    """One change of one offer's price in one tier; `id` is the Price row that began it."""

    id: int
    model: FeedModel
    provider_name: str
    variant: str
    tier: str
    at: datetime
    input_before: Decimal | None
    input_after: Decimal | None
    output_before: Decimal | None
    output_after: Decimal | None

    @property
    def offer(self) -> str:
        """Provider name, with the variant when there is one (as the model page labels it)."""
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name


@dataclass(frozen=True, slots=True)
class CommentEntry:
    """A visible comment; `body_html` is the sanitized HTML the model page shows."""

    id: int
    model: FeedModel
    author_name: str | None
    body_html: Markup
    created_at: datetime
    edited_at: datetime | None

    @property
    def at(self) -> datetime:
        """When the comment last changed: a feed reader shows an edited comment again."""
        return self.edited_at or self.created_at


FeedEntry = NewModel | PriceChangeEntry | CommentEntry | EventEntry


@dataclass(frozen=True, slots=True)
class ModelFeed:
    """One model's price changes and comments, merged newest first and capped."""

    model: FeedModel
    entries: tuple[PriceChangeEntry | CommentEntry, ...]


def new_models(*, session: Session, limit: int = FEED_LIMIT) -> tuple[NewModel, ...]:
    """The models most recently added to the catalog."""
    rows = session.execute(_NEW_MODELS, {"limit": limit})
    return tuple(
        NewModel(model=_feed_model(row), summary=row.summary, api_available_at=row.api_available_at)
        for row in rows
    )


def price_changes(*, session: Session, limit: int = FEED_LIMIT) -> tuple[PriceChangeEntry, ...]:
    """The latest price changes across the catalog."""
    rows = session.execute(_GLOBAL_CHANGES, {"limit": limit})
    return tuple(_price_change(row) for row in rows)


def model_feed(
    *, session: Session, author_slug: str, model_slug: str, limit: int = FEED_LIMIT
) -> ModelFeed | None:
    """A model's latest price changes and visible comments, or None when there is no such model.

    Hidden comments stay out (they are hidden from everyone); deleted ones
    no longer exist. Three statements: the model, its changes, its comments.
    """
    row = session.execute(_MODEL, {"slug": f"{author_slug}/{model_slug}"}).first()
    if row is None:
        return None
    model = _feed_model(row)
    changes = [
        _price_change(change, model)
        for change in session.execute(_MODEL_CHANGES, {"model_id": model.id, "limit": limit})
    ]
    comments = [
        CommentEntry(
            id=comment.id,
            model=model,
            author_name=comment.display_name,
            body_html=render_comment(comment.body),
            created_at=comment.created_at,
            edited_at=comment.edited_at,
        )
        for comment in session.execute(_COMMENTS, {"model_id": model.id, "limit": limit})
    ]
    entries: list[PriceChangeEntry | CommentEntry] = sorted(
        [*changes, *comments], key=lambda entry: entry.at, reverse=True
    )
    return ModelFeed(model=model, entries=tuple(entries[:limit]))


def _feed_model(row: Row) -> FeedModel:
    return FeedModel(
        id=row.model_id,
        slug=row.model_slug,
        name=row.model_name,
        author_name=row.author_name,
        created_at=row.model_created_at,
    )


def _price_change(row: Row, model: FeedModel | None = None) -> PriceChangeEntry:
    return PriceChangeEntry(
        id=row.id,
        model=model or _feed_model(row),
        provider_name=row.provider_name,
        variant=row.variant,
        tier=row.service_tier,
        at=row.effective_from,
        input_before=row.input_before,
        input_after=row.input,
        output_before=row.output_before,
        output_after=row.output,
    )


# Built once with bound parameters from table columns (run as Core statements).
_model = Model.__table__.c
_author = Author.__table__.c
_price = Price.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_comment = Comment.__table__.c
_user = User.__table__.c

_MODEL_COLUMNS = (
    _model.id.label("model_id"),
    _model.slug.label("model_slug"),
    _model.name.label("model_name"),
    _model.created_at.label("model_created_at"),
    _author.name.label("author_name"),
)

_MODEL = (
    select(*_MODEL_COLUMNS)
    .join_from(Model.__table__, Author.__table__, _author.id == _model.author_id)
    .where(_model.slug == bindparam("slug"))
)

_NEW_MODELS = (
    select(*_MODEL_COLUMNS, _model.summary, _model.api_available_at)
    .join_from(Model.__table__, Author.__table__, _author.id == _model.author_id)
    .order_by(_model.created_at.desc(), _model.id.desc())
    .limit(bindparam("limit"))
)


def _changes_query(*, one_model: bool) -> Select:
    """Price rows that changed input or output against the previous row of their endpoint tier."""

    def previous(column: ColumnElement) -> ColumnElement:
        return func.lag(column, type_=column.type).over(
            partition_by=(_price.endpoint_id, _price.service_tier), order_by=_price.effective_from
        )

    rows = select(
        _price.id,
        _price.endpoint_id,
        _price.service_tier,
        _price.effective_from,
        _price.input,
        _price.output,
        previous(_price.input).label("input_before"),
        previous(_price.output).label("output_before"),
        previous(_price.effective_from).label("previous_from"),
    )
    if one_model:
        rows = rows.join_from(
            Price.__table__, Endpoint.__table__, _endpoint.id == _price.endpoint_id
        ).where(_endpoint.model_id == bindparam("model_id"))
    else:
        closed = Price.__table__.alias("closed")
        rows = rows.where(
            _price.endpoint_id.in_(
                select(closed.c.endpoint_id).where(closed.c.effective_to.is_not(None))
            )
        )
    changes = rows.subquery("changes")
    # The latest changes first, then their offers and models: joined before the limit, every
    # change of the catalog would be.
    latest = (
        select(changes)
        .where(
            changes.c.previous_from.is_not(None),
            or_(
                changes.c.input.is_distinct_from(changes.c.input_before),
                changes.c.output.is_distinct_from(changes.c.output_before),
            ),
        )
        .order_by(changes.c.effective_from.desc(), changes.c.id.desc())
        .limit(bindparam("limit"))
        .subquery("latest")
    )
    return (
        select(
            latest.c.id,
            latest.c.service_tier,
            latest.c.effective_from,
            latest.c.input,
            latest.c.output,
            latest.c.input_before,
            latest.c.output_before,
            _endpoint.variant,
            _provider.name.label("provider_name"),
            *_MODEL_COLUMNS,
        )
        .join_from(latest, Endpoint.__table__, _endpoint.id == latest.c.endpoint_id)
        .join(Provider.__table__, _provider.id == _endpoint.provider_id)
        .join(Model.__table__, _model.id == _endpoint.model_id)
        .join(Author.__table__, _author.id == _model.author_id)
        .order_by(latest.c.effective_from.desc(), latest.c.id.desc())
    )


_GLOBAL_CHANGES = _changes_query(one_model=False)
_MODEL_CHANGES = _changes_query(one_model=True)

_COMMENTS = (
    select(
        _comment.id,
        _comment.body,
        _comment.created_at,
        _comment.edited_at,
        _user.display_name,
    )
    .select_from(Comment.__table__)
    .outerjoin(User.__table__, _user.id == _comment.user_id)
    .where(_comment.model_id == bindparam("model_id"), _comment.hidden_at.is_(None))
    .order_by(_comment.created_at.desc(), _comment.id.desc())
    .limit(bindparam("limit"))
)
