"""The metrics refresh: endpoint figures and prices from an upstream into the catalog.

One run, whoever starts it (`modelatlas refresh`, `serve --refresh-every`):

1. Takes the `refresh-metrics` lease (`job_lease`). When another process
   holds it, the run is logged as `skipped_locked` and nothing else happens.
   The lease is short (`refresh_lease_seconds`) and renewed from a thread
   while the run works, so a run whose process died blocks the next one only
   until its lease lapses; the run that takes the lease over marks such
   runs `died`, with when it found them.
2. Logs a `running` run row, then fetches the model list and each model's
   endpoints. Nothing else is written while the network is slow.
3. Judges the answer as a whole. A model list that could not be fetched
   (`failed`), or that is malformed, empty, or far shorter than the last
   successful run's (`aborted`, see `refresh_max_drop_percent`), and
   endpoint answers that are all unusable, end the run there: the database
   is untouched except for the run row saying why. A malformed single item
   is rejected and counted by reason, and the rest is used.
4. Writes in ONE transaction: a metric sample per measured endpoint
   (append-only), the endpoints' current figures and details, a new price
   row per changed price (the open one is closed; an unchanged price writes
   nothing, so the same data twice adds no price rows), the model rollups,
   and the run row (`ok`) with its counts.
5. Then, each in its own transaction so a failure cannot undo the metrics:
   popularity from the Hugging Face Hub, and downsampling of old samples.

Matching: an upstream model is ours when its id (or its id without the
`:variant`) is a stored `openrouter` external id — the name the genai-prices
importer and the seed use. A provider is matched on its tag or name,
compared lowercase without punctuation. Unknown models and providers are
created (models marked `discovered`) or skipped, by setting; both are counted.

A figure the upstream does not report for a window (latency is null for
anonymous calls) keeps its last known value on the endpoint; the sample
records the gap.

Prices are compared with the endpoint's open standard row whoever wrote it.
Once this refresh has written it, the genai-prices import leaves that tier
alone (a live price wins, see `services.ingest.genai_import`), so the two writers
never take turns replacing each other's rows.

What the listing says of each model it answered for (description, dates,
modalities, limits, capabilities) is recorded as facts with source
"openrouter" (`services.ingest.openrouter_facts`), for models we had too.
"""

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope, utcnow
from app.models import (
    Endpoint,
    ExternalId,
    MetricSample,
    Model,
    ModelModality,
    Price,
    Provider,
    RefreshRun,
)
from app.services.catalog.author_aliases import UNKNOWN_AUTHOR, author_from_namespace, infer_author
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.ingest.job_lease import (
    LeaseKeeper,
    acquire_lease,
    new_holder,
    release_lease,
    renew_lease,
)
from app.services.ingest.openrouter_facts import record_openrouter_facts
from app.services.ingest.popularity import refresh_popularity
from app.services.metrics.metric_hours_writer import rebuild_metric_hours
from app.services.metrics.retention import downsample_samples
from app.services.metrics.rollups import refresh_rollups
from app.services.publishing.change_events import record_changes, watched_state
from app.services.publishing.webhook_delivery import deliver_after_job
from app.sources.openrouter import (
    MEASUREMENT_WINDOW,
    SOURCE_NAME,
    EndpointsFailure,
    MalformedResponseError,
    MetricsSource,
    ModelEndpoints,
    OpenRouterSource,
    Percentiles,
    UpstreamEndpoint,
    UpstreamError,
    UpstreamModel,
)

logger = logging.getLogger("app.refresh")

T = TypeVar("T")

RUN_SOURCE = SOURCE_NAME
LEASE_NAME = "refresh-metrics"
LOCKED_MESSAGE = "another refresh is running"
LEASE_LOST_MESSAGE = "the refresh lease expired and was taken by another run"
RETIRED = "retired"
# Endpoint status codes: 0 is serving normally; OpenRouter's negative codes mark trouble.
SERVING_STATUS = 0
# IN lists are sent in chunks well under SQLite's bound-parameter limit; the write
# phase flushes and recomputes rollups this many models at a time, since one flush
# or rollup of a whole listing held more memory than everything else a run keeps.
_CHUNK = 500


class RunStatus(StrEnum):
    """How a run ended. `ok` matches the genai-prices import's and what freshness counts."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    ABORTED = "aborted"
    SKIPPED_LOCKED = "skipped_locked"
    DIED = "died"


@dataclass
class RefreshCounts:
    """What a run saw and did; stored as the run row's `counts`."""

    models_seen: int = 0
    models_fetched: int = 0
    endpoints_seen: int = 0
    endpoints_updated: int = 0
    endpoints_created: int = 0
    samples_written: int = 0
    prices_changed: int = 0
    models_created: int = 0
    providers_created: int = 0
    endpoints_retired: int = 0
    facts_written: int = 0
    skipped_unknown: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    missing_figures: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON for the `counts` column."""
        return {
            "models_seen": self.models_seen,
            "models_fetched": self.models_fetched,
            "endpoints_seen": self.endpoints_seen,
            "endpoints_updated": self.endpoints_updated,
            "endpoints_created": self.endpoints_created,
            "samples_written": self.samples_written,
            "prices_changed": self.prices_changed,
            "models_created": self.models_created,
            "providers_created": self.providers_created,
            "endpoints_retired": self.endpoints_retired,
            "facts_written": self.facts_written,
            "skipped_unknown": dict(self.skipped_unknown),
            "rejected": dict(self.rejected),
            "missing_figures": dict(self.missing_figures),
        }


@dataclass(frozen=True)
class RefreshOutcome:
    """How a run ended, for the command line and the log."""

    run_id: int
    status: RunStatus
    counts: dict[str, Any]
    error: str | None

    @property
    def succeeded(self) -> bool:
        """True when the run did its work, or rightly left it to the run holding the lease."""
        return self.status in (RunStatus.OK, RunStatus.SKIPPED_LOCKED)

    def summary(self) -> str:
        """One line for a terminal or a log."""
        if self.status is RunStatus.SKIPPED_LOCKED:
            return f"Metrics refresh skipped: {LOCKED_MESSAGE} (run {self.run_id})."
        if self.status is not RunStatus.OK:
            return f"Metrics refresh {self.status} (run {self.run_id}): {self.error}"
        c = self.counts
        rejected = sum(c.get("rejected", {}).values())
        skipped = sum(c.get("skipped_unknown", {}).values())
        line = (
            f"Metrics refreshed from {RUN_SOURCE} (run {self.run_id}): {c['models_seen']} models "
            f"seen, {c['endpoints_updated']} endpoints updated, {c['samples_written']} samples "
            f"written, {c['prices_changed']} prices changed, {c['models_created']} models and "
            f"{c['providers_created']} providers created; {rejected} items rejected, "
            f"{skipped} unknown skipped."
        )
        return f"{line} Also: {self.error}" if self.error else line


def refresh_metrics(
    *,
    session_factory: sessionmaker[Session],
    settings: Settings,
    source: MetricsSource,
    clock: Callable[[], datetime] = utcnow,
    holder: str | None = None,
) -> RefreshOutcome:
    """Run one refresh (see the module docstring); every outcome is logged as a run row."""
    holder = holder or new_holder()
    ttl = lease_ttl(settings)
    started = clock()
    with session_scope(session_factory) as session:
        acquired = acquire_lease(
            session=session, name=LEASE_NAME, holder=holder, now=started, ttl=ttl
        )
        run = RefreshRun(
            source=RUN_SOURCE,
            started_at=started,
            status=RunStatus.RUNNING if acquired else RunStatus.SKIPPED_LOCKED,
            finished_at=None if acquired else started,
            error=None if acquired else LOCKED_MESSAGE,
            counts={},
            holder=holder if acquired else None,
        )
        session.add(run)
        session.flush()
        run_id = run.id
        if acquired:
            _mark_dead_runs(session=session, finder_id=run_id, now=started)
    if not acquired:
        return RefreshOutcome(run_id, RunStatus.SKIPPED_LOCKED, {}, LOCKED_MESSAGE)
    job = _RefreshJob(
        session_factory=session_factory,
        settings=settings,
        source=source,
        clock=clock,
        holder=holder,
        run_id=run_id,
        lease=LeaseKeeper(
            session_factory=session_factory, name=LEASE_NAME, holder=holder, ttl=ttl, clock=clock
        ),
    )
    try:
        with job.lease:
            return job.run()
    except Exception as error:
        logger.exception("metrics refresh crashed")
        return job.finish(RunStatus.FAILED, f"{type(error).__name__}: {error}")
    finally:
        with session_scope(session_factory) as session:
            release_lease(session=session, name=LEASE_NAME, holder=holder)


def lease_ttl(settings: Settings) -> timedelta:
    """How long the refresh lease lasts unless renewed."""
    return timedelta(seconds=settings.refresh_lease_seconds)


def _mark_dead_runs(*, session: Session, finder_id: int, now: datetime) -> None:
    """Mark every other run still "running" as died: the lease is ours, so their holders are gone.

    Each running run holds the lease for as long as it lives, and this run
    has just taken it, so no other run can still be working (one that is
    merely stuck finds its lease lost and records its own end over this).
    """
    session.execute(
        update(RefreshRun)
        .where(
            RefreshRun.source == RUN_SOURCE,
            RefreshRun.status == RunStatus.RUNNING,
            RefreshRun.id != finder_id,
        )
        .values(
            status=RunStatus.DIED,
            found_dead_at=now,
            error="its process stopped without finishing (the lease was not renewed); "
            f"found by run {finder_id}",
        )
        .execution_options(synchronize_session=False)
    )


class LeaseLostError(RuntimeError):
    """The run's lease expired and another process took it: this run must not write."""


@dataclass
class _RefreshJob:
    """One run after the lease is taken: fetch, judge, write, follow-ups."""

    session_factory: sessionmaker[Session]
    settings: Settings
    source: MetricsSource
    clock: Callable[[], datetime]
    holder: str
    run_id: int
    lease: LeaseKeeper
    counts: RefreshCounts = field(default_factory=RefreshCounts)

    def run(self) -> RefreshOutcome:
        fetched_at = self.clock()
        with session_scope(self.session_factory) as session:
            previous = _last_successful_counts(session=session)
            known_ids = _known_external_ids(session=session)
        try:
            listing = self.source.list_models()
        except MalformedResponseError as error:
            return self.finish(RunStatus.ABORTED, f"the model list is malformed: {error}")
        except UpstreamError as error:
            return self.finish(RunStatus.FAILED, f"the model list is unavailable: {error}")
        self.counts.rejected.update(listing.rejected)
        models = _unique(listing.models, self.counts)
        self.counts.models_seen = len(models)
        if not models:
            return self.finish(RunStatus.ABORTED, "the upstream listed no models")
        if message := self._dropped("models", len(models), previous.get("models_seen")):
            return self.finish(RunStatus.ABORTED, message)

        wanted = self._models_to_fetch(models, known_ids)
        answers, failures = self._fetch_endpoints(wanted)
        if verdict := self._judge_endpoints(wanted, answers, failures, previous):
            return self.finish(*verdict)

        with session_scope(self.session_factory) as session:
            self._renew_lease(session)
            watched_before = watched_state(session)
            writer = _CatalogWriter(
                session=session, settings=self.settings, counts=self.counts, measured_at=fetched_at
            )
            writer.write(wanted, answers, listed={i for m in models for i in (m.id, m.base_id)})
            record_changes(session=session, before=watched_before, source=RUN_SOURCE, at=fetched_at)
            self._record(session, RunStatus.OK, None)
        return self._follow_ups()

    def _models_to_fetch(
        self, models: list[UpstreamModel], known_ids: set[str]
    ) -> list[UpstreamModel]:
        """Every listed model, or only those we know when unknown models are skipped."""
        if self.settings.refresh_unknown_models == "create":
            return models
        known = [m for m in models if m.id in known_ids or m.base_id in known_ids]
        self.counts.skipped_unknown["models"] += len(models) - len(known)
        return known

    def _fetch_endpoints(
        self, models: list[UpstreamModel]
    ) -> tuple[dict[str, ModelEndpoints], Counter[type[UpstreamError]]]:
        """Every model's endpoints by model id, and the failures by kind.

        Stops as soon as the lease keeper reports the lease taken: the answers
        could no longer be written anyway.
        """
        answers: dict[str, ModelEndpoints] = {}
        failures: Counter[type[UpstreamError]] = Counter()
        for result in self.source.endpoints_of([model.id for model in models]):
            if self.lease.lost:
                raise LeaseLostError(LEASE_LOST_MESSAGE)
            if isinstance(result, EndpointsFailure):
                failures[type(result.error)] += 1
                self.counts.rejected[f"endpoints of a model: {result.error.reason}"] += 1
            else:
                answers[result.model_id] = result
                self.counts.rejected.update(result.rejected)
                self.counts.endpoints_seen += len(result.endpoints)
        self.counts.models_fetched = len(answers)
        return answers, failures

    def _judge_endpoints(
        self,
        wanted: list[UpstreamModel],
        answers: dict[str, ModelEndpoints],
        failures: Counter[type[UpstreamError]],
        previous: dict[str, Any],
    ) -> tuple[RunStatus, str] | None:
        """Why the endpoint answers as a whole must not be written, or None when they may."""
        if wanted and not answers:
            status = (
                RunStatus.ABORTED if set(failures) == {MalformedResponseError} else RunStatus.FAILED
            )
            return status, f"no model's endpoints could be read ({_top_reasons(self.counts)})"
        if answers and self.counts.endpoints_seen == 0:
            return (
                RunStatus.ABORTED,
                f"no usable endpoint in {len(answers)} answers; has the format changed? "
                f"({_top_reasons(self.counts)})",
            )
        message = self._dropped(
            "endpoints", self.counts.endpoints_seen, previous.get("endpoints_seen")
        )
        return (RunStatus.ABORTED, message) if message else None

    def _dropped(self, what: str, seen: int, before: int | None) -> str | None:
        """A message when `seen` fell more than the allowed percentage below `before`."""
        allowed = self.settings.refresh_max_drop_percent
        if not before or allowed >= 100 or seen * 100 >= before * (100 - allowed):
            return None
        return (
            f"the upstream gives {seen} {what}, more than {allowed}% fewer than the {before} "
            "of the last successful run"
        )

    def _renew_lease(self, session: Session) -> None:
        """Extend the lease, or stop the run if another process has taken it meanwhile."""
        if not renew_lease(
            session=session,
            name=LEASE_NAME,
            holder=self.holder,
            now=self.clock(),
            ttl=lease_ttl(self.settings),
        ):
            raise LeaseLostError(LEASE_LOST_MESSAGE)

    def _record(self, session: Session, status: RunStatus, error: str | None) -> None:
        run = session.get_one(RefreshRun, self.run_id)
        run.status = status
        run.counts = self.counts.as_json()
        run.error = error
        run.finished_at = self.clock()

    def finish(self, status: RunStatus, error: str | None) -> RefreshOutcome:
        """Log the run's end in its own transaction (nothing else is written)."""
        with session_scope(self.session_factory) as session:
            self._record(session, status, error)
        return RefreshOutcome(self.run_id, status, self.counts.as_json(), error)

    def _follow_ups(self) -> RefreshOutcome:
        """Popularity and retention after the metrics are committed; failures are only noted."""
        extra: dict[str, Any] = {}
        problems: list[str] = []
        steps: dict[str, Callable[[Session], object]] = {
            "popularity": lambda session: refresh_popularity(
                session=session, settings=self.settings, now=self.clock()
            ),
            "samples_downsampled": lambda session: downsample_samples(
                session=session,
                now=self.clock(),
                keep_raw=timedelta(days=self.settings.metrics_retention_days),
            ),
        }
        for name, step in steps.items():
            try:
                with session_scope(self.session_factory) as session:
                    extra[name] = step(session)
            except Exception as exc:
                logger.exception("metrics refresh: %s failed", name)
                problems.append(f"{name} failed: {type(exc).__name__}: {exc}")
        error = "; ".join(problems) or None
        with session_scope(self.session_factory) as session:
            run = session.get_one(RefreshRun, self.run_id)
            run.counts = {**self.counts.as_json(), **extra}
            run.error = error
            run.finished_at = self.clock()
            counts = run.counts
        return RefreshOutcome(self.run_id, RunStatus.OK, counts, error)


def _unique(models: list[UpstreamModel], counts: RefreshCounts) -> list[UpstreamModel]:
    """The listing without repeated ids (the first is kept, the others rejected)."""
    seen: dict[str, UpstreamModel] = {}
    for model in models:
        if model.id in seen:
            counts.rejected["model id: listed twice"] += 1
        else:
            seen[model.id] = model
    return list(seen.values())


def _top_reasons(counts: RefreshCounts) -> str:
    return ", ".join(f"{reason} x{n}" for reason, n in counts.rejected.most_common(3))


def _last_successful_counts(*, session: Session) -> dict[str, Any]:
    """The counts of the newest successful run, what a sharp drop is measured against."""
    counts = session.scalar(
        select(RefreshRun.counts)
        .where(RefreshRun.source == RUN_SOURCE, RefreshRun.status == RunStatus.OK)
        .order_by(RefreshRun.started_at.desc(), RefreshRun.id.desc())
        .limit(1)
    )
    return counts or {}


def _known_external_ids(*, session: Session) -> set[str]:
    return set(
        session.scalars(select(ExternalId.external_id).where(ExternalId.source == SOURCE_NAME))
    )


def _chunks(items: list[T]) -> Iterable[list[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class _Sample(NamedTuple):
    """One endpoint's figures of this run, kept for the samples written after the endpoints.

    Only the figures: the answer they came from is let go once it is applied.
    """

    endpoint: Endpoint
    uptime_pct: Decimal | None
    ttft_ms: Percentiles | None
    throughput: Percentiles | None


class _CatalogWriter:
    """The write phase: existing rows found through `CatalogWriter`, then brought up to date."""

    def __init__(
        self, *, session: Session, settings: Settings, counts: RefreshCounts, measured_at: datetime
    ) -> None:
        self.session = session
        self.settings = settings
        self.counts = counts
        self.measured_at = measured_at
        self.catalog = CatalogWriter(session=session)
        self.models: dict[str, Model] = {}
        self.serving_variants: dict[str, str] = {}
        self.open_prices: dict[int, Price] = {}
        self.samples: list[_Sample] = []
        self.touched_models: set[int] = set()
        self.seen_endpoints: set[Endpoint] = set()

    def write(
        self,
        models: list[UpstreamModel],
        answers: dict[str, ModelEndpoints],
        listed: set[str],
    ) -> None:
        """Apply every answer, retire what the listing dropped, then samples and rollups.

        `listed` holds every id of the full listing, so an endpoint whose
        model the upstream no longer lists is retired, while one whose
        model's answer failed this time is left alone.

        Takes each answer out of `answers` as it applies it, keeping only the
        figures its samples need: the row objects the write builds (per model,
        endpoint and price) then reuse the answers' memory. Two refreshes of
        5,000 models x 3 endpoints peaked at 269 MiB on SQLite and 284 MiB on
        PostgreSQL holding every answer to the end; letting each go once
        applied, at 246 and 272 MiB.
        """
        answered = [m for m in models if answers.get(m.id) and answers[m.id].endpoints]
        found = {m.id: self._known_model(m) for m in answered}
        self.catalog.load_endpoints(model.id for model in found.values() if model is not None)
        self._create_models([m for m in answered if found[m.id] is None])
        self._load_open_prices()
        for index, upstream_model in enumerate(answered, start=1):
            model = found[upstream_model.id] or self.models[upstream_model.base_id]
            for upstream in answers.pop(upstream_model.id).endpoints:
                self._apply_endpoint(model, upstream_model, upstream)
            if index % _CHUNK == 0:
                self.session.flush()
        self.counts.facts_written += record_openrouter_facts(
            session=self.session,
            placed=[(found[m.id] or self.models[m.base_id], m) for m in answered],
            seen_at=self.measured_at,
        )
        answered_models = {(found[m.id] or self.models[m.base_id]).id for m in answered}
        self._retire_unlisted(listed, answered_models)
        self.session.flush()
        self._write_samples()
        for model_ids in _chunks(sorted(self.touched_models)):
            refresh_rollups(session=self.session, model_ids=model_ids)

    def _known_model(self, model: UpstreamModel) -> Model | None:
        """Our model for an upstream id: its external id, else where the resolver places it.

        A serving-variant id (`...-fast`) of a stored model lands on that
        model, its suffix becoming part of the endpoints' variant.
        """
        for ref in (model.id, model.base_id):
            if found := self.catalog.model_by_external_id(SOURCE_NAME, ref):
                return found
        if model.base_id in self.models:
            return self.models[model.base_id]
        place = self.catalog.find_model_for_offer(SOURCE_NAME, model.base_id)
        if place is None:
            return None
        self.catalog.link_external_id(place.model, SOURCE_NAME, model.base_id)
        self.models[model.base_id] = place.model
        self.serving_variants[model.base_id] = place.variant
        return place.model

    def _load_open_prices(self) -> None:
        endpoint_ids = sorted(e.id for e in self.catalog.endpoints.values())
        for chunk in _chunks(endpoint_ids):
            for price in self.session.scalars(
                select(Price).where(
                    Price.endpoint_id.in_(chunk),
                    Price.effective_to.is_(None),
                    Price.service_tier == "standard",
                )
            ):
                self.open_prices[price.endpoint_id] = price

    def _create_models(self, models: list[UpstreamModel]) -> None:
        """Store the models the catalog did not know (one per base id), flushed _CHUNK at a time."""
        for index, model in enumerate(models, start=1):
            if model.base_id not in self.models:
                self.models[model.base_id] = self._new_model(model)
            if index % _CHUNK == 0:
                self.session.flush()
        self.session.flush()
        self.counts.models_created += len({m.base_id for m in models})

    def _new_model(self, model: UpstreamModel) -> Model:
        """A model the catalog did not know, marked discovered, with its external id."""
        namespace, _, bare = model.base_id.partition("/")
        author = author_from_namespace(namespace) or infer_author(
            provider_id=SOURCE_NAME, namespace=None, model_id=bare or namespace
        )
        label, colon, rest = model.name.partition(": ")
        created = self.catalog.new_model(
            author_slug=author or UNKNOWN_AUTHOR,
            bare_id=bare or namespace,
            namespace=namespace,
            name=rest if colon else label,
            status="active",
            description=model.description,
            context_window=model.context_window,
            hf_repo_id=model.hugging_face_id,
            discovered=True,
            modalities=[
                ModelModality(direction=direction, modality=modality)
                for direction, found in (
                    ("input", model.input_modalities),
                    ("output", model.output_modalities),
                )
                for modality in dict.fromkeys(found)
                if 0 < len(modality) <= 20
            ],
        )
        self.catalog.link_external_id(created, SOURCE_NAME, model.base_id)
        return created

    def _provider(self, upstream: UpstreamEndpoint) -> Provider | None:
        """Our provider for an upstream endpoint: matched, created, or None when skipped."""
        found = self.catalog.find_provider(upstream.provider_tag, upstream.provider_name)
        if found is not None:
            return found
        if self.settings.refresh_unknown_providers == "skip":
            self.counts.skipped_unknown["provider endpoints"] += 1
            return None
        self.counts.providers_created += 1
        return self.catalog.provider(upstream.provider_tag, name=upstream.provider_name)

    def _apply_endpoint(
        self, model: Model, listed: UpstreamModel, upstream: UpstreamEndpoint
    ) -> None:
        provider = self._provider(upstream)
        if provider is None:
            return
        if provider.id is None:
            self.session.flush()
        parts = (listed.variant, self.serving_variants.get(listed.base_id), upstream.tag_variant)
        variant = "-".join(part for part in parts if part)[:40]
        endpoint, created = self.catalog.endpoint(
            model=model,
            provider=provider,
            variant=variant,
            provider_model_id=listed.id,
            quantization=upstream.quantization,
            variant_names_quantization=variant == upstream.tag_variant == upstream.quantization,
            created_by=SOURCE_NAME,
        )
        if endpoint in self.seen_endpoints:
            self.counts.rejected["endpoint: a second one for the same provider and variant"] += 1
            return
        self.seen_endpoints.add(endpoint)
        if created:
            self.counts.endpoints_created += 1
        if endpoint.status == RETIRED:
            endpoint.status, endpoint.retired_at = "active", None
        _update_details(endpoint, upstream)
        self._update_figures(endpoint, upstream)
        self._update_price(endpoint, upstream)
        self.counts.endpoints_updated += 1
        self.touched_models.add(model.id)

    def _retire_unlisted(self, listed: set[str], answered_models: set[int]) -> None:
        """Retire the endpoints this source created that its full run no longer lists."""
        listed_models = {
            model.id
            for (source, ref), model in self.catalog.external_ids.items()
            if source == SOURCE_NAME and ref in listed
        }
        ours = self.session.scalars(
            select(Endpoint)
            .where(Endpoint.created_by == SOURCE_NAME, Endpoint.status != RETIRED)
            .execution_options(yield_per=_CHUNK)
        )
        for endpoint in ours:
            if endpoint in self.seen_endpoints:
                continue
            if endpoint.model_id in answered_models or endpoint.model_id not in listed_models:
                endpoint.status, endpoint.retired_at = RETIRED, self.measured_at
                self.counts.endpoints_retired += 1
                self.touched_models.add(endpoint.model_id)

    def _update_figures(self, endpoint: Endpoint, upstream: UpstreamEndpoint) -> None:
        if upstream.throughput is None:
            self.counts.missing_figures["throughput"] += 1
        else:
            endpoint.throughput_p50 = upstream.throughput.p50
            endpoint.throughput_p75 = upstream.throughput.p75
            endpoint.throughput_p90 = upstream.throughput.p90
            endpoint.throughput_p99 = upstream.throughput.p99
        if upstream.ttft_ms is None:
            self.counts.missing_figures["latency"] += 1
        else:
            endpoint.ttft_p50_ms = upstream.ttft_ms.p50
            endpoint.ttft_p75_ms = upstream.ttft_ms.p75
            endpoint.ttft_p90_ms = upstream.ttft_ms.p90
            endpoint.ttft_p99_ms = upstream.ttft_ms.p99
        if upstream.uptime_pct is None:
            self.counts.missing_figures["uptime"] += 1
        else:
            endpoint.uptime_pct = upstream.uptime_pct
        if upstream.has_figures:
            endpoint.measured_at = self.measured_at
            endpoint.metrics_source = SOURCE_NAME
            self.samples.append(
                _Sample(endpoint, upstream.uptime_pct, upstream.ttft_ms, upstream.throughput)
            )

    def _update_price(self, endpoint: Endpoint, upstream: UpstreamEndpoint) -> None:
        """Open a new standard price row when the upstream's differs from the open one.

        Only the columns OpenRouter states are compared, so an open row with a
        long-context tier from another source is not replaced while the
        upstream agrees with its base prices.
        """
        values = upstream.prices.columns()
        current = self.open_prices.get(endpoint.id) if endpoint.id is not None else None
        if current is not None and all(getattr(current, k) == v for k, v in values.items()):
            return
        if current is not None and current.effective_from >= self.measured_at:
            for column, value in values.items():
                setattr(current, column, value)
            current.source = SOURCE_NAME
        else:
            if current is not None:
                current.effective_to = self.measured_at
            price = Price(
                endpoint=endpoint,
                service_tier="standard",
                effective_from=self.measured_at,
                source=SOURCE_NAME,
                **values,
            )
            self.session.add(price)
            if endpoint.id is not None:
                self.open_prices[endpoint.id] = price
        self.counts.prices_changed += 1

    def _write_samples(self) -> None:
        """One sample row per measured endpoint, built and inserted _CHUNK at a time."""
        for chunk in _chunks(self.samples):
            rows = [
                {
                    "endpoint_id": sample.endpoint.id,
                    "measured_at": self.measured_at,
                    "window": MEASUREMENT_WINDOW,
                    "source": SOURCE_NAME,
                    "uptime_pct": sample.uptime_pct,
                    **_percentile_columns("ttft_{}_ms", sample.ttft_ms),
                    **_percentile_columns("throughput_{}", sample.throughput),
                }
                for sample in chunk
            ]
            self.session.execute(insert(MetricSample), rows)
        rebuild_metric_hours(
            self.session,
            endpoint_ids=[sample.endpoint.id for sample in self.samples],
            start=self.measured_at,
            end=self.measured_at,
            now=self.measured_at,
        )
        self.counts.samples_written = len(self.samples)


def _percentile_columns(pattern: str, figures: Any) -> dict[str, Any]:
    return {
        pattern.format(p): None if figures is None else getattr(figures, p)
        for p in ("p50", "p75", "p90", "p99")
    }


def _update_details(endpoint: Endpoint, upstream: UpstreamEndpoint) -> None:
    """Context, output limit, quantization, parameters and status; unknowns keep the old value."""
    if upstream.context_window is not None:
        endpoint.context_window = upstream.context_window
    if upstream.max_output is not None:
        endpoint.max_output = upstream.max_output
    if upstream.quantization is not None:
        endpoint.quantization = upstream.quantization
    endpoint.supported_parameters = list(upstream.supported_parameters)
    if upstream.status is not None:
        endpoint.status = "active" if upstream.status == SERVING_STATUS else "degraded"


# --- Running it -----------------------------------------------------------------------------


def run_refresh(settings: Settings) -> RefreshOutcome:
    """One refresh against the configured OpenRouter and database (the CLI and the scheduler),
    then the webhook deliveries it queued."""
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        with OpenRouterSource.from_settings(settings) as source:
            outcome = refresh_metrics(session_factory=factory, settings=settings, source=source)
        deliver_after_job(factory, settings)
        return outcome
    finally:
        engine.dispose()


_INTERVAL = re.compile(r"^\s*(\d+)\s*([smh])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_interval(text: str) -> timedelta:
    """`30s`, `10m` or `1h` as a timedelta (at least one second); raises ValueError."""
    match = _INTERVAL.match(text.lower())
    if match is None or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not an interval like 30s, 10m or 1h")
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


class PeriodicRefresh:
    """Runs the refresh now and then every `interval` in a daemon thread, until stopped.

    For the single-process setup (`serve --refresh-every`): the thread spends
    its time waiting on the network or the timer, so requests are served
    meanwhile; the lease still keeps it from overlapping a cron-run refresh.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        interval: timedelta,
        run: Callable[[Settings], RefreshOutcome] = run_refresh,
    ) -> None:
        self.settings = settings
        self.interval = interval
        self._run = run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="modelatlas-refresh", daemon=True)

    def start(self) -> None:
        """Start the thread; the first refresh begins at once."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after the current run and wait up to `timeout` seconds."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self._run(self.settings)
                level = logging.INFO if outcome.succeeded else logging.WARNING
                logger.log(level, "%s", outcome.summary())
            except Exception:
                logger.exception("scheduled metrics refresh crashed")
            self._stop.wait(self.interval.total_seconds())
