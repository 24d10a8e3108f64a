"""What the OpenRouter-shaped JSON API shows, read in a fixed number of queries a chunk.

OpenRouter clients ask for every model at once. The list is read in order
first (ids and the dates that order them, one query), then a chunk of models
at a time in three queries (models, modalities, endpoints with their
provider and current price), so the answer can be written out as it is read
and its memory does not grow with the catalog: read whole, ten times today's
catalog took the server from 129 MB to 273 MB, read in chunks to 151 MB. One
model's endpoints take the same three queries narrowed to it. The queries
select plain columns into small frozen records rather than ORM objects,
which cost several times as much to build and make garbage collection
slower still.

Choices that decide what a client sees — which offer sets a model's price,
when a model counts as created — are made here; turning them into
OpenRouter's wire format (USD per token as strings) is the web layer's job.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.models import Endpoint, ExternalId, Model, ModelModality, Price, Provider
from app.services.catalog.model_redirects import redirect_target
from app.services.pricing.headline_price import headline

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

OPENROUTER_SOURCE = "openrouter"
# Models read and written out at a time: three queries each, a few megabytes of records.
LISTINGS_PER_CHUNK = 500

R = TypeVar("R", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class CurrentPrice:
    """An offer's current standard-tier price: per 1M tokens, or per unit for request and image."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    per_request: Decimal | None = None
    per_image: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """One endpoint of a model: who serves it, its limits, latest figures and current price."""

    provider_slug: str
    provider_name: str
    provider_kind: str = "inference"
    variant: str = ""
    quantization: str | None = None
    context_window: int | None = None
    max_output: int | None = None
    supported_parameters: list[str] = field(default_factory=list)
    status: str = "active"
    throughput_p50: Decimal | None = None
    throughput_p75: Decimal | None = None
    throughput_p90: Decimal | None = None
    throughput_p99: Decimal | None = None
    ttft_p50_ms: Decimal | None = None
    ttft_p75_ms: Decimal | None = None
    ttft_p90_ms: Decimal | None = None
    ttft_p99_ms: Decimal | None = None
    uptime_pct: Decimal | None = None
    price: CurrentPrice | None = None

    @property
    def input_price(self) -> Decimal | None:
        return None if self.price is None else self.price.input

    @property
    def output_price(self) -> Decimal | None:
        return None if self.price is None else self.price.output


@dataclass(frozen=True, slots=True)
class ModelListing:
    """A model with its modalities and every offer of it, as the API describes it."""

    slug: str
    name: str
    created_at: datetime
    description: str | None = None
    summary: str | None = None
    hf_repo_id: str | None = None
    own_context_window: int | None = None
    max_output: int | None = None
    api_available_at: date | None = None
    released_at: date | None = None
    input_modalities: list[str] = field(default_factory=list)
    output_modalities: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)

    @property
    def available_since(self) -> datetime:
        """When the model became usable: API availability, else release, else when we added it.

        OpenRouter's `created` is when a model arrived there, and clients sort
        by it to find new models; our nearest equivalent is the day it reached
        an API, which the import time (the same for a whole import) is not.
        """
        return available_since(self.api_available_at, self.released_at, self.created_at)

    @property
    def context_window(self) -> int | None:
        """The model's context window, else the largest any endpoint offers."""
        if self.own_context_window is not None:
            return self.own_context_window
        return max((o.context_window for o in self.offers if o.context_window), default=None)

    @property
    def supported_parameters(self) -> list[str]:
        """Every parameter at least one endpoint supports, sorted."""
        return sorted({p for o in self.offers for p in o.supported_parameters})

    @property
    def cheapest_offer(self) -> Offer | None:
        """The offer whose prices stand for the model's price, or None when none is priced.

        The model's headline offer, by the rule every page quotes prices by
        (`services.pricing.headline_price`): a provider's regular offer before a
        router's or a rate-limited `:free` one, never one far below the lab's price.
        """
        return headline(self.offers, author_slug=self.slug.partition("/")[0]).offer

    @property
    def offers_by_throughput(self) -> list[Offer]:
        """Offers fastest first (as the model page lists them); unmeasured ones last."""
        return sorted(
            self.offers,
            key=lambda o: (
                o.throughput_p50 is None,
                -(o.throughput_p50 or 0),
                o.provider_name.lower(),
                o.variant,
            ),
        )


def available_since(
    api_available_at: date | None, released_at: date | None, created_at: datetime
) -> datetime:
    """`ModelListing.available_since` from the three dates it is decided by."""
    day = api_available_at or released_at
    if day is None:
        return created_at
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def model_ids_newest_first(*, session: Session) -> list[int]:
    """Every model's id in the list's order: newest first (`available_since`), then by slug.

    Ordered here rather than in SQL, where the dates would have to be
    compared as the backends store them (SQLite keeps dates and times as text).
    """
    rows = session.execute(
        select(Model.id, Model.slug, Model.api_available_at, Model.released_at, Model.created_at)
    ).all()
    newest_first = sorted(
        rows,
        key=lambda row: (
            -available_since(row.api_available_at, row.released_at, row.created_at).timestamp(),
            row.slug,
        ),
    )
    return [row.id for row in newest_first]


def listings_in_chunks(
    *, session: Session, model_ids: Sequence[int]
) -> Iterator[list[ModelListing]]:
    """The listings of `model_ids` in their order, LISTINGS_PER_CHUNK at a time, three queries
    each. A model deleted since its id was read is left out."""
    for start in range(0, len(model_ids), LISTINGS_PER_CHUNK):
        chunk = model_ids[start : start + LISTINGS_PER_CHUNK]
        position = {model_id: index for index, model_id in enumerate(chunk)}
        models = session.execute(_models_query().where(Model.id.in_(chunk))).all()
        yield _assemble(
            models=sorted(models, key=lambda row: position[row.id]),
            modalities=session.execute(
                _modalities_query().where(ModelModality.model_id.in_(chunk))
            ).all(),
            offers=session.execute(_offers_query().where(Endpoint.model_id.in_(chunk))).all(),
        )


def find_model_listing(*, session: Session, slug: str) -> ModelListing | None:
    """One model by our slug, its OpenRouter id or an old slug, or None when none is known.

    Accepting OpenRouter's id (`mistralai/...`) lets clients written for
    OpenRouter ask for a model's endpoints without learning our slugs.
    """
    model = session.execute(_models_query().where(Model.slug == slug)).one_or_none()
    if model is None:
        model = session.execute(
            _models_query()
            .join(ExternalId, ExternalId.model_id == Model.id)
            .where(ExternalId.source == OPENROUTER_SOURCE, ExternalId.external_id == slug)
        ).one_or_none()
    if model is None and (canonical := redirect_target(session=session, slug=slug)):
        model = session.execute(_models_query().where(Model.slug == canonical)).one_or_none()
    if model is None:
        return None
    (listing,) = _assemble(
        models=[model],
        modalities=session.execute(
            _modalities_query().where(ModelModality.model_id == model.id)
        ).all(),
        offers=session.execute(_offers_query().where(Endpoint.model_id == model.id)).all(),
    )
    return listing


def _models_query() -> Select:
    return select(
        Model.id,
        Model.slug,
        Model.name,
        Model.description,
        Model.summary,
        Model.hf_repo_id,
        Model.context_window.label("own_context_window"),
        Model.max_output,
        Model.api_available_at,
        Model.released_at,
        Model.created_at,
    )


def _modalities_query() -> Select:
    return select(ModelModality.model_id, ModelModality.direction, ModelModality.modality)


def _offers_query() -> Select:
    """Endpoints with their provider and current standard price (outer join: unpriced too)."""
    return (
        select(
            Endpoint.model_id,
            Provider.slug.label("provider_slug"),
            Provider.name.label("provider_name"),
            Provider.kind.label("provider_kind"),
            Endpoint.variant,
            Endpoint.quantization,
            Endpoint.context_window,
            Endpoint.max_output,
            Endpoint.supported_parameters,
            Endpoint.status,
            Endpoint.throughput_p50,
            Endpoint.throughput_p75,
            Endpoint.throughput_p90,
            Endpoint.throughput_p99,
            Endpoint.ttft_p50_ms,
            Endpoint.ttft_p75_ms,
            Endpoint.ttft_p90_ms,
            Endpoint.ttft_p99_ms,
            Endpoint.uptime_pct,
            Price.id.label("price_id"),
            Price.input,
            Price.output,
            Price.cache_read,
            Price.cache_write,
            Price.reasoning,
            Price.per_request,
            Price.per_image,
        )
        .join(Provider, Provider.id == Endpoint.provider_id)
        .outerjoin(Price, Price.current_standard_of(Endpoint.id))
        .where(Endpoint.on_sale(Endpoint.status))
    )


def _assemble(
    *, models: Iterable[Any], modalities: Iterable[Any], offers: Iterable[Any]
) -> list[ModelListing]:
    """Group modality and offer rows under their model rows."""
    inputs: dict[int, set[str]] = defaultdict(set)
    outputs: dict[int, set[str]] = defaultdict(set)
    for model_id, direction, modality in modalities:
        (inputs if direction == "input" else outputs)[model_id].add(modality)
    offers_of: dict[int, list[Offer]] = defaultdict(list)
    for row in offers:
        values = row._mapping
        price = None if values["price_id"] is None else _record(CurrentPrice, values)
        offers_of[values["model_id"]].append(_record(Offer, values, price=price))
    return [
        _record(
            ModelListing,
            row._mapping,
            input_modalities=_text_first(inputs[row.id]),
            output_modalities=_text_first(outputs[row.id]),
            offers=offers_of[row.id],
        )
        for row in models
    ]


def _record(kind: type[R], values: Mapping[str, Any], **extra: Any) -> R:
    """A record of `kind` from the row columns named like its fields, plus `extra`."""
    names = _field_names(kind) - extra.keys()
    return kind(**{name: values[name] for name in names}, **extra)


@cache
def _field_names(kind: "type[DataclassInstance]") -> frozenset[str]:
    return frozenset(f.name for f in fields(kind))


def _text_first(modalities: set[str]) -> list[str]:
    return sorted(modalities, key=lambda m: (m != "text", m))
