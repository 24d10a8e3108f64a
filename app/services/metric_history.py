"""The last week of a model's measured figures, per endpoint, bucketed by hour for charts.

The refresh appends a sample per endpoint every few minutes, so a week is
about a thousand samples per endpoint; a sparkline 120 pixels wide needs
far fewer. The database averages them into hourly buckets (the resolution
retention keeps for old samples too) and returns every endpoint of the model
in one statement, so the model page's query count does not grow with its
provider count.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Endpoint, MetricSample
from app.services.time_buckets import floor_to_hour, hour_start

HISTORY_SPAN = timedelta(days=7)
BUCKET = timedelta(hours=1)
# Buckets further apart than this are not joined by a line: the refresh did
# not measure in between, and a straight line would invent figures.
MAX_JOINED_GAP = 3 * BUCKET

Series = tuple[tuple[datetime, Decimal | None], ...]


@dataclass(frozen=True)
class HistoryPoint:
    """One hour of one endpoint: the mean of that hour's p50 figures."""

    at: datetime
    throughput_p50: Decimal | None
    ttft_p50_ms: Decimal | None


@dataclass(frozen=True)
class EndpointHistory:
    """An endpoint's hourly points over the window, oldest first; may be empty."""

    start: datetime
    end: datetime
    points: tuple[HistoryPoint, ...]

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
    hour = hour_start(MetricSample.measured_at, session.get_bind().dialect.name)
    rows = session.execute(
        select(
            MetricSample.endpoint_id,
            hour.label("hour"),
            func.avg(MetricSample.throughput_p50).label("throughput"),
            func.avg(MetricSample.ttft_p50_ms).label("ttft"),
        )
        .join(Endpoint, Endpoint.id == MetricSample.endpoint_id)
        .where(
            Endpoint.model_id == model_id,
            MetricSample.measured_at >= start,
            MetricSample.measured_at < end,
        )
        .group_by(MetricSample.endpoint_id, hour)
        .order_by(MetricSample.endpoint_id, hour)
    )
    points: dict[int, list[HistoryPoint]] = defaultdict(list)
    for endpoint_id, at, throughput, ttft in rows:
        points[endpoint_id].append(
            HistoryPoint(at=at, throughput_p50=_decimal(throughput), ttft_p50_ms=_decimal(ttft))
        )
    return {
        endpoint_id: EndpointHistory(start=start, end=end, points=tuple(found))
        for endpoint_id, found in points.items()
    }


def empty_history(now: datetime) -> EndpointHistory:
    """The history of an endpoint with no samples in the window."""
    start, end = history_window(now)
    return EndpointHistory(start=start, end=end, points=())


def _decimal(value: object) -> Decimal | None:
    """AVG gives Decimal on PostgreSQL and float on SQLite; charts want one type."""
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))
