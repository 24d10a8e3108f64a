"""Importing the genai-prices package into the catalog: breadth for a fresh install.

One run reads every provider and model entry genai-prices ships, groups the
entries into real models (`model_grouping`), and brings authors, providers,
models, endpoints, external ids and price rows in line with them:

- Rows are found and created through `CatalogWriter` (one identity rule for
  every source): by external id, slug or redirect, never duplicated; the
  seeded reference model gains the Mistral and OpenRouter endpoints this way.
  Stored models that the grouping now reads as one are merged first
  (`model_redirects`), and every other slug a model's ids spell answers with
  a redirect to it.
- An endpoint this import created and the dataset no longer lists is
  retired (kept, with the date); subscription products' entries are skipped.
- A model's name, description, context window (the largest any provider
  states), status (deprecated when every entry is) and modalities (inferred
  from what it is priced for) are recorded as facts (`services.ingest.genai_facts`);
  the model shows the most trusted source's value, so the curated seed, the
  lab's own offer, models.dev and OpenRouter all outrank genai-prices.
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
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Endpoint,
    ExternalId,
    Model,
    ModelRedirect,
    Price,
    RefreshRun,
)
from app.services.catalog.author_aliases import AuthorInfo, author_info
from app.services.catalog.catalog_writer import CatalogWriter, fill_blanks
from app.services.catalog.known_providers import (
    is_router,
    is_subscription_product,
    provider_display_name,
)
from app.services.catalog.model_grouping import ModelGroup, PlacedOffer, group_offers
from app.services.catalog.model_redirects import merge_models
from app.services.catalog.withdrawn_aliases import release_withdrawn_aliases
from app.services.ingest.genai_facts import record_genai_facts
from app.services.ingest.import_changes import changes_clause
from app.services.metrics.rollups import refresh_rollups
from app.services.pricing.price_rows_writer import PriceChanges, reconcile
from app.services.publishing.change_events import record_changes, watched_state
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

RETIRED = "retired"
REDIRECT_REASON = "another id of this model at a provider"

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
        closed = [f"closed {self.prices_closed} price rows"] if self.prices_closed else []
        done = changes_clause(self.created, self.updated, closed)
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
    watched_before = watched_state(session)
    report.updated["ids released by a withdrawn alias"] += release_withdrawn_aliases(
        session=session, now=now
    )
    report.updated["models merged"] += merge_split_models(session=session, groups=groups)
    writer = _CatalogWriter(session=session, report=report, now=now, groups=groups)
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
    writer.retire_unlisted()
    session.flush()
    changed = record_genai_facts(session=session, synced=writer.synced, seen_at=now)
    report.updated["models"] += len(changed - writer.new_models)
    writer.write_redirects()
    if report.changed:
        refresh_rollups(session=session)
    record_changes(session=session, before=watched_before, source=SOURCE_NAME, at=now)
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

    def __init__(
        self, *, session: Session, report: ImportReport, now: datetime, groups: list[ModelGroup]
    ) -> None:
        self.session = session
        self.report = report
        self.now = now
        self.group_slugs = {g.slug for g in groups}
        self.catalog = CatalogWriter(session=session, created=report.created)
        self.catalog.load_endpoints()
        self.prices: dict[tuple[int, str], list[Price]] = defaultdict(list)
        for price in session.scalars(select(Price)):
            self.prices[(price.endpoint_id, price.service_tier)].append(price)
        self.synced: list[tuple[Model, ModelGroup]] = []
        self.new_models: set[Model] = set()
        self.redirects = set(session.scalars(select(ModelRedirect.old_slug)))
        self.new_redirects: list[tuple[str, Model]] = []
        self.claimed_models: set[int] = set()
        self.listed_endpoints: set[Endpoint] = set()
        self.author_infos: dict[str, AuthorInfo] = {}

    def sync_providers(self, source: list[SourceProvider]) -> None:
        """Create missing providers; fill blank fields of existing ones; proper names.

        A stored name equal to the source's own spelling ("Deepseek") was
        written by an earlier import and gives way to the proper one; a name
        chosen by hand is kept.
        """
        for item in source:
            if is_subscription_product(item.id):
                continue
            fields = {
                "url": item.url,
                "api_base": api_base(item.id),
                "description": item.description,
            }
            provider = self.catalog.find_provider(item.id)
            if provider is None:
                self.catalog.provider(
                    item.id,
                    name=item.name,
                    kind="router" if is_router(item.id) else "inference",
                    **fields,
                )
                continue
            proper = provider_display_name(item.id, item.name)
            renamed = provider.name == item.name and provider.name != proper
            if renamed:
                provider.name = proper
            if fill_blanks(provider, fields) or renamed:
                self.report.updated["providers"] += 1

    def sync_author_names(self, groups: list[ModelGroup]) -> None:
        """Settle each lab's name and URL; rename stored labs that still have a made-up name.

        A stored name equal to the slug or to the namespace is what an earlier
        import wrote for a lab it had no name for, so a proper name replaces
        it; any other name was chosen by someone and is kept.
        """
        authors = self.catalog.authors
        namespaces: dict[str, str | None] = dict.fromkeys(authors)
        for group in groups:
            if namespaces.get(group.author) is None:
                namespaces[group.author] = group.namespace
        for slug, namespace in namespaces.items():
            info = self.author_infos[slug] = author_info(slug, namespace=namespace)
            author = authors.get(slug)
            if author is None:
                continue
            made_up = {slug, (namespace or "").lstrip("~")}
            renamed = author.name in made_up and author.name != info.name
            if renamed:
                author.name = info.name
            if fill_blanks(author, {"url": info.url}) or renamed:
                self.report.updated["authors"] += 1

    def sync_group(self, group: ModelGroup) -> None:
        """One model: find or create it, then its external ids, endpoints and prices."""
        offers = [o for o in group.offers if not is_subscription_product(o.provider.id)]
        skipped = len(group.offers) - len(offers)
        if skipped:
            self.report.skipped["offer of a subscription product"] += skipped
        if not offers:
            return
        model = self._model(group)
        self.synced.append((model, group))
        self._external_ids(model, group)
        self._redirects(model, group)
        plain = [o for o in offers if not o.parsed.batch and not o.duplicate]
        batch = [o for o in offers if o.parsed.batch]
        duplicates = sum(o.duplicate for o in offers)
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

    def _model(self, group: ModelGroup) -> Model:
        model = self._existing_model(group)
        status = "deprecated" if group.deprecated else "active"
        if model is None:
            model = self.catalog.new_model(
                author_slug=group.author,
                bare_id=group.slug.partition("/")[2],
                slug=group.slug,
                namespace=group.namespace,
                name=group.name,
                status=status,
                description=group.description,
                context_window=group.context_window,
            )
            self.new_models.add(model)
            return model
        self._claim(model)
        return model

    def _claim(self, model: Model) -> None:
        if model.id is not None:
            self.claimed_models.add(model.id)

    def _existing_model(self, group: ModelGroup) -> Model | None:
        """The stored model for a group: by external id, slug, then redirect; never one claimed."""
        for key in group.external_ids():
            model = self.catalog.external_ids.get(key)
            if model is not None and model.id not in self.claimed_models:
                return model
        model = self.catalog.model_by_slug(group.slug)
        if model is not None and model.id not in self.claimed_models:
            return model
        return None

    def _redirects(self, model: Model, group: ModelGroup) -> None:
        """Every other slug the group's ids spell answers with a redirect to the model."""
        for slug in group.other_slugs():
            if (
                slug in self.redirects
                or slug in self.catalog.models_by_slug
                or slug in self.group_slugs
            ):
                continue
            self.redirects.add(slug)
            self.new_redirects.append((slug, model))

    def write_redirects(self) -> None:
        """Store the redirects found in this run (the models have ids by now)."""
        rows = [
            {"old_slug": slug, "model_id": m.id, "reason": REDIRECT_REASON, "created_at": self.now}
            for slug, m in self.new_redirects
        ]
        if rows:
            self.session.execute(insert(ModelRedirect), rows)
            self.report.created["redirects"] += len(rows)

    def retire_unlisted(self) -> None:
        """Retire the endpoints this source created and no longer lists (kept for history)."""
        for endpoint in self.catalog.endpoints.values():
            if (
                endpoint.created_by == SOURCE_NAME
                and endpoint not in self.listed_endpoints
                and endpoint.status != RETIRED
            ):
                endpoint.status = RETIRED
                endpoint.retired_at = self.now
                self.report.updated["endpoints retired"] += 1

    def _external_ids(self, model: Model, group: ModelGroup) -> None:
        for source, external_id in group.external_ids():
            if self.catalog.link_external_id(model, source, external_id):
                self.report.created["external ids"] += 1

    def _endpoint(self, model: Model, item: PlacedOffer) -> Endpoint:
        provider = self.catalog.find_provider(item.provider.id)
        assert provider is not None, "sync_providers stores every provider first"
        status = "deprecated" if item.offer.deprecated else "active"
        endpoint, created = self.catalog.endpoint(
            model=model,
            provider=provider,
            variant=item.variant,
            provider_model_id=item.provider_model_id,
            quantization=item.quantization,
            context_window=item.offer.context_window,
            status=status,
            created_by=SOURCE_NAME,
        )
        self.listed_endpoints.add(endpoint)
        if created or item.parsed.batch:
            return endpoint
        fields = {
            "provider_model_id": item.provider_model_id,
            "context_window": item.offer.context_window,
            "quantization": item.quantization,
            "status": status,
        }
        fields = {k: v for k, v in fields.items() if v is not None}
        if any(getattr(endpoint, k) != v for k, v in fields.items()) or endpoint.retired_at:
            for name, value in fields.items():
                setattr(endpoint, name, value)
            endpoint.retired_at = None
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


def merge_split_models(*, session: Session, groups: list[ModelGroup]) -> int:
    """Merge stored models that the grouping now reads as one; returns how many were merged.

    A group's home is the stored model at its slug, else the first one its
    external ids name. Its other stored models are those its external ids
    and the slugs its other ids spell point at (what an earlier, finer
    grouping made pages of), unless they are another group's home or slug:
    two groups sharing an id never merge each other's models.
    """
    by_external_id = {
        (source, external_id): model_id
        for source, external_id, model_id in session.execute(
            select(ExternalId.source, ExternalId.external_id, ExternalId.model_id)
        )
    }
    by_slug = {slug: model_id for slug, model_id in session.execute(select(Model.slug, Model.id))}
    group_slugs = {g.slug for g in groups}
    found: dict[str, list[int]] = {}
    for group in groups:
        candidates = [
            by_slug.get(group.slug),
            *(by_external_id.get(key) for key in group.external_ids()),
            *(by_slug.get(s) for s in group.other_slugs() if s not in group_slugs),
        ]
        found[group.slug] = list(dict.fromkeys(i for i in candidates if i is not None))
    homes = {ids[0] for ids in found.values() if ids}
    absorbed: dict[int, int] = {}
    for ids in found.values():
        if not ids:
            continue
        home = absorbed.get(ids[0], ids[0])
        for old_id in ids[1:]:
            old_id = absorbed.get(old_id, old_id)
            if old_id in homes or old_id == home:
                continue
            merge_models(
                session=session,
                old=session.get_one(Model, old_id),
                canonical=session.get_one(Model, home),
            )
            absorbed.update({k: home for k, v in absorbed.items() if v == old_id})
            absorbed[old_id] = home
    return len(absorbed)


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


def api_base(provider_id: str) -> str | None:
    """The provider's OpenAI-compatible base URL, when it has a public one."""
    if provider_id.startswith("huggingface_"):
        return HUGGINGFACE_ROUTER_BASE
    return API_BASES.get(provider_id)
