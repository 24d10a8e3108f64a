"""Keeping `metric_hours` (the hourly means the model page charts) in step with `metric_samples`.

The model page draws a week of hourly p50 figures per endpoint. Averaging a
thousand samples per endpoint on every render was the slowest part of a page
not served from a cache, so the means are stored, one row per endpoint and
hour, and rewritten wherever samples are written:

- the metrics refresh and the benchmark's data builder insert samples with
  Core statements and call `rebuild_metric_hours` for what they wrote;
- samples added through the ORM (the seed, tests) are caught by an
  `after_flush` hook on every Session, so no such path can forget;
- retention replaces raw samples by hourly means per source and calls
  `rebuild_merged_hours` for the hours it merged.

The invariant, tested after each: every row is the mean of its hour's current
samples (NULLs ignored), and every hour with samples has a row. Each rebuild
then redraws the stored charts of the models it touched
(`services.metrics.metric_charts_writer`). Rebuilding is
DELETE then INSERT ... SELECT ... GROUP BY for the given endpoints and hours,
the same statements on SQLite and PostgreSQL.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, event, exists, func, insert, select
from sqlalchemy.orm import Session, UOWTransaction

from app.db import utcnow
from app.models import MetricHour, MetricSample
from app.services.metrics.metric_charts_writer import refresh_metric_charts
from app.services.metrics.time_buckets import floor_to_hour, hour_start

HOUR = timedelta(hours=1)
# IN lists are sent in chunks well under SQLite's bound-parameter limit.
_CHUNK = 500

_samples = MetricSample.__table__
_hours = MetricHour.__table__


def rebuild_metric_hours(
    connection: Connection | Session,
    *,
    endpoint_ids: Iterable[int],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> None:
    """Recompute the rows of `endpoint_ids` for every hour touching [start, end], from samples,
    then their models' stored charts for the window of `now` (default: the clock's)."""
    ids = sorted(set(endpoint_ids))
    _rebuild_hours(connection, endpoint_ids=ids, start=start, end=end)
    refresh_metric_charts(connection, endpoint_ids=ids, now=now or utcnow())


def _rebuild_hours(
    connection: Connection | Session, *, endpoint_ids: list[int], start: datetime, end: datetime
) -> None:
    first, stop = floor_to_hour(start), floor_to_hour(end) + HOUR
    dialect = _dialect_name(connection)
    hour = hour_start(_samples.c.measured_at, dialect)
    for index in range(0, len(endpoint_ids), _CHUNK):
        chunk = endpoint_ids[index : index + _CHUNK]
        connection.execute(
            delete(_hours).where(
                _hours.c.endpoint_id.in_(chunk), _hours.c.hour >= first, _hours.c.hour < stop
            )
        )
        connection.execute(
            insert(_hours).from_select(
                ["endpoint_id", "hour", "throughput_p50", "ttft_p50_ms"],
                select(
                    _samples.c.endpoint_id,
                    hour,
                    func.avg(_samples.c.throughput_p50),
                    func.avg(_samples.c.ttft_p50_ms),
                )
                .where(
                    _samples.c.endpoint_id.in_(chunk),
                    _samples.c.measured_at >= first,
                    _samples.c.measured_at < stop,
                )
                .group_by(_samples.c.endpoint_id, hour),
            )
        )


def rebuild_merged_hours(session: Session, *, merged_after_id: int, window: str) -> None:
    """Recompute the hours retention just merged: those of samples with `window` and id > the bound.

    A merged hour holds only its merged rows (one per source, measured at the
    start of the hour), so its mean is theirs. Then the merged endpoints' models' stored charts.
    """
    merged = select(_samples.c.endpoint_id, _samples.c.measured_at).where(
        _samples.c.id > merged_after_id, _samples.c.window == window
    )
    session.execute(
        delete(_hours).where(
            exists(
                merged.where(
                    _samples.c.endpoint_id == _hours.c.endpoint_id,
                    _samples.c.measured_at == _hours.c.hour,
                )
            )
        )
    )
    session.execute(
        insert(_hours).from_select(
            ["endpoint_id", "hour", "throughput_p50", "ttft_p50_ms"],
            select(
                _samples.c.endpoint_id,
                _samples.c.measured_at,
                func.avg(_samples.c.throughput_p50),
                func.avg(_samples.c.ttft_p50_ms),
            )
            .where(_samples.c.id > merged_after_id, _samples.c.window == window)
            .group_by(_samples.c.endpoint_id, _samples.c.measured_at),
        )
    )
    merged_endpoints = session.scalars(
        select(_samples.c.endpoint_id)
        .where(_samples.c.id > merged_after_id, _samples.c.window == window)
        .distinct()
    )
    refresh_metric_charts(session, endpoint_ids=list(merged_endpoints), now=utcnow())


def _dialect_name(connection: Connection | Session) -> str:
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    return bind.dialect.name


@event.listens_for(Session, "after_flush")
def _rebuild_for_flushed_samples(session: Session, _flush: UOWTransaction) -> None:
    """Samples added through the ORM: rebuild their endpoints' hours, once per flush.

    Runs on the flush's own connection, inside its transaction, so the rows
    and their means commit or roll back together.
    """
    spans: dict[int, list[datetime]] = defaultdict(list)
    for instance in session.new:
        if isinstance(instance, MetricSample):
            spans[instance.endpoint_id].append(instance.measured_at)
    if not spans:
        return
    connection = session.connection()
    for endpoint_id, times in spans.items():
        _rebuild_hours(connection, endpoint_ids=[endpoint_id], start=min(times), end=max(times))
    refresh_metric_charts(connection, endpoint_ids=spans, now=utcnow())
