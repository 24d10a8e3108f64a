"""Importing the genai-prices package into the catalog: breadth for a fresh install.

One run reads every provider and model entry genai-prices ships, groups the
entries into real models (`model_grouping`), and brings authors, providers,
models, endpoints, external ids and price rows in line with them:

- Existing rows are found by slug or external id and never duplicated; the
  seeded reference model gains the Mistral and OpenRouter endpoints this way.
- Curated text (name, description, summary, dates, weights, recommendations)
  is only ever filled where blank. The context window grows to the largest
  any provider states; the status follows genai-prices' deprecated flags.
- A lab's name is only replaced while it is still one an earlier import made
  up (its slug or namespace), so renaming a lab by hand sticks.
- Prices follow `price_history`: dated changes become history rows, an
  observed change closes the open row and opens a new one.
- A live price wins over the dataset: an endpoint tier whose open row was
  written by a live source (`LIVE_PRICE_SOURCES`: the metrics refresh, which
  reads what OpenRouter charges now) is left alone and counted as
  `kept_live`. Without this rule the two writers took turns: the import saw
  the refresh's row differ from genai-prices and replaced it, the next
  refresh did the reverse, and history filled with changes nobody made.
  Real changes still arrive: the refresh records every change of the live
  price (it compares with the open row, whoever wrote it), and the import
  records the dataset's changes on every endpoint no live source prices. A
  dataset change on a live-priced endpoint is not copied: if the provider
  really made it, the live price shows it. Neither writer undoes the other,
  so nothing oscillates. An endpoint OpenRouter stops listing keeps its
  last live price.
- Running it again with the same data changes nothing and says so.

Everything already stored is loaded in a handful of queries up front, and new
rows go out in one flush, so a first import takes seconds. The caller's
session commits; a RefreshRun row records the outcome and the counts.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from genai_prices.types import Provider as GenaiProvider
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Author,
    Endpoint,
    ExternalId,
    Model,
    ModelModality,
    Price,
    Provider,
    RefreshRun,
)
from app.services.author_aliases import AuthorInfo, author_info
from app.services.content_version import bump
from app.services.model_grouping import ModelGroup, PlacedOffer, group_offers
from app.services.price_history import PriceChanges, reconcile
from app.services.rollups import refresh_rollups
from app.sources.genai_prices import (
    SOURCE_NAME,
    PricePeriod,
    PriceValues,
    SourceProvider,
    default_providers,
    read_providers,
)
from app.sources.openrouter import SOURCE_NAME as OPENROUTER_SOURCE

ProgressCallback = Callable[[int, int], None]

# Sources whose price rows report what a provider charges now; see the module docstring.
LIVE_PRICE_SOURCES = frozenset({OPENROUTER_SOURCE})

# Providers that resell other providers' endpoints rather than run their own.
ROUTER_PREFIXES = ("openrouter", "huggingface_")

# OpenAI-compatible base URLs from each provider's API documentation. Providers
# whose base URL depends on the customer's account or region (Bedrock, Azure,
# Cloudflare, Databricks, Modal) or that offer no public API have none.
API_BASES = {
    "anthropic": "https://api.anthropic.com/v1",
    "arcee": "https://api.arcee.ai/api/v1",
    "avian": "https://api.avian.io/v1",
    "baseten": "https://inference.baseten.co/v1",
    "cerebras": "https://api.cerebras.ai/v1",
    "cohere": "https://api.cohere.ai/compatibility/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "doubleword": "https://api.doubleword.ai/v1",
    "fireworks": "https://api.fireworks.ai/inference/v1",
    "google": "https://generativelanguage.googleapis.com/v1beta/openai",
    "groq": "https://api.groq.com/openai/v1",
    "minimax": "https://api.minimax.io/v1",
    "mistral": "https://api.mistral.ai/v1",
    "moonshotai": "https://api.moonshot.ai/v1",
    "novita": "https://api.novita.ai/openai/v1",
    "openai": "https://api.openai.com/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "ovhcloud": "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
    "perplexity": "https://api.perplexity.ai",
    "together": "https://api.together.xyz/v1",
    "x-ai": "https://api.x.ai/v1",
    "zai": "https://api.z.ai/api/paas/v4",
    "zhipuai": "https://open.bigmodel.cn/api/paas/v4",
}
HUGGINGFACE_ROUTER_BASE = "https://router.huggingface.co/v1"


@dataclass
class ImportReport:
    """What one import read and changed; `changed` is False on a no-op re-run."""

    providers_read: int = 0
    entries_read: int = 0
    models_read: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    prices_closed: int = 0
    kept_live: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the run wrote anything to the catalog."""
        return bool(+self.created or +self.updated or self.prices_closed)

    def summary(self) -> str:
        """One line for a terminal or a log."""
        read = (
            f"{self.entries_read} entries from {self.providers_read} providers "
            f"as {self.models_read} models"
        )
        skipped = sum(self.skipped.values())
        tail = f"; {skipped} prices or variants not representable" if skipped else ""
        if self.kept_live:
            tail += f"; {self.kept_live} live prices kept"
        if not self.changed:
            return f"genai-prices: no changes ({read}){tail}; {self.seconds:.1f}s"
        created = ", ".join(f"{n} {what}" for what, n in sorted(self.created.items()) if n)
        updated = ", ".join(f"{n} {what}" for what, n in sorted(self.updated.items()) if n)
        parts = [f"created {created}" if created else "", f"updated {updated}" if updated else ""]
        if self.prices_closed:
            parts.append(f"closed {self.prices_closed} price rows")
        done = "; ".join(p for p in parts if p)
        return f"genai-prices: {read}: {done}{tail}; {self.seconds:.1f}s"

    def counts(self) -> dict[str, Any]:
        """The figures as plain JSON for the RefreshRun row."""
        return {
            "providers_read": self.providers_read,
            "entries_read": self.entries_read,
            "models_read": self.models_read,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "prices_closed": self.prices_closed,
            "kept_live": self.kept_live,
            "skipped": dict(self.skipped),
        }


def import_genai_prices(
    *,
    session: Session,
    progress: ProgressCallback | None = None,
    providers: Iterable[GenaiProvider] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Bring the catalog in line with genai-prices (the installed package, or `providers`).

    Flushes but does not commit. `now` is the time recorded for observed
    changes and first-seen prices (default: the current time).
    """
    started = time.perf_counter()
    now = now or utcnow()
    source = read_providers(default_providers() if providers is None else providers)
    groups = group_offers(source)
    report = ImportReport(
        providers_read=len(source),
        entries_read=sum(len(p.offers) for p in source),
        models_read=len(groups),
    )
    for provider in source:
        for offer in provider.offers:
            report.skipped.update(offer.skipped)
    run = RefreshRun(source=SOURCE_NAME, started_at=now, status="running")
    session.add(run)
    writer = _CatalogWriter(session=session, report=report, now=now)
    writer.sync_providers(source)
    writer.sync_author_names(groups)
    total = len(groups) + 1
    for done, group in enumerate(groups, start=1):
        writer.sync_group(group)
        if done % 50 == 0 or done == len(groups):
            # Written as it goes, so what the progress says is done is written, and the last
            # report is not followed by one long flush of the whole catalog.
            session.flush()
            if progress is not None:
                progress(done, total)
    session.flush()
    refresh_rollups(session=session)
    if report.changed:
        bump(session)
    report.seconds = time.perf_counter() - started
    run.status = "ok"
    run.finished_at = utcnow()
    run.counts = report.counts()
    session.flush()
    if progress is not None:
        progress(total, total)
    return report


class _CatalogWriter:
    """Existing catalog rows, loaded once, and the writes that align them with the source."""

    def __init__(self, *, session: Session, report: ImportReport, now: datetime) -> None:
        self.session = session
        self.report = report
        self.now = now
        self.authors = {a.slug: a for a in session.scalars(select(Author))}
        self.providers = {p.slug: p for p in session.scalars(select(Provider))}
        models = list(session.scalars(select(Model)))
        self.models_by_slug = {m.slug: m for m in models}
        self.models_by_id = {m.id: m for m in models}
        self.external_ids = {
            (source, external_id): model_id
            for source, external_id, model_id in session.execute(
                select(ExternalId.source, ExternalId.external_id, ExternalId.model_id)
            )
        }
        self.endpoints = {
            (e.model_id, e.provider_id, e.variant): e for e in session.scalars(select(Endpoint))
        }
        self.prices: dict[tuple[int, str], list[Price]] = defaultdict(list)
        for price in session.scalars(select(Price)):
            self.prices[(price.endpoint_id, price.service_tier)].append(price)
        self.modalities: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for model_id, direction, modality in session.execute(
            select(ModelModality.model_id, ModelModality.direction, ModelModality.modality)
        ):
            self.modalities[model_id].add((direction, modality))
        self.new_external_ids: set[tuple[str, str]] = set()
        self.claimed_models: set[int] = set()
        self.author_infos: dict[str, AuthorInfo] = {}

    def sync_providers(self, source: list[SourceProvider]) -> None:
        """Create missing providers; fill blank fields of existing ones."""
        for item in source:
            slug = provider_slug(item.id)
            fields = {
                "name": item.name,
                "kind": "router" if item.id.startswith(ROUTER_PREFIXES) else "inference",
                "url": item.url,
                "api_base": api_base(item.id),
                "description": item.description,
            }
            provider = self.providers.get(slug)
            if provider is None:
                provider = Provider(slug=slug, **fields)
                self.session.add(provider)
                self.providers[slug] = provider
                self.report.created["providers"] += 1
            elif _fill_blanks(provider, fields):
                self.report.updated["providers"] += 1

    def sync_author_names(self, groups: list[ModelGroup]) -> None:
        """Settle each lab's name and URL; rename stored labs that still have a made-up name.

        A stored name equal to the slug or to the namespace is what an earlier
        import wrote for a lab it had no name for, so a proper name replaces
        it; any other name was chosen by someone and is kept.
        """
        namespaces: dict[str, str | None] = dict.fromkeys(self.authors)
        for group in groups:
            if namespaces.get(group.author) is None:
                namespaces[group.author] = group.namespace
        for slug, namespace in namespaces.items():
            info = self.author_infos[slug] = author_info(slug, namespace=namespace)
            author = self.authors.get(slug)
            if author is None:
                continue
            made_up = {slug, (namespace or "").lstrip("~")}
            renamed = author.name in made_up and author.name != info.name
            if renamed:
                author.name = info.name
            if _fill_blanks(author, {"url": info.url}) or renamed:
                self.report.updated["authors"] += 1

    def sync_group(self, group: ModelGroup) -> None:
        """One model: find or create it, then its external ids, endpoints and prices."""
        model = self._model(group)
        self._modalities(model, group)
        self._external_ids(model, group)
        plain = [o for o in group.offers if not o.parsed.batch and not o.duplicate]
        batch = [o for o in group.offers if o.parsed.batch]
        duplicates = sum(o.duplicate for o in group.offers)
        if duplicates:
            self.report.skipped["second entry for one endpoint"] += duplicates
        endpoints: dict[tuple[str, str], Endpoint] = {}
        tiers_done: set[tuple[str, str, str]] = set()
        for item in [*plain, *batch]:
            slot = (item.provider.id, item.variant)
            if slot not in endpoints:
                endpoints[slot] = self._endpoint(model, item)
            tiers = _tiers(item)
            for tier, periods in tiers.items():
                if (*slot, tier) in tiers_done:
                    self.report.skipped[f"second {tier} price list for one endpoint"] += 1
                    continue
                tiers_done.add((*slot, tier))
                self._prices(endpoints[slot], tier, periods)

    def _author(self, group: ModelGroup) -> Author:
        author = self.authors.get(group.author)
        if author is None:
            info = self.author_infos[group.author]
            author = Author(slug=group.author, name=info.name, url=info.url)
            self.session.add(author)
            self.authors[group.author] = author
            self.report.created["authors"] += 1
        return author

    def _model(self, group: ModelGroup) -> Model:
        model = self._existing_model(group)
        status = "deprecated" if group.deprecated else "active"
        if model is None:
            slug = group.slug
            while slug in self.models_by_slug:
                slug = f"{slug}-{group.offers[0].provider.id}"
            model = Model(
                author=self._author(group),
                slug=slug,
                name=group.name,
                status=status,
                description=group.description,
                context_window=group.context_window,
                recommended_for=[],
            )
            self.session.add(model)
            self.models_by_slug[slug] = model
            self.report.created["models"] += 1
            return model
        self.claimed_models.add(model.id)
        changed = _fill_blanks(model, {"name": group.name, "description": group.description})
        if group.context_window and (model.context_window or 0) < group.context_window:
            model.context_window = group.context_window
            changed = True
        if model.status != status and (group.deprecated or model.status == "deprecated"):
            model.status = status
            changed = True
        if changed:
            self.report.updated["models"] += 1
        return model

    def _existing_model(self, group: ModelGroup) -> Model | None:
        """The stored model for a group: by external id first, then by slug; never one claimed."""
        for key in group.external_ids():
            model_id = self.external_ids.get(key)
            if model_id is not None and model_id not in self.claimed_models:
                return self.models_by_id[model_id]
        model = self.models_by_slug.get(group.slug)
        if model is not None and model.id not in self.claimed_models:
            return model
        return None

    def _modalities(self, model: Model, group: ModelGroup) -> None:
        """Add the modalities the prices imply; curated ones are never removed."""
        wanted = {("input", m) for m in group.input_modalities} | {
            ("output", m) for m in group.output_modalities
        }
        have = self.modalities[model.id] if model.id is not None else set()
        for direction, modality in sorted(wanted - have):
            self.session.add(ModelModality(model=model, direction=direction, modality=modality))
            self.report.created["modalities"] += 1

    def _external_ids(self, model: Model, group: ModelGroup) -> None:
        for key in group.external_ids():
            if key in self.external_ids or key in self.new_external_ids:
                continue
            self.session.add(ExternalId(model=model, source=key[0], external_id=key[1]))
            self.new_external_ids.add(key)
            self.report.created["external ids"] += 1

    def _endpoint(self, model: Model, item: PlacedOffer) -> Endpoint:
        provider = self.providers[provider_slug(item.provider.id)]
        key = (model.id, provider.id, item.variant)
        endpoint = self.endpoints.get(key) if None not in key else None
        fields = {
            "provider_model_id": item.provider_model_id,
            "context_window": item.offer.context_window,
            "status": "deprecated" if item.offer.deprecated else "active",
        }
        if endpoint is None:
            endpoint = Endpoint(model=model, provider=provider, variant=item.variant, **fields)
            self.session.add(endpoint)
            self.report.created["endpoints"] += 1
            return endpoint
        if item.parsed.batch:
            return endpoint
        fields = {k: v for k, v in fields.items() if v is not None}
        if any(getattr(endpoint, k) != v for k, v in fields.items()):
            for name, value in fields.items():
                setattr(endpoint, name, value)
            self.report.updated["endpoints"] += 1
        return endpoint

    def _prices(self, endpoint: Endpoint, tier: str, periods: list[PricePeriod]) -> None:
        rows = self.prices.get((endpoint.id, tier), []) if endpoint.id is not None else []
        if any(row.effective_to is None and row.source in LIVE_PRICE_SOURCES for row in rows):
            self.report.kept_live += 1
            return

        def new_row(start: datetime, until: datetime | None, values: PriceValues) -> Price:
            price = Price(
                endpoint=endpoint,
                service_tier=tier,
                effective_from=start,
                effective_to=until,
                source=SOURCE_NAME,
                **values.columns(),
            )
            self.session.add(price)
            return price

        changes: PriceChanges = reconcile(rows=rows, periods=periods, now=self.now, new_row=new_row)
        self.report.created["prices"] += changes.created
        self.report.updated["prices corrected"] += changes.corrected
        self.report.updated["prices filled in"] += changes.filled
        self.report.prices_closed += changes.closed
        if changes.scheduled:
            self.report.skipped["scheduled price change not yet in force"] += changes.scheduled


def _tiers(item: PlacedOffer) -> dict[str, list[PricePeriod]]:
    """Price timelines by service tier for one offer.

    OpenRouter's `:batch` entries are the batch tier of the plain endpoint, and
    its `:free` entries, listed without prices, cost nothing.
    """
    if item.parsed.batch:
        return {"batch": item.offer.tiers["standard"]}
    if item.variant == "free" and not item.offer.tiers["standard"]:
        free = PriceValues(input=Decimal(0), output=Decimal(0))
        return {**item.offer.tiers, "standard": [PricePeriod(starts_on=None, values=free)]}
    return item.offer.tiers


def provider_slug(provider_id: str) -> str:
    """genai-prices provider id -> URL slug (`huggingface_groq` -> `huggingface-groq`)."""
    return provider_id.replace("_", "-")


def api_base(provider_id: str) -> str | None:
    """The provider's OpenAI-compatible base URL, when it has a public one."""
    if provider_id.startswith("huggingface_"):
        return HUGGINGFACE_ROUTER_BASE
    return API_BASES.get(provider_id)


def _fill_blanks(row: object, values: dict[str, Any]) -> bool:
    """Set the given attributes where the row has none; True when anything was set."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(row, name) in (None, ""):
            setattr(row, name, value)
            changed = True
    return changed
