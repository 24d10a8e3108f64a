"""The /status page: recent refresh and import runs, newest first, and how fresh metrics are.

A run's `counts` is free-form JSON written by each job (the metrics refresh,
the genai-prices import, popularity...). It is shown without a per-job schema,
so a job can add a figure without touching this page: nested objects are
flattened to dotted names (`popularity.failed`), which `services.ingest.run_counts`
puts into words (`popularity: failed`, `skipped: priced by web searches`),
and any object under a key starting with `rejected` (`rejected`,
`rejected_reasons`, ...) is listed as the reasons items were rejected.

A run whose row still says "running" is shown as running only while the
lease it holds (its `holder`) is alive in `job_leases`. Once the lease has
lapsed unrenewed, or is gone, its process is gone too (killed, out of memory,
powered off): the run is shown as died at once, before the next run takes the
lease over and marks it so in the table.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import JobLease, RefreshRun
from app.services.catalog.pagination import PagePlace, locate_page, requested_page
from app.services.ingest.refresh_metrics import RunStatus
from app.services.ingest.run_counts import count_name
from app.services.metrics.freshness import Freshness, load_freshness

RUNS_PER_PAGE = 25
REJECTED_PREFIX = "rejected"
GONE_MESSAGE = (
    "its process stopped without finishing (its lease lapsed unrenewed); "
    "the next run takes over and marks it"
)


@dataclass(frozen=True)
class RunRow:
    """One run as the status table shows it."""

    id: int
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: tuple[tuple[str, str], ...]
    rejected: tuple[tuple[str, str], ...]
    error: str | None
    found_dead_at: datetime | None

    @property
    def duration(self) -> timedelta | None:
        """How long the run took; None while it is still running (or died without finishing)."""
        return None if self.finished_at is None else self.finished_at - self.started_at


@dataclass(frozen=True)
class StatusPage:
    """A page of runs, where it sits in the whole list, and the metrics' freshness."""

    runs: tuple[RunRow, ...]
    place: PagePlace
    messages: tuple[str, ...]
    freshness: Freshness


def load_status_page(
    *, session: Session, page: str | None, now: datetime, threshold: timedelta
) -> StatusPage:
    """The requested page of runs (a bad `?page=` falls back with a message), in three queries."""
    requested, note = requested_page(page)
    total = session.scalar(select(func.count()).select_from(RefreshRun)) or 0
    place = locate_page(requested=requested, total=total, page_size=RUNS_PER_PAGE)
    runs = session.execute(
        select(RefreshRun, JobLease.expires_at)
        .outerjoin(JobLease, JobLease.holder == RefreshRun.holder)
        .order_by(RefreshRun.started_at.desc(), RefreshRun.id.desc())
        .offset(place.offset)
        .limit(place.size)
    )
    return StatusPage(
        runs=tuple(_run_row(run, lease_expires_at, now) for run, lease_expires_at in runs),
        place=place,
        messages=tuple(message for message in (note, place.message) if message),
        freshness=load_freshness(session=session, now=now, threshold=threshold),
    )


def _run_row(run: RefreshRun, lease_expires_at: datetime | None, now: datetime) -> RunRow:
    counts = run.counts if isinstance(run.counts, Mapping) else {}
    rejected_keys = {key for key, value in counts.items() if _is_rejected_reasons(key, value)}
    plain = {key: value for key, value in counts.items() if key not in rejected_keys}
    reasons = {name: n for key in sorted(rejected_keys) for name, n in counts[key].items()}
    status, error = run.status, run.error
    if _holder_is_gone(run, lease_expires_at, now):
        status = RunStatus.DIED
        error = GONE_MESSAGE
    return RunRow(
        id=run.id,
        source=run.source,
        status=status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        counts=tuple((count_name(name), text) for name, text in flatten_counts(plain)),
        rejected=tuple(flatten_counts(reasons)),
        error=error,
        found_dead_at=run.found_dead_at,
    )


def _holder_is_gone(run: RefreshRun, lease_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a run marked running holds a lease that lapsed; runs without a holder are as told."""
    if run.status != RunStatus.RUNNING or run.holder is None:
        return False
    return lease_expires_at is None or lease_expires_at < now


def _is_rejected_reasons(key: str, value: Any) -> bool:
    return key.startswith(REJECTED_PREFIX) and isinstance(value, Mapping)


def flatten_counts(counts: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted name, text) pairs of a JSON counts object, nested objects flattened, keys sorted.

    Lists are joined with commas; an empty object says so rather than vanishing.
    """
    for key in sorted(counts, key=str):
        value = counts[key]
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if value:
                yield from flatten_counts(value, prefix=f"{name}.")
            else:
                yield name, "none"
        elif isinstance(value, list):
            yield name, ", ".join(str(item) for item in value) or "none"
        else:
            yield name, str(value)
