"""Measured performance of endpoints over time, the refresh job's log and lock, popularity."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Money, UTCDateTime, utcnow


class MetricSample(Base):
    """One measurement window of one endpoint. Append-only: history feeds sparklines.

    `window` is the span the upstream measured over ("30m"); rows merged by
    retention into one per hour say "1h".
    """

    __tablename__ = "metric_samples"
    __table_args__ = (Index("ix_metric_samples_endpoint_time", "endpoint_id", "measured_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window: Mapped[str] = mapped_column(String(20), default="30m")
    ttft_p50_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p75_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p90_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p99_ms: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p50: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p75: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p90: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p99: Mapped[Decimal | None] = mapped_column(Money)
    uptime_pct: Mapped[Decimal | None] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(80))


class MetricHour(Base):
    """The hourly mean of an endpoint's p50 figures: what the model page's week of charts draws.

    Derived from `metric_samples` (see `services.metrics.metric_history_reader`), kept in step
    by every write of samples, so the page reads a week as 168 rows per
    endpoint by primary key instead of averaging a thousand samples each time.
    Means are floats: they only draw charts.
    """

    __tablename__ = "metric_hours"

    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("endpoints.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    throughput_p50: Mapped[float | None] = mapped_column(Float)
    ttft_p50_ms: Mapped[float | None] = mapped_column(Float)


# The measured figures of a sample (and of an endpoint's latest), as one list for the code that
# copies, averages or exports all of them, so a new percentile is added in one place.
FIGURE_COLUMNS = (
    "ttft_p50_ms",
    "ttft_p75_ms",
    "ttft_p90_ms",
    "ttft_p99_ms",
    "throughput_p50",
    "throughput_p75",
    "throughput_p90",
    "throughput_p99",
    "uptime_pct",
)


class RefreshRun(Base):
    """One run of a refresh or import job: when, how it ended, and what it counted.

    A run guarded by a lease records its `holder` (the `job_leases` holder
    name): while its status is still "running", it is alive only as long as
    that lease is held and unexpired. `found_dead_at` is when a later run
    found it dead (its lease lapsed unrenewed) and marked it so.
    """

    __tablename__ = "refresh_runs"
    __table_args__ = (Index("ix_refresh_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(String(200))
    found_dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobLease(Base):
    """A named lock that works on every backend: one row per job, held until `expires_at`.

    A process takes the lease by inserting the row, or by updating it when the
    previous holder's lease has expired (a crashed run cannot block forever);
    a live holder keeps renewing it (`services.ingest.job_lease.LeaseKeeper`).
    """

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PopularitySignal(Base):
    """The latest adoption figures of a model at one community source (Hugging Face)."""

    __tablename__ = "popularity_signals"
    __table_args__ = (UniqueConstraint("model_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(80))
    downloads: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContentVersion(Base):
    """A counter bumped by every write that changes what pages show, for cache invalidation.

    A process caching rendered pages compares the counter it rendered at with
    this row; writes made by other processes (a cron refresh, another worker)
    bump it in their own transaction, so the cache never outlives the data.
    """

    __tablename__ = "content_versions"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MetricChart(Base):
    """A model's endpoints' week of charts, drawn from `metric_hours` for one window.

    Derived data, rewritten with the hourly means (see
    `services.metrics.stored_metric_charts`); the page falls back to the means
    when the row is missing or for another window.
    """

    __tablename__ = "metric_charts"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    charts: Mapped[dict[str, Any]] = mapped_column(JSON)
