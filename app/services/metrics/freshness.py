"""When measured figures count as stale, defined once for the model page and /status.

Definition. Let `threshold = STALE_AFTER_INTERVALS * refresh interval` (3 * 10
minutes by default) and `last success` the finish time of the newest metrics
refresh run (source in `METRICS_SOURCES`) whose status is `ok`.

- No metrics refresh has ever succeeded (a fresh install, or one that never
  runs the job): nothing is stale. The figures shown are the seeded reference
  measurements or imported data, each with its own measured-at time, and the
  page says they are not live; a badge on every row would only make a
  working install look broken.
- Otherwise a row is stale when the last success is older than the threshold
  (the job has stopped or keeps failing: every row is stale), or when the
  row's own `measured_at` is older than the threshold (the job runs, but the
  upstream no longer reports this endpoint). A row without figures shows
  "not known" and no badge.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import RefreshRun

STALE_AFTER_INTERVALS = 3
# RefreshRun sources whose success means endpoint metrics were brought up to date.
METRICS_SOURCES = ("openrouter",)
SUCCESS_STATUS = "ok"


def stale_after(settings: Settings) -> timedelta:
    """How old figures may get before they are marked stale."""
    return STALE_AFTER_INTERVALS * timedelta(minutes=settings.refresh_interval_minutes)


@dataclass(frozen=True)
class Freshness:
    """What staleness of a figure is judged against: now, the threshold and the last success."""

    now: datetime
    threshold: timedelta
    last_success_at: datetime | None

    @property
    def ever_refreshed(self) -> bool:
        """True once a metrics refresh has succeeded on this installation."""
        return self.last_success_at is not None

    @property
    def refresh_overdue(self) -> bool:
        """True when the refresh has succeeded before but not within the threshold."""
        return self.last_success_at is not None and self.now - self.last_success_at > self.threshold

    def is_live(self, measured_at: datetime | None) -> bool:
        """Whether a figure measured at `measured_at` came from a refresh within the threshold.

        Only such a figure may be called "measured over the last 30 minutes"; any other is
        shown with its date, as the snapshot it is (seed, import or an old refresh).
        """
        if measured_at is None or not self.ever_refreshed or self.refresh_overdue:
            return False
        return self.now - measured_at <= self.threshold

    def is_stale(self, measured_at: datetime | None) -> bool:
        """Whether a figure measured at `measured_at` gets the stale badge (see module doc)."""
        if measured_at is None or not self.ever_refreshed:
            return False
        return self.refresh_overdue or self.now - measured_at > self.threshold


def last_success_query() -> Select[datetime | None]:
    """SELECT of the finish time of the newest successful metrics run (NULL when none).

    A function rather than a loader so the model page can embed it as a
    scalar subquery of its first statement instead of spending a query on it.
    The sources are compared one by one, not with IN: SQLAlchemy binds an IN
    list as an expanding parameter and rewrites the statement's text for it
    on every execution, which costs more than the model page's first query.
    """
    return select(func.max(RefreshRun.finished_at)).where(
        or_(*(RefreshRun.source == source for source in METRICS_SOURCES)),
        RefreshRun.status == SUCCESS_STATUS,
    )


def load_freshness(*, session: Session, now: datetime, threshold: timedelta) -> Freshness:
    """The freshness context, in one query."""
    return Freshness(
        now=now, threshold=threshold, last_success_at=session.scalar(last_success_query())
    )
