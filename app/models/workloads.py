"""Workloads people keep: the calculator's inputs saved under a name of their choosing."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class SavedWorkload(Base):
    """One person's named workload.

    `fields` holds the calculator's query parameters of the workload, every
    field explicit (no preset), as text: the calculator read and accepted them
    when they were saved, and re-pricing hands them back to it unchanged. No
    preset is stored, so editing the presets file never changes a saved bill.
    """

    __tablename__ = "saved_workloads"
    __table_args__ = (
        UniqueConstraint("user_id", "name"),
        Index("ix_saved_workloads_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
