"""Catalog tables: who made a model, the model, who serves it and at what price."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    SQLColumnExpression,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Money, UTCDateTime, postgresql_only, trigram_index, utcnow

MODEL_STATUSES = ("active", "preview", "deprecated", "retired", "unknown")
WEIGHTS = ("open", "closed")
SERVICE_TIERS = ("standard", "batch", "flex", "priority")
ENDPOINT_RETIRED = "retired"
PROVIDER_KINDS = ("inference", "router")


class Author(Base):
    """The lab that made a model (mistral, openai, meta, ...)."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))

    models: Mapped[list["Model"]] = relationship(back_populates="author")


class Model(Base):
    """One real model, however many providers serve it.

    The `price_*_min`, `throughput_max` and `provider_count` columns are a
    rollup of its endpoints, kept by `services.metrics.rollups`, so the catalog can
    filter and sort over thousands of models with indexes instead of joins.

    The descriptive columns (dates, weights, limits, capabilities, status) are
    derived from `model_facts` by `services.model_page.model_facts`; None means no
    source states the fact ("not known"), never "not supported".
    """

    __tablename__ = "models"
    __table_args__ = (
        CheckConstraint(f"status IN {MODEL_STATUSES!r}", name="status"),
        CheckConstraint(f"weights IS NULL OR weights IN {WEIGHTS!r}", name="weights"),
        Index("ix_models_status_name", "status", "name"),
        Index("ix_models_price_input_min", "price_input_min"),
        # Every column the catalog search filters, shows and sorts on: its count and page
        # read the index alone (see the migration that made it).
        Index(
            "ix_models_catalog_search",
            "context_window",
            "price_input_min",
            "name",
            "slug",
            "status",
            "provider_count",
            "author_id",
            "price_output_min",
            "throughput_max",
        ),
        # The comparable models' shortlist ranks ids by the columns it filters on. SQLite's
        # entries of the catalog search index carry the id; PostgreSQL's only the row's
        # address, so there this index holds them with the id (see its migration).
        postgresql_only(
            Index(
                "ix_models_shortlist",
                "context_window",
                "price_input_min",
                "price_output_min",
                "status",
                postgresql_include=["id"],
            )
        ),
        Index("ix_models_throughput_max", "throughput_max"),
        Index("ix_models_api_available_at", "api_available_at"),
        Index("ix_models_author_id", "author_id"),
        # The new-models feed, newest first: read backwards to its first fifty.
        Index("ix_models_created_at", "created_at", "id"),
        # The search's words match anywhere in the name or slug (ILIKE '%word%'): on
        # PostgreSQL trigram indexes find those rows without reading every model.
        postgresql_only(trigram_index("ix_models_name_trgm", "name")),
        postgresql_only(trigram_index("ix_models_slug_trgm", "slug")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="RESTRICT"))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="active")
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[date | None] = mapped_column(Date)
    api_available_at: Mapped[date | None] = mapped_column(Date)
    weights: Mapped[str | None] = mapped_column(String(10))
    license: Mapped[str | None] = mapped_column(String(200))
    hf_repo_id: Mapped[str | None] = mapped_column(String(300))
    context_window: Mapped[int | None] = mapped_column(Integer)
    max_output: Mapped[int | None] = mapped_column(Integer)
    knowledge_cutoff: Mapped[str | None] = mapped_column(String(40))
    reasoning: Mapped[bool | None] = mapped_column()
    tool_calling: Mapped[bool | None] = mapped_column()
    structured_outputs: Mapped[bool | None] = mapped_column()
    deprecates_at: Mapped[date | None] = mapped_column(Date)
    recommended_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    discovered: Mapped[bool] = mapped_column(default=False)
    price_input_min: Mapped[Decimal | None] = mapped_column(Money)
    price_output_min: Mapped[Decimal | None] = mapped_column(Money)
    throughput_max: Mapped[Decimal | None] = mapped_column(Money)
    provider_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[Author] = relationship(back_populates="models")
    modalities: Mapped[list["ModelModality"]] = relationship(
        back_populates="model", cascade="all, delete-orphan"
    )
    endpoints: Mapped[list["Endpoint"]] = relationship(
        back_populates="model", cascade="all, delete-orphan"
    )
    external_ids: Mapped[list["ExternalId"]] = relationship(
        back_populates="model", cascade="all, delete-orphan"
    )
    facts: Mapped[list["ModelFact"]] = relationship(
        back_populates="model", cascade="all, delete-orphan", passive_deletes=True
    )

    def modality_list(self, direction: str) -> list[str]:
        """Modalities in one direction ("input" or "output"), text first."""
        found = {m.modality for m in self.modalities if m.direction == direction}
        return sorted(found, key=lambda m: (m != "text", m))


class ModelWorkloadCost(Base):
    """What a stored workload costs a month at a model's cheapest offer, and which offer that is.

    Kept by the rollup refresh for the comparable models, which it lets the
    database rank (see `services.pricing.stored_workload_costs`). A model without
    a row for a workload has no offer to compare on it: none priced, or the
    cheapest free.
    """

    __tablename__ = "model_workload_costs"
    __table_args__ = (
        # The comparable models: one workload's costs in a band, cheapest first.
        Index("ix_model_workload_costs_ranking", "workload_key", "per_month", "model_id"),
    )

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    workload_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    per_month: Mapped[Decimal] = mapped_column(Money)
    offer_label: Mapped[str] = mapped_column(String(400))


class ModelModality(Base):
    """One input or output modality of a model (text, image, audio, video, file)."""

    __tablename__ = "model_modalities"
    __table_args__ = (
        CheckConstraint("direction IN ('input', 'output')", name="direction"),
        Index("ix_model_modalities_lookup", "direction", "modality", "model_id"),
    )

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    modality: Mapped[str] = mapped_column(String(20), primary_key=True)

    model: Mapped[Model] = relationship(back_populates="modalities")


class ModelFact(Base):
    """One fact about a model as one source states it, and since when it says so.

    What a model page shows (the columns of `models`) is derived from these by
    a per-field source precedence (`services.model_page.model_facts`); keeping every
    source's value lets the page name its source and say where sources differ.
    `value` is JSON: ISO strings for dates, `{"input": [...], "output": [...]}`
    for modalities. `seen_at` is when the source first stated this value.
    """

    __tablename__ = "model_facts"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    model: Mapped[Model] = relationship(back_populates="facts")


class Provider(Base):
    """A company serving models over an API. Routers (OpenRouter) resell others' endpoints."""

    __tablename__ = "providers"
    __table_args__ = (CheckConstraint(f"kind IN {PROVIDER_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="inference")
    url: Mapped[str | None] = mapped_column(String(500))
    api_base: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)

    endpoints: Mapped[list["Endpoint"]] = relationship(back_populates="provider")


class Endpoint(Base):
    """A model as served by one provider, with its current measured figures.

    `variant` separates offers of the same model at the same provider that
    differ in more than price (OpenRouter's `:free`, a fast variant, ...).
    `created_by` is the source that first listed the offer; when that source's
    next full run no longer lists it, the endpoint is retired (`status`
    "retired", `retired_at` set) and kept for history. Current figures are
    copied from the latest metric sample so the page needs no aggregate
    query; history stays in `metric_samples`.
    """

    __tablename__ = "endpoints"
    __table_args__ = (
        UniqueConstraint("model_id", "provider_id", "variant"),
        Index("ix_endpoints_provider_id", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"))
    variant: Mapped[str] = mapped_column(String(40), default="")
    provider_model_id: Mapped[str] = mapped_column(String(300))
    quantization: Mapped[str | None] = mapped_column(String(20))
    context_window: Mapped[int | None] = mapped_column(Integer)
    max_output: Mapped[int | None] = mapped_column(Integer)
    supported_parameters: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_by: Mapped[str | None] = mapped_column(String(80))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    throughput_p50: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p75: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p90: Mapped[Decimal | None] = mapped_column(Money)
    throughput_p99: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p50_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p75_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p90_ms: Mapped[Decimal | None] = mapped_column(Money)
    ttft_p99_ms: Mapped[Decimal | None] = mapped_column(Money)
    uptime_pct: Mapped[Decimal | None] = mapped_column(Money)
    measured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metrics_source: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    model: Mapped[Model] = relationship(back_populates="endpoints")
    provider: Mapped[Provider] = relationship(back_populates="endpoints")
    prices: Mapped[list["Price"]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan"
    )

    @staticmethod
    def on_sale(status: SQLColumnExpression[str]) -> ColumnElement[bool]:
        """Condition on an endpoints `status` column: the offer is live, not retired.

        Retired offers stay for history; every live table, count and estimate
        uses this one condition so none of them shows an offer that is gone.
        """
        return status != ENDPOINT_RETIRED


class Price(Base):
    """What an endpoint charges in one service tier from `effective_from` until `effective_to`.

    All token prices are USD per 1M tokens; `per_request` and `per_image` are
    USD per unit. NULL means not known (never zero). The row with
    `effective_to IS NULL` is the current price; a change closes it and opens a
    new row, so history is never overwritten. A long-context tier applies to a
    whole request once its input exceeds `long_context_threshold` tokens.
    """

    __tablename__ = "prices"
    __table_args__ = (
        CheckConstraint(f"service_tier IN {SERVICE_TIERS!r}", name="service_tier"),
        CheckConstraint(
            "effective_to IS NULL OR effective_to > effective_from", name="effective_range"
        ),
        UniqueConstraint("endpoint_id", "service_tier", "effective_from"),
        Index(
            "ix_prices_current",
            "endpoint_id",
            "service_tier",
            unique=True,
            sqlite_where=text("effective_to IS NULL"),
            postgresql_where=text("effective_to IS NULL"),
        ),
        # The endpoints with price history: only they can have a price change
        # (`services.publishing.feeds`).
        Index(
            "ix_prices_closed",
            "endpoint_id",
            sqlite_where=text("effective_to IS NOT NULL"),
            postgresql_where=text("effective_to IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    service_tier: Mapped[str] = mapped_column(String(20), default="standard")
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    input: Mapped[Decimal | None] = mapped_column(Money)
    output: Mapped[Decimal | None] = mapped_column(Money)
    cache_read: Mapped[Decimal | None] = mapped_column(Money)
    cache_write: Mapped[Decimal | None] = mapped_column(Money)
    reasoning: Mapped[Decimal | None] = mapped_column(Money)
    per_request: Mapped[Decimal | None] = mapped_column(Money)
    per_image: Mapped[Decimal | None] = mapped_column(Money)
    long_context_threshold: Mapped[int | None] = mapped_column(Integer)
    long_context_input: Mapped[Decimal | None] = mapped_column(Money)
    long_context_output: Mapped[Decimal | None] = mapped_column(Money)
    long_context_cache_read: Mapped[Decimal | None] = mapped_column(Money)
    long_context_cache_write: Mapped[Decimal | None] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(80))

    endpoint: Mapped[Endpoint] = relationship(back_populates="prices")

    @classmethod
    def current_standard_of(cls, endpoint_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
        """Join condition picking the standard-tier price in force now for `endpoint_id`.

        Every page that shows "the price" of an offer means this row; one
        definition keeps them agreeing (and on the `ix_prices_current` index).
        """
        return and_(
            cls.endpoint_id == endpoint_id,
            cls.effective_to.is_(None),
            cls.service_tier == "standard",
        )


class ExternalId(Base):
    """A model's id at another source, e.g. OpenRouter's `mistralai/mistral-small-2603`."""

    __tablename__ = "external_ids"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_external_ids_model_id", "model_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(80))
    external_id: Mapped[str] = mapped_column(String(300))

    model: Mapped[Model] = relationship(back_populates="external_ids")


class ModelRedirect(Base):
    """A slug that answers with a redirect to a model: a merged model's, or a variant id's.

    Kept so that every URL, API id and calculator id ever given out keeps
    working after the resolver decides two ids name one model.
    """

    __tablename__ = "model_redirects"
    __table_args__ = (Index("ix_model_redirects_model_id", "model_id"),)

    old_slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BenchmarkScore(Base):
    """A model's score on a named benchmark, as reported by a source."""

    __tablename__ = "benchmark_scores"
    __table_args__ = (
        UniqueConstraint("model_id", "benchmark", "source"),
        Index("ix_benchmark_scores_benchmark", "benchmark", "model_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    benchmark: Mapped[str] = mapped_column(String(120))
    score: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(200))
    measured_on: Mapped[date | None] = mapped_column(Date)
