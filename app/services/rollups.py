"""Per-model figures derived from its endpoints, stored for fast catalog filters and sorts.

The catalog filters and sorts thousands of models by cheapest price, best
throughput and provider count. Computing those with joins on every request
would be slow and unindexable, so every write path that changes endpoints,
prices or metrics calls `refresh_rollups` for the models it touched.
"""

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models import Endpoint, Model, Price


def refresh_rollups(*, session: Session, model_ids: Iterable[int] | None = None) -> None:
    """Recompute cheapest current standard prices, best throughput and provider count.

    `model_ids=None` recomputes every model (after a bulk import).
    """
    price_of = (
        select(Endpoint.model_id)
        .join(Price, Price.endpoint_id == Endpoint.id)
        .where(
            Endpoint.model_id == Model.id,
            Price.effective_to.is_(None),
            Price.service_tier == "standard",
        )
    )
    statement = update(Model).values(
        price_input_min=price_of.with_only_columns(func.min(Price.input)).scalar_subquery(),
        price_output_min=price_of.with_only_columns(func.min(Price.output)).scalar_subquery(),
        throughput_max=select(func.max(Endpoint.throughput_p50))
        .where(Endpoint.model_id == Model.id)
        .scalar_subquery(),
        provider_count=select(func.count(func.distinct(Endpoint.provider_id)))
        .where(Endpoint.model_id == Model.id)
        .scalar_subquery(),
    )
    if model_ids is not None:
        ids = list(model_ids)
        if not ids:
            return
        statement = statement.where(Model.id.in_(ids))
    session.execute(statement.execution_options(synchronize_session=False))
    session.expire_all()
