"""A model's week of charts as the metrics refresh stores them, and how the page reads them back.

Drawing a provider's week means reading its 168 hourly means and working out
the geometry of two charts (`services.metrics.sparkline_geometry`): most of the
model page's history cost when nothing is remembered. The geometry depends
only on the means and the window, and the means change only when they are
written, so every write of them stores the geometry of each affected model's
endpoints in `metric_charts` (`services.metrics.metric_charts_writer`), one
row per model.

What is stored says what it was worked out for: the window (`window_end`,
which moves on the hour), the drawing's constants (`DRAWING`), and the
endpoints the model had. A reader whose window, drawing or endpoints differ
finds nothing usable and works the charts out from the means, so stored
geometry is only ever used for exactly what it was computed for.
"""

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from app.db import UTCDateTime
from app.models import MetricChart
from app.services.metrics.sparkline_geometry import HEIGHT, PAD, WIDTH, ChartShape
from app.services.metrics.week_window import BUCKET, HISTORY_SPAN, MAX_JOINED_GAP

# Everything besides the means and the window that the stored geometry depends on;
# bump the trailing revision when the geometry's code changes.
DRAWING = f"{HISTORY_SPAN}|{BUCKET}|{MAX_JOINED_GAP}|{WIDTH}x{HEIGHT}+{PAD}|1"

WeekShapes = tuple[ChartShape | None, ChartShape | None]


def week_charts_value(
    *, endpoint_ids: Iterable[int], shapes: Mapping[int, WeekShapes]
) -> dict[str, Any]:
    """The JSON stored in `MetricChart.charts`: the model's endpoints then, and the
    throughput and latency geometry of each that has points in the window."""
    return {
        "drawing": DRAWING,
        "endpoints": sorted(endpoint_ids),
        "charts": {
            str(endpoint_id): [_shape_value(shape) for shape in pair]
            for endpoint_id, pair in shapes.items()
        },
    }


def stored_week_charts(
    stored: Mapping[str, Any] | None, endpoint_ids: Iterable[int]
) -> dict[int, WeekShapes] | None:
    """Endpoint id -> its charts' geometry from `stored` (read for the page's window), or None
    when nothing usable is stored: none, another drawing, or an endpoint it did not cover."""
    if not stored or stored.get("drawing") != DRAWING:
        return None
    if not set(endpoint_ids) <= set(stored.get("endpoints") or ()):
        return None
    return {
        int(endpoint_id): (_shape(throughput), _shape(latency))
        for endpoint_id, (throughput, latency) in (stored.get("charts") or {}).items()
    }


@cache
def stored_chart_query() -> Select[Any]:
    """The model's stored charts for the window ending at `window_end`, built once."""
    charts = MetricChart.__table__.c
    return select(charts.charts).where(
        charts.model_id == bindparam("model_id"),
        charts.window_end == bindparam("window_end", type_=UTCDateTime),
    )


def _shape_value(shape: ChartShape | None) -> list[Any] | None:
    if shape is None:
        return None
    return [float(shape.low), float(shape.high), float(shape.latest), shape.line, shape.dots]


def _shape(value: list[Any] | None) -> ChartShape | None:
    if value is None:
        return None
    low, high, latest, line, dots = value
    return ChartShape(
        low=low, high=high, latest=latest, line=line, dots=tuple((x, y) for x, y in dots)
    )
