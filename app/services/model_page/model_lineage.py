"""A model's place among its releases and the offers it had: what the page shows besides live ones.

Two things the model page lists that are not live offers, loaded in one
statement so the page's statement count stays fixed:

- **Retired offers.** An endpoint its source no longer lists is kept for
  history (`Endpoint.on_sale`); the page names it as "no longer offered since"
  the day it was retired, rather than dropping it without a word.
- **Dated releases.** A dated snapshot (`gpt-4o-2024-08-06`) or release
  (`deepseek-r1-0528`) stays a model of its own, never merged with the undated
  id (`model_keys.dated_name`); the undated model links to its dated ones and
  each dated one back, so a reader who lands on either finds the other.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, cast, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.execute_core import execute_core
from app.models import Endpoint, Model, Provider
from app.models.catalog import ENDPOINT_RETIRED
from app.services.catalog.model_keys import dated_name

_OFFER = "offer"
_MODEL = "model"


@dataclass(frozen=True)
class RetiredOffer:
    """A provider's offer of the model that is no longer sold, and since when."""

    provider_name: str
    variant: str
    retired_at: datetime | None

    @property
    def label(self) -> str:
        """Provider name, with the variant when the offer was one (as the providers table)."""
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name


@dataclass(frozen=True)
class RelatedModel:
    """Another model of the same line of releases, as the page links it."""

    slug: str
    name: str
    snapshot: bool

    @property
    def author_slug(self) -> str:
        return self.slug.partition("/")[0]

    @property
    def model_slug(self) -> str:
        return self.slug.partition("/")[2]


@dataclass(frozen=True)
class ModelLineage:
    """Retired offers, the undated model this one is dated from, and this one's dated releases.

    `is_snapshot` says what this model is when it is dated from another: a
    snapshot (a full date) or a release of its own (`model_keys.DatedName`).
    """

    retired: tuple[RetiredOffer, ...]
    dated_from: RelatedModel | None
    dated: tuple[RelatedModel, ...]
    is_snapshot: bool = False

    @property
    def snapshots(self) -> tuple[RelatedModel, ...]:
        """Dated snapshots of this model, newest id first."""
        return tuple(model for model in self.dated if model.snapshot)

    @property
    def releases(self) -> tuple[RelatedModel, ...]:
        """Dated releases (their own checkpoints) named after this model."""
        return tuple(model for model in self.dated if not model.snapshot)


def load_model_lineage(*, session: Session, model_id: int, slug: str) -> ModelLineage:
    """The lineage of the model `slug` (id `model_id`): one statement.

    The undated id is this model's own or the one it is dated from; every model
    whose slug starts with it is read, and only those `dated_name` reads as
    dated from it are kept (`gpt-4o-mini` starts with `gpt-4o` but is not).
    """
    author, _, own = slug.partition("/")
    dated = dated_name(own)
    root = f"{author}/{dated.base}" if dated else slug
    retired: list[RetiredOffer] = []
    related: list[RelatedModel] = []
    parameters = {"model_id": model_id, "root": root, "root_prefix": _like_prefix(f"{root}-")}
    # By position, `_STATEMENT`'s order: cheaper than a Row's lookup by name (`app.named_rows`).
    for kind, name, detail, key, retired_at in execute_core(session, _STATEMENT, parameters):
        if kind == _OFFER:
            retired.append(RetiredOffer(name, detail, retired_at))
        elif key != slug and (found := _related(key, name, root)) is not None:
            related.append(found)
    retired.sort(key=lambda offer: (offer.label.casefold(), offer.retired_at or datetime.min))
    dated_from = next((model for model in related if model.slug == root), None)
    return ModelLineage(
        retired=tuple(retired),
        dated_from=dated_from,
        dated=() if dated else tuple(sorted(related, key=lambda model: model.slug, reverse=True)),
        is_snapshot=bool(dated and dated.snapshot),
    )


def _related(slug: str, name: str, root: str) -> RelatedModel | None:
    """The model `slug` when it is `root` itself or dated from it; None otherwise."""
    if slug == root:
        return RelatedModel(slug=slug, name=name, snapshot=False)
    author, _, own = slug.partition("/")
    dated = dated_name(own)
    if dated is None or f"{author}/{dated.base}" != root:
        return None
    return RelatedModel(slug=slug, name=name, snapshot=dated.snapshot)


def _like_prefix(text: str) -> str:
    """A LIKE pattern (escape character `/`) matching what starts with `text`."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"{escaped}%"


# Built once, with bound parameters, from table columns (run as a Core statement):
# building the union per request cost several times what running it does.
_model = Model.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_this = Model.__table__.alias("this")

# Retired offers of the model `model_id`, then the models named `root` or whose slug
# matches `root_prefix` (`root-...`, as a LIKE pattern).
_STATEMENT = union_all(
    select(
        literal(_OFFER).label("kind"),
        _provider.name.label("name"),
        _endpoint.variant.label("detail"),
        _provider.slug.label("key"),
        _endpoint.retired_at.label("retired_at"),
    )
    .join_from(Endpoint.__table__, Provider.__table__, _provider.id == _endpoint.provider_id)
    .where(_endpoint.model_id == bindparam("model_id"), _endpoint.status == ENDPOINT_RETIRED),
    select(
        literal(_MODEL).label("kind"),
        _model.name,
        literal("").label("detail"),
        _model.slug,
        cast(null(), UTCDateTime).label("retired_at"),
    ).where(
        # The lab's models through its index: a prefix match alone would read every model.
        _model.author_id
        == select(_this.c.author_id).where(_this.c.id == bindparam("model_id")).scalar_subquery(),
        or_(
            _model.slug == bindparam("root"),
            _model.slug.like(bindparam("root_prefix"), escape="/"),
        ),
    ),
)
