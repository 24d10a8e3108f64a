"""The last week of a model's measured figures, per endpoint, bucketed by hour for charts.

The refresh appends a sample per endpoint every few minutes, so a week is
about a thousand samples per endpoint; a sparkline 120 pixels wide needs
far fewer. The hourly means are stored in `metric_hours`, kept in step with
the samples by every write of them (`services.metrics.metric_hours_writer`), and one
statement returns every endpoint's week by primary key, so the model page's
query count does not grow with its provider count.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import Select, String, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.models import Endpoint, MetricHour
from app.services.metrics import metric_hours_writer  # noqa: F401 - keeps metric_hours in step (its hook)
from app.services.metrics.time_buckets import floor_to_hour
from app.services.publishing.snapshot import Snapshot

HISTORY_SPAN = timedelta(days=7)
BUCKET = timedelta(hours=1)
# Buckets further apart than this are not joined by a line: the refresh did
# not measure in between, and a straight line would invent figures.
MAX_JOINED_GAP = 3 * BUCKET

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

    `charts` keeps the drawn charts of this history by caption (see
    `web.render.sparkline.endpoint_sparklines`): a history remembered across requests
    (`remembered_history`) is drawn once, not on every page view.
    """

    start: datetime
    end: datetime
    points: tuple[HistoryPoint, ...]
    charts: dict[str, Markup] = field(default_factory=dict, compare=False, repr=False)

    @property
    def throughput(self) -> Series:
        """(hour, tok/s) pairs for the throughput chart."""
        return tuple((point.at, point.throughput_p50) for point in self.points)

    @property
    def latency(self) -> Series:
        """(hour, ms) pairs for the time-to-first-token chart."""
        return tuple((point.at, point.ttft_p50_ms) for point in self.points)


def history_window(now: datetime) -> tuple[datetime, datetime]:
    """The charted span: the seven days up to the end of the current hour."""
    end = floor_to_hour(now) + BUCKET
    return end - HISTORY_SPAN, end


def load_metric_history(
    *, session: Session, model_id: int, now: datetime
) -> dict[int, EndpointHistory]:
    """Endpoint id -> its hourly history over the week up to `now`, in one query.

    Endpoints without samples in the window are absent; callers use
    `empty_history` for them.
    """
    start, end = history_window(now)
    # Fetched in one call: iterating the result fetches row by row, which cost
    # more than the statement on a page with dozens of endpoints.
    rows = session.execute(
        _history_query(), {"model_id": model_id, "start": start, "end": end}
    ).all()
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
    *, snapshot: Snapshot, model_id: int, now: datetime
) -> dict[int, EndpointHistory]:
    """`load_metric_history`, remembered per model, catalog version and window.

    The samples change only through writes that bump the catalog version (the
    refresh, retention, the bench's and tests' builders), and the window only
    when the hour turns, so both are the key (see `services.publishing.snapshot`).
    """
    return snapshot.remember(
        ("metric-history", model_id, history_window(now)),
        lambda: load_metric_history(session=snapshot.session, model_id=model_id, now=now),
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
