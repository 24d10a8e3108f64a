"""Storing each model's week of charts (`services.metrics.stored_metric_charts`) with its means.

Called by `services.metrics.metric_hours_writer` after every rebuild of hourly
means, with the endpoints it rebuilt, so no write of samples can leave a
model's stored charts behind its means. The charts are drawn for the window
current at the write (`now`): the refresh runs every few minutes, so the page
finds them for its own window except in the minutes after the hour turns,
when it works them out from the means instead.

Per `MODELS_PER_STATEMENT` models: one read of their endpoints, one of their
endpoints' means over the window, one DELETE and one INSERT of their rows.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, String, delete, insert, select, type_coerce
from sqlalchemy.orm import Session

from app.models import Endpoint, MetricChart, MetricHour
from app.services.metrics.stored_metric_charts import week_charts_value
from app.services.metrics.week_window import history_window

# Models whose charts are redrawn per statement, and endpoints whose models are
# looked up per statement (bound parameters of one IN list).
MODELS_PER_STATEMENT = 200
ENDPOINTS_PER_STATEMENT = 500

_charts = MetricChart.__table__
_endpoints = Endpoint.__table__
_hours = MetricHour.__table__


def refresh_metric_charts(
    connection: Connection | Session, *, endpoint_ids: Iterable[int], now: datetime
) -> None:
    """Redraw and store the week of charts of every model with an endpoint in `endpoint_ids`."""
    # Imported here: the reader imports `metric_hours_writer`, which calls this, for its hook.
    from app.services.metrics.metric_history_reader import histories_of, week_shapes

    ids = sorted(set(endpoint_ids))
    model_ids: set[int] = set()
    for index in range(0, len(ids), ENDPOINTS_PER_STATEMENT):
        chunk = ids[index : index + ENDPOINTS_PER_STATEMENT]
        model_ids.update(
            connection.execute(
                select(_endpoints.c.model_id).where(_endpoints.c.id.in_(chunk)).distinct()
            ).scalars()
        )
    start, end = history_window(now)
    models = sorted(model_ids)
    for index in range(0, len(models), MODELS_PER_STATEMENT):
        chunk = models[index : index + MODELS_PER_STATEMENT]
        endpoints_of: dict[int, list[int]] = {model_id: [] for model_id in chunk}
        for endpoint_id, model_id in connection.execute(
            select(_endpoints.c.id, _endpoints.c.model_id).where(_endpoints.c.model_id.in_(chunk))
        ):
            endpoints_of[model_id].append(endpoint_id)
        rows = connection.execute(
            select(
                _hours.c.endpoint_id,
                type_coerce(_hours.c.hour, String).label("hour"),
                _hours.c.throughput_p50,
                _hours.c.ttft_p50_ms,
            )
            .join_from(_hours, _endpoints, _endpoints.c.id == _hours.c.endpoint_id)
            .where(
                _endpoints.c.model_id.in_(chunk),
                _hours.c.hour >= start,
                _hours.c.hour < end,
            )
            .order_by(_hours.c.endpoint_id, _hours.c.hour)
        ).all()
        histories = histories_of(rows, start=start, end=end)
        connection.execute(delete(_charts).where(_charts.c.model_id.in_(chunk)))
        connection.execute(
            insert(_charts),
            [
                {
                    "model_id": model_id,
                    "window_end": end,
                    "charts": week_charts_value(
                        endpoint_ids=model_endpoint_ids,
                        shapes={
                            endpoint_id: week_shapes(histories[endpoint_id])
                            for endpoint_id in model_endpoint_ids
                            if endpoint_id in histories
                        },
                    ),
                }
                for model_id, model_endpoint_ids in endpoints_of.items()
            ],
        )
