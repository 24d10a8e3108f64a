"""Measured performance of endpoints over time, and the refresh job's log."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Money, UTCDateTime, utcnow


class MetricSample(Base):
    """One measurement window of one endpoint. Append-only: history feeds sparklines."""

    __tablename__ = "metric_samples"
    __table_args__ = (Index("ix_metric_samples_endpoint_time", "endpoint_id", "measured_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window: Mapped[str] = mapped_column(String(20), default="30m")
    ttft_p50_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p90_ms: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p50: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p90: Mapped[Decimal | None] = mapped_column(Money)
    uptime_pct: Mapped[Decimal | None] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(80))


class RefreshRun(Base):
    """One run of a refresh or import job: when, how it ended, and what it counted."""

    __tablename__ = "refresh_runs"
    __table_args__ = (Index("ix_refresh_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
