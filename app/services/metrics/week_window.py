"""The span the model page charts: the week up to the end of the current hour, by the hour."""

from datetime import datetime, timedelta

from app.services.metrics.time_buckets import floor_to_hour

HISTORY_SPAN = timedelta(days=7)
BUCKET = timedelta(hours=1)
# Buckets further apart than this are not joined by a line: the refresh did
# not measure in between, and a straight line would invent figures.
MAX_JOINED_GAP = 3 * BUCKET


def history_window(now: datetime) -> tuple[datetime, datetime]:
    """The charted span: the seven days up to the end of the current hour."""
    end = floor_to_hour(now) + BUCKET
    return end - HISTORY_SPAN, end
