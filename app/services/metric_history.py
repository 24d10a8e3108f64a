"""The last week of a model's measured figures, per endpoint, bucketed by hour for charts.

The refresh appends a sample per endpoint every few minutes, so a week is
about a thousand samples per endpoint; a sparkline 120 pixels wide needs
far fewer. The database averages them into hourly buckets (the resolution
retention keeps for old samples too) and returns every endpoint of the model
in one statement, so the model page's query count does not grow with its
provider count.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import Float, Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.db import UTCDateTime
from app.models import Endpoint, MetricSample
from app.services.time_buckets import floor_to_hour, hour_start

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
    rows = session.execute(
        _history_query(session.get_bind().dialect.name),
        {"model_id": model_id, "start": start, "end": end},
    )
    points: dict[int, list[HistoryPoint]] = {}
    for endpoint_id, at, throughput, ttft in rows:
        found = points.get(endpoint_id)
        if found is None:
            found = points[endpoint_id] = []
        found.append(HistoryPoint(at, throughput, ttft))
    return {
        endpoint_id: EndpointHistory(start=start, end=end, points=tuple(found))
        for endpoint_id, found in points.items()
    }


@cache
def _history_query(dialect_name: str) -> Select[tuple[int, datetime, float | None, float | None]]:
    """The hourly means of the model's endpoints' p50 figures, built once per database kind.

    Table columns, not ORM attributes, so it runs as a Core statement; the
    means come back as floats (AVG gives float on SQLite, Decimal on
    PostgreSQL), which is all the charts need.
    """
    sample = MetricSample.__table__.c
    endpoint = Endpoint.__table__.c
    hour = hour_start(sample.measured_at, dialect_name)
    return (
        select(
            sample.endpoint_id,
            hour.label("hour"),
            func.avg(sample.throughput_p50, type_=Float).label("throughput"),
            func.avg(sample.ttft_p50_ms, type_=Float).label("ttft"),
        )
        .join_from(MetricSample.__table__, Endpoint.__table__, endpoint.id == sample.endpoint_id)
        .where(
            endpoint.model_id == bindparam("model_id"),
            sample.measured_at >= bindparam("start", type_=UTCDateTime),
            sample.measured_at < bindparam("end", type_=UTCDateTime),
        )
        .group_by(sample.endpoint_id, hour)
        .order_by(sample.endpoint_id, hour)
    )


def empty_history(now: datetime) -> EndpointHistory:
    """The history of an endpoint with no samples in the window."""
    start, end = history_window(now)
    return EndpointHistory(start=start, end=end, points=())
