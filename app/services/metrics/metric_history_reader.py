"""The last week of a model's measured figures, per endpoint, bucketed by hour for charts.

The refresh appends a sample per endpoint every few minutes, so a week is
about a thousand samples per endpoint; a sparkline 120 pixels wide needs
far fewer. The hourly means are stored in `metric_hours`, kept in step with
the samples by every write of them (`services.metrics.metric_hours_writer`), and one
statement returns every endpoint's week by primary key, so the model page's
query count does not grow with its provider count.

The page does not need the means themselves, only the charts drawn from them:
the metrics refresh stores those for the window current when it writes
(`services.metrics.metric_charts_writer`), and `load_metric_history` reads
them in one row when they are for the page's window, else the means.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import Select, String, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.execute_core import execute_core
from app.models import Endpoint, MetricHour
from app.services.metrics import metric_hours_writer  # noqa: F401 - keeps metric_hours in step (its hook)
from app.services.metrics.sparkline_geometry import ChartShape, chart_shape
from app.services.metrics.stored_metric_charts import (
    stored_chart_query,
    stored_week_charts,
)
from app.services.metrics.week_window import MAX_JOINED_GAP, history_window
from app.services.publishing.snapshot import Snapshot

Series = tuple[tuple[datetime, float | None], ...]


class HistoryPoint(NamedTuple):
    """One hour of one endpoint: the mean of that hour's p50 figures.

    Means are floats: they only draw charts (the figures of record stay
    Decimal), and a week is a thousand of them per model page, which a tuple
    of floats builds several times faster than a dataclass of Decimals.
    """

    at: datetime
    throughput_p50: float | None
    ttft_p50_ms: float | None


@dataclass(frozen=True)
class EndpointHistory:
    """An endpoint's hourly points over the window, oldest first; may be empty.

    `stored` is the throughput and latency charts' geometry as the metrics
    refresh stored it for this window (then `points` is not read, and is
    empty); None when worked out from `points` (`shapes`).
    `charts` keeps the drawn charts of this history by caption (see
    `web.render.sparkline.endpoint_sparklines`): a history remembered across requests
    (`remembered_history`) is drawn once, not on every page view.
    """

    start: datetime
    end: datetime
    points: tuple[HistoryPoint, ...]
    stored: tuple[ChartShape | None, ChartShape | None] | None = None
    charts: dict[str, Markup] = field(default_factory=dict, compare=False, repr=False)

    @property
    def throughput(self) -> Series:
        """(hour, tok/s) pairs for the throughput chart."""
        return tuple((point.at, point.throughput_p50) for point in self.points)

    @property
    def latency(self) -> Series:
        """(hour, ms) pairs for the time-to-first-token chart."""
        return tuple((point.at, point.ttft_p50_ms) for point in self.points)

    @property
    def has_points(self) -> bool:
        """Whether any hour of the window was measured (its charts may still have no value)."""
        return bool(self.points) or self.stored is not None

    def shapes(self) -> tuple[ChartShape | None, ChartShape | None]:
        """The geometry of the throughput and the latency chart, stored or worked out."""
        if self.stored is not None:
            return self.stored
        return week_shapes(self)


def week_shapes(history: "EndpointHistory") -> tuple[ChartShape | None, ChartShape | None]:
    """The throughput and latency charts' geometry of `history`'s points, worked out."""
    return (
        chart_shape(
            history.throughput, start=history.start, end=history.end, max_gap=MAX_JOINED_GAP
        ),
        chart_shape(history.latency, start=history.start, end=history.end, max_gap=MAX_JOINED_GAP),
    )


def load_metric_history(
    *, session: Session, model_id: int, endpoint_ids: Iterable[int], now: datetime
) -> dict[int, EndpointHistory]:
    """Endpoint id -> its history over the week up to `now`: the stored charts when they are
    for this window and cover every endpoint in `endpoint_ids`, else the hourly means.

    One statement, two when nothing usable is stored. Endpoints without samples
    in the window are absent; callers use `empty_history` for them.
    """
    start, end = history_window(now)
    stored_row = execute_core(
        session, stored_chart_query(), {"model_id": model_id, "window_end": end}
    ).first()
    stored = stored_week_charts(None if stored_row is None else stored_row[0], endpoint_ids)
    if stored is not None:
        return {
            endpoint_id: EndpointHistory(start=start, end=end, points=(), stored=shapes)
            for endpoint_id, shapes in stored.items()
        }
    return computed_metric_history(session=session, model_id=model_id, now=now)


def computed_metric_history(
    *, session: Session, model_id: int, now: datetime
) -> dict[int, EndpointHistory]:
    """Endpoint id -> its hourly history over the week up to `now`, from the means, in one query."""
    start, end = history_window(now)
    # Fetched in one call: iterating the result fetches row by row, which cost
    # more than the statement on a page with dozens of endpoints.
    rows = execute_core(
        session, _history_query(), {"model_id": model_id, "start": start, "end": end}
    ).all()
    return histories_of(rows, start=start, end=end)


def histories_of(
    rows: Iterable[Sequence[Any]], *, start: datetime, end: datetime
) -> dict[int, EndpointHistory]:
    """(endpoint id, hour, throughput, ttft) rows, ordered by endpoint and hour, as histories."""
    points: dict[int, list[HistoryPoint]] = {}
    hours: dict[object, datetime] = {}
    for endpoint_id, hour, throughput, ttft in rows:
        found = points.get(endpoint_id)
        if found is None:
            found = points[endpoint_id] = []
        at = hours.get(hour)
        if at is None:
            at = hours[hour] = _as_utc(hour)
        found.append(HistoryPoint(at, throughput, ttft))
    return {
        endpoint_id: EndpointHistory(start=start, end=end, points=tuple(found))
        for endpoint_id, found in points.items()
    }


def remembered_history(
    *, snapshot: Snapshot, model_id: int, endpoint_ids: tuple[int, ...], now: datetime
) -> dict[int, EndpointHistory]:
    """`load_metric_history`, remembered per model, catalog version and window.

    The samples change only through writes that bump the catalog version (the
    refresh, retention, the bench's and tests' builders), and the window only
    when the hour turns, so both are the key (see `services.publishing.snapshot`).
    """
    return snapshot.remember(
        ("metric-history", model_id, endpoint_ids, history_window(now)),
        lambda: load_metric_history(
            session=snapshot.session, model_id=model_id, endpoint_ids=endpoint_ids, now=now
        ),
        catalog_only=True,
    )


def _as_utc(hour: str | datetime) -> datetime:
    """An hour as the query returns it (SQLite: stored text; PostgreSQL: a datetime), in UTC."""
    if isinstance(hour, str):
        return datetime.fromisoformat(hour).replace(tzinfo=UTC)
    return hour.astimezone(UTC)


@cache
def _history_query() -> Select[int, str | datetime, float | None, float | None]:
    """The model's endpoints' hourly means over the window from `metric_hours`, built once.

    Table columns, not ORM attributes, so it runs as a Core statement. The
    hour comes back untyped (stored text on SQLite, a datetime on PostgreSQL)
    and the caller converts each distinct hour once: SQLAlchemy's per-row
    timestamp parsing on SQLite cost as much as the rest of the statement.
    """
    hours = MetricHour.__table__.c
    endpoint = Endpoint.__table__.c
    return (
        select(
            hours.endpoint_id,
            type_coerce(hours.hour, String).label("hour"),
            hours.throughput_p50,
            hours.ttft_p50_ms,
        )
        .join_from(MetricHour.__table__, Endpoint.__table__, endpoint.id == hours.endpoint_id)
        .where(
            endpoint.model_id == bindparam("model_id"),
            hours.hour >= bindparam("start", type_=UTCDateTime),
            hours.hour < bindparam("end", type_=UTCDateTime),
        )
        .order_by(hours.endpoint_id, hours.hour)
    )


def empty_history(now: datetime) -> EndpointHistory:
    """The history of an endpoint with no samples in the window."""
    start, end = history_window(now)
    return EndpointHistory(start=start, end=end, points=())
