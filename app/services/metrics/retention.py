"""Downsampling old metric samples to one row per endpoint per hour.

The refresh job appends a sample per endpoint every few minutes. Recent
samples are kept as measured (the week's sparklines read them); samples older
than the retention setting are merged, per endpoint, source and UTC hour,
into one row with `window = "1h"` whose figures are the arithmetic mean of
the merged samples' figures (NULLs ignored). A mean of percentiles is not the
hour's percentile, but it is what SQLite and PostgreSQL can both compute in
SQL, and at an hour's resolution it draws the same chart; no history is lost
wholesale, only its resolution.

Only whole hours are merged: the cutoff is rounded down to the hour, so an
hour is never split between a merged row and raw samples, and running the
downsampling again finds nothing to do (merged rows are never re-merged).
The work is two set-based statements — INSERT ... SELECT ... GROUP BY and a
DELETE — so memory does not grow with the number of samples; then the merged
hours' rows of `metric_hours` (the charts' hourly means) are recomputed from
the merged rows, two more such statements.
"""

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from app.models import MetricSample
from app.models.metrics import FIGURE_COLUMNS
from app.services.metrics.metric_hours_writer import rebuild_merged_hours
from app.services.metrics.time_buckets import floor_to_hour, hour_start

HOURLY_WINDOW = "1h"

# Figures averaged into the hourly row; every other column identifies the group.
AVERAGED_COLUMNS = FIGURE_COLUMNS


def downsample_samples(*, session: Session, now: datetime, keep_raw: timedelta) -> int:
    """Merge raw samples measured before the hour of `now - keep_raw` into hourly rows.

    Returns the number of raw samples removed (each is folded into an hourly
    row; a run with nothing to merge returns 0). Flushes nothing of its own
    and does not commit: the caller's transaction decides.
    """
    cutoff = floor_to_hour(now - keep_raw)
    last_id = session.scalar(select(func.max(MetricSample.id)))
    if last_id is None:
        return 0
    samples = MetricSample.__table__
    # Bounded by id so rows another writer appends meanwhile are neither merged nor deleted.
    raw_and_old = and_(
        samples.c.measured_at < cutoff,
        samples.c.window != HOURLY_WINDOW,
        samples.c.id <= last_id,
    )
    hour = hour_start(samples.c.measured_at, session.get_bind().dialect.name)
    merged = (
        select(
            samples.c.endpoint_id,
            hour,
            literal(HOURLY_WINDOW),
            samples.c.source,
            *(func.avg(samples.c[name]) for name in AVERAGED_COLUMNS),
        )
        .where(raw_and_old)
        .group_by(samples.c.endpoint_id, hour, samples.c.source)
    )
    session.execute(
        insert(samples).from_select(
            ["endpoint_id", "measured_at", "window", "source", *AVERAGED_COLUMNS], merged
        )
    )
    removed = cast(CursorResult[Any], session.execute(delete(samples).where(raw_and_old))).rowcount
    if removed:
        rebuild_merged_hours(session, merged_after_id=last_id, window=HOURLY_WINDOW)
    return removed
