"""Per-model figures derived from its endpoints, stored for fast catalog filters and sorts.

The catalog filters and sorts thousands of models by cheapest price, best
throughput and provider count. Computing those with joins on every request
would be slow and unindexable, so every write path that changes endpoints,
prices or metrics calls `refresh_rollups` for the models it touched.

Only live offers count (`Endpoint.on_sale`): a retired one is history. The
stored price is the model's headline price, by the rule every page uses
(`services.pricing.headline_price`), so the catalog quotes what the model page does.
The provider count is the number of distinct providers that sell API access,
as the model page's providers table has rows: a provider's variants (free,
extended, regional, fast) are one provider, and routers (OpenRouter, Hugging
Face's router) and subscription products are not providers.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.models import Author, Endpoint, Model, Price, Provider
from app.services.pricing.headline_price import API_SELLER, headline

# The Model columns `refresh_rollups` writes.
_ROLLUP_ATTRIBUTES = (
    "price_input_min",
    "price_output_min",
    "throughput_max",
    "provider_count",
)


@dataclass(frozen=True)
class _StandardOffer:
    """One endpoint's current standard-tier price, as the headline rule reads it."""

    provider_slug: str
    provider_kind: str
    variant: str
    input_price: Decimal | None
    output_price: Decimal | None


def refresh_rollups(*, session: Session, model_ids: Iterable[int] | None = None) -> None:
    """Recompute headline prices, best throughput, provider count and the default
    workloads' cheapest offers (`services.pricing.stored_workload_costs`).

    `model_ids=None` recomputes every model (after a bulk import). Two
    statements for the figures SQL computes, one read of the current prices,
    and one update of the models whose headline price changed; then the
    workload costs' own reads and update (`refresh_workload_costs`).
    """
    # Imported here: the calculator it runs imports, through the model redirects, this module.
    from app.services.pricing.workload_costs_refresh import refresh_workload_costs

    ids = None if model_ids is None else list(model_ids)
    if ids is not None and not ids:
        return
    statement = update(Model).values(
        throughput_max=select(func.max(Endpoint.throughput_p50))
        .where(Endpoint.model_id == Model.id, Endpoint.on_sale(Endpoint.status))
        .scalar_subquery(),
        provider_count=select(func.count(func.distinct(Endpoint.provider_id)))
        .join(Provider, Provider.id == Endpoint.provider_id)
        .where(
            Endpoint.model_id == Model.id,
            Endpoint.on_sale(Endpoint.status),
            Provider.kind == API_SELLER,
        )
        .scalar_subquery(),
    )
    if ids is not None:
        statement = statement.where(Model.id.in_(ids))
    session.execute(statement.execution_options(synchronize_session=False))
    changed = _changed_headlines(session, ids)
    if changed:
        session.execute(update(Model), changed)
    refresh_workload_costs(session=session, ids=ids)
    _expire_rollups(session, ids)


def _expire_rollups(session: Session, ids: list[int] | None) -> None:
    """Make the session's loaded models read their new rollups again, and nothing else.

    Only those columns changed, behind the ORM's back. Expiring every object
    instead cost a set of expired names per object: tens of megabytes for a
    refresh holding a large listing's endpoints and prices.
    """
    if ids is None:
        models = [obj for obj in session.identity_map.values() if isinstance(obj, Model)]
    else:
        found = (session.identity_map.get(identity_key(Model, model_id)) for model_id in ids)
        models = [model for model in found if model is not None]
    for model in models:
        session.expire(model, _ROLLUP_ATTRIBUTES)


def _changed_headlines(session: Session, ids: list[int] | None) -> list[dict[str, object]]:
    """`{id, price_input_min, price_output_min}` of each model whose headline price changed."""
    offers: dict[int, list[_StandardOffer]] = {}
    stored: dict[int, tuple[str, Decimal | None, Decimal | None]] = {}
    for row in session.execute(_prices_query(ids)):
        stored[row.id] = (row.author_slug, row.price_input_min, row.price_output_min)
        if row.provider_slug is not None:
            offers.setdefault(row.id, []).append(
                _StandardOffer(
                    provider_slug=row.provider_slug,
                    provider_kind=row.kind,
                    variant=row.variant,
                    input_price=row.input,
                    output_price=row.output,
                )
            )
    changed: list[dict[str, object]] = []
    for model_id, (author_slug, old_input, old_output) in stored.items():
        price = headline(offers.get(model_id, []), author_slug=author_slug)
        if (price.input, price.output) != (old_input, old_output):
            changed.append(
                {"id": model_id, "price_input_min": price.input, "price_output_min": price.output}
            )
    return changed


def _prices_query(ids: list[int] | None) -> Select:
    """Every model (or those in `ids`) with each endpoint's current standard-tier price."""
    statement = (
        select(
            Model.id,
            Model.price_input_min,
            Model.price_output_min,
            Author.slug.label("author_slug"),
            Provider.slug.label("provider_slug"),
            Provider.kind,
            Endpoint.variant,
            Price.input,
            Price.output,
        )
        .join(Author, Author.id == Model.author_id)
        .outerjoin(Endpoint, and_(Endpoint.model_id == Model.id, Endpoint.on_sale(Endpoint.status)))
        .outerjoin(Provider, Provider.id == Endpoint.provider_id)
        .outerjoin(Price, Price.current_standard_of(Endpoint.id))
    )
    if ids is not None:
        statement = statement.where(Model.id.in_(ids))
    return statement
