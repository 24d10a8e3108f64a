"""Per-model figures derived from its endpoints, stored for fast catalog filters and sorts.

The catalog filters and sorts thousands of models by cheapest price, best
throughput and provider count. Computing those with joins on every request
would be slow and unindexable, so every write path that changes endpoints,
prices or metrics calls `refresh_rollups` for the models it touched.

Only live offers count (`Endpoint.on_sale`): a retired one is history. The
provider count is the number of distinct inference providers: a provider's
variants (free, extended, regional, fast) are one provider, and routers
(OpenRouter, Hugging Face's router) are counted apart, not as providers.

"Cheapest" follows the model page: offers by inference providers at their
regular price come first. A router's resale price or a rate-limited `:free`
variant counts only when the model has no such offer, so a model sold for
$0.15 is not listed as costing $0 because one router has a free variant.
"""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, Price, Provider

FREE_VARIANT = "free"


def _current_standard_prices(*, regular_offers_only: bool) -> Select[tuple[int]]:
    """Current standard-tier price rows of the model being updated (correlated)."""
    statement = (
        select(Endpoint.model_id)
        .join(Price, Price.current_standard_of(Endpoint.id))
        .where(Endpoint.model_id == Model.id, Endpoint.on_sale(Endpoint.status))
    )
    if regular_offers_only:
        statement = statement.join(Provider, Provider.id == Endpoint.provider_id).where(
            Provider.kind == "inference", Endpoint.variant != FREE_VARIANT
        )
    return statement


def _cheapest(column: ColumnElement[object]) -> ColumnElement[object]:
    """Lowest price in `column` among regular offers, else among all offers."""
    regular = _current_standard_prices(regular_offers_only=True)
    every = _current_standard_prices(regular_offers_only=False)
    return func.coalesce(
        regular.with_only_columns(func.min(column)).scalar_subquery(),
        every.with_only_columns(func.min(column)).scalar_subquery(),
    )


def refresh_rollups(*, session: Session, model_ids: Iterable[int] | None = None) -> None:
    """Recompute cheapest current standard prices, best throughput and provider count.

    `model_ids=None` recomputes every model (after a bulk import).
    """
    statement = update(Model).values(
        price_input_min=_cheapest(Price.input),
        price_output_min=_cheapest(Price.output),
        throughput_max=select(func.max(Endpoint.throughput_p50))
        .where(Endpoint.model_id == Model.id, Endpoint.on_sale(Endpoint.status))
        .scalar_subquery(),
        provider_count=select(func.count(func.distinct(Endpoint.provider_id)))
        .join(Provider, Provider.id == Endpoint.provider_id)
        .where(
            Endpoint.model_id == Model.id,
            Endpoint.on_sale(Endpoint.status),
            Provider.kind == "inference",
        )
        .scalar_subquery(),
    )
    if model_ids is not None:
        ids = list(model_ids)
        if not ids:
            return
        statement = statement.where(Model.id.in_(ids))
    session.execute(statement.execution_options(synchronize_session=False))
    session.expire_all()
