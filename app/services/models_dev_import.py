"""Importing models.dev into the catalog: facts for every model, offers genai-prices lacks.

One run reads every provider and offer of a models.dev api.json
(`sources.models_dev`) and:

- places each offer on a catalog model (`_ModelLookup`), creating the model
  (status "unknown" unless the lab states one) and its lab when none fits;
- records the facts the offers state through `services.model_facts`: the
  lab's own offer (models.dev's `openai` provider for an OpenAI model) as
  source "lab", all other offers together as source "models.dev" — the
  most common release date (resellers often give the date of their own
  listing), the largest context window and output, the
  capabilities any offer states, the union of modalities — then derives the
  shown columns by precedence;
- makes an endpoint of each offer at a provider that sells API access (plan
  subscriptions such as GitHub Copilot are left out), creating providers
  genai-prices lacks.

Price precedence for one endpoint: a live source (the metrics refresh,
which reads what OpenRouter charges now) beats genai-prices, whose dated
price lists keep history, which beats models.dev. So models.dev writes the
price of an endpoint only where no other source holds its current standard
price; where another does and the two differ in input or output price, the
other is kept and the difference is counted (`price disagreements`, with
examples) in the run's counts on /status. Nobody's row is replaced by
another's, so the importers never undo each other.

Everything stored is loaded in a handful of queries up front and new rows go
out in few flushes, so an import takes seconds; running it again with the
same data writes nothing. The caller's session commits; a RefreshRun row
records the outcome, counts and rejected items by reason.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Author, Endpoint, ExternalId, Model, Price, Provider, RefreshRun
from app.services.author_aliases import FIRST_PARTY_PROVIDERS, author_info, infer_author
from app.services.content_version import bump
from app.services.model_facts import FactBook, Modalities
from app.services.model_keys import merge_key, parse_model_ref, slug_part
from app.services.price_history import reconcile
from app.services.rollups import refresh_rollups
from app.sources.genai_prices import SOURCE_NAME as GENAI_SOURCE
from app.sources.genai_prices import PricePeriod, PriceValues
from app.sources.models_dev import (
    SOURCE_NAME,
    ModelsDevCatalog,
    ModelsDevProvider,
    Offer,
    OfferPrice,
)
from app.sources.openrouter import SOURCE_NAME as OPENROUTER_SOURCE

ProgressCallback = Callable[[int, int], None]
R = TypeVar("R", ExternalId, Price)
T = TypeVar("T", str, date)

LAB_SOURCE = "lab"
# models.dev provider id -> the catalog's provider slug, where the two spell it differently.
PROVIDER_SLUGS = {
    "amazon-bedrock": "aws",
    "cloudflare-workers-ai": "cloudflare",
    "fireworks-ai": "fireworks",
    "llama": "meta",
    "novita-ai": "novita",
    "togetherai": "together",
    "xai": "x-ai",
}
# Subscriptions and local runtimes: they do not sell per-token API access, so
# their offers are facts about a model but never endpoints.
SUBSCRIPTION_PROVIDERS = frozenset(
    {
        "firepass",
        "github-copilot",
        "gitlab",
        "kimi-for-coding",
        "lmstudio",
        "ollama-cloud",
        "poe",
        "v0",
    }
)
_SUBSCRIPTION_MARKERS = ("coding-plan", "token-plan")
# Gateways that resell other providers' endpoints.
ROUTER_PROVIDERS = frozenset(
    {
        "302ai",
        "aihubmix",
        "cloudflare-ai-gateway",
        "fastrouter",
        "helicone",
        "huggingface",
        "kilo",
        "llmgateway",
        "nano-gpt",
        "opencode",
        "opencode-go",
        "openrouter",
        "orcarouter",
        "requesty",
        "routing-run",
        "vercel",
        "zenmux",
    }
)
# Sources whose open price row wins over models.dev's (see the module docstring).
PRICE_SOURCES_BEFORE_OURS = frozenset({OPENROUTER_SOURCE, GENAI_SOURCE})
_STATUSES = {"alpha": "preview", "beta": "preview", "deprecated": "deprecated"}
_NAME_TAILS = (" (latest)", " (free)", " (beta)", " (preview)")
_NINE_PLACES = Decimal("1e-9")
MAX_DISAGREEMENT_EXAMPLES = 20


@dataclass
class ModelsDevReport:
    """What one import read and changed; `changed` is False on a no-op re-run."""

    providers_read: int = 0
    offers_read: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    facts_written: int = 0
    prices_closed: int = 0
    price_disagreements: int = 0
    disagreement_examples: dict[str, str] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the run wrote anything to the catalog."""
        return bool(+self.created or +self.updated or self.facts_written or self.prices_closed)

    def summary(self) -> str:
        """One line for a terminal or a log."""
        read = f"{self.offers_read} offers from {self.providers_read} providers"
        rejected = sum(self.rejected.values())
        tail = f"; {rejected} rejected" if rejected else ""
        if self.price_disagreements:
            tail += f"; {self.price_disagreements} prices differ from another source's (kept)"
        if not self.changed:
            return f"models.dev: no changes ({read}){tail}; {self.seconds:.1f}s"
        created = ", ".join(f"{n} {what}" for what, n in sorted(self.created.items()) if n)
        updated = ", ".join(f"{n} {what}" for what, n in sorted(self.updated.items()) if n)
        parts = [f"created {created}" if created else "", f"updated {updated}" if updated else ""]
        if self.facts_written:
            parts.append(f"{self.facts_written} facts written")
        done = "; ".join(p for p in parts if p)
        return f"models.dev: {read}: {done}{tail}; {self.seconds:.1f}s"

    def counts(self) -> dict[str, Any]:
        """The figures as plain JSON for the RefreshRun row (/status lists `rejected` reasons)."""
        return {
            "providers_read": self.providers_read,
            "offers_read": self.offers_read,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "facts_written": self.facts_written,
            "prices_closed": self.prices_closed,
            "price_disagreements": self.price_disagreements,
            "price_disagreement_examples": dict(self.disagreement_examples),
            "skipped": dict(self.skipped),
            "rejected": dict(self.rejected),
        }


def catalog_provider_slug(provider_id: str) -> str:
    """The catalog's provider slug for a models.dev provider id."""
    return PROVIDER_SLUGS.get(provider_id, provider_id)


def sells_api_access(provider_id: str) -> bool:
    """False for subscriptions and local runtimes, whose offers never become endpoints."""
    return provider_id not in SUBSCRIPTION_PROVIDERS and not any(
        marker in provider_id for marker in _SUBSCRIPTION_MARKERS
    )


def import_models_dev(
    *,
    session: Session,
    catalog: ModelsDevCatalog,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> ModelsDevReport:
    """Bring the catalog in line with a parsed models.dev catalog. Flushes, never commits."""
    started = time.perf_counter()
    now = now or utcnow()
    report = ModelsDevReport(
        providers_read=len(catalog.providers),
        offers_read=catalog.offer_count,
        rejected=Counter(catalog.rejected),
    )
    run = RefreshRun(source=SOURCE_NAME, started_at=now, status="running")
    session.add(run)
    writer = _Writer(session=session, report=report, now=now)
    # Labs first, so their offers name the models they create; routers and
    # subscriptions last, since they only join models the others placed.
    providers = sorted(
        catalog.providers,
        key=lambda p: (not _may_create_models(p.id), not _is_lab_provider(p.id), p.id),
    )
    placed = writer.place_all(providers)
    session.flush()
    total = len(placed) + 1
    for done, (model, offers) in enumerate(placed.items(), start=1):
        writer.sync_model(model, offers)
        if progress is not None and (done % 100 == 0 or done == len(placed)):
            progress(done, total)
    writer.facts.flush()
    session.flush()
    if report.changed:
        refresh_rollups(session=session)
        bump(session)
    report.seconds = time.perf_counter() - started
    run.status = "ok"
    run.finished_at = utcnow()
    run.counts = report.counts()
    session.flush()
    if progress is not None:
        progress(total, total)
    return report


def _may_create_models(provider_id: str) -> bool:
    """Routers and subscriptions list many models nobody else serves (community fine-tunes,
    previews of their own); their offers join models others place but create none."""
    return sells_api_access(provider_id) and provider_id not in ROUTER_PROVIDERS


def _is_lab_provider(provider_id: str) -> bool:
    return catalog_provider_slug(provider_id) in FIRST_PARTY_PROVIDERS


@dataclass(frozen=True)
class _Placed:
    """An offer with the catalog provider it belongs to and whether it is the lab's own."""

    offer: Offer
    provider: ModelsDevProvider
    variant: str
    from_lab: bool


class _ModelLookup:
    """Finds the catalog model an offer names: by external id, then by author and id key.

    The keys are the spelling-insensitive `merge_key`s of `model_keys`, the
    same rule the genai-prices import groups by, over every stored model's
    slug and external ids, so an offer joins the model other sources made.
    """

    def __init__(self, session: Session, models: list[Model], authors: dict[int, str]) -> None:
        self.by_external: dict[tuple[str, str], Model] = {}
        self.by_key: dict[tuple[str, str], Model] = {}
        by_id = {m.id: m for m in models}
        for model in models:
            self.add_key(model, authors[model.author_id], model.slug.partition("/")[2])
        rows = session.execute(
            select(ExternalId.source, ExternalId.external_id, ExternalId.model_id)
        )
        for source, external_id, model_id in rows:
            model = by_id[model_id]
            self.by_external[(source, external_id)] = model
            provider = source.partition(":")[2] or source
            parsed = parse_model_ref(provider, external_id)
            self.add_key(model, authors[model.author_id], parsed.bare_id)

    def add_key(self, model: Model, author: str, bare_id: str) -> None:
        """Let `bare_id` of `author` find `model`, unless the key already names another."""
        self.by_key.setdefault((author, merge_key(bare_id).full), model)

    def find(
        self, external_ids: Iterable[tuple[str, str]], author: str, bare_id: str
    ) -> Model | None:
        for external_id in external_ids:
            if (model := self.by_external.get(external_id)) is not None:
                return model
        return self.by_key.get((author, merge_key(bare_id).full))


class _Writer:
    """Existing catalog rows, loaded once, and the writes that align them with models.dev."""

    def __init__(self, *, session: Session, report: ModelsDevReport, now: datetime) -> None:
        self.session = session
        self.report = report
        self.now = now
        self.authors = {a.slug: a for a in session.scalars(select(Author))}
        author_slugs = {a.id: a.slug for a in self.authors.values()}
        self.providers = {p.slug: p for p in session.scalars(select(Provider))}
        models = list(session.scalars(select(Model)))
        self.slugs = {m.slug for m in models}
        self.lookup = _ModelLookup(session, models, author_slugs)
        self.new_models: set[Model] = set()
        self.endpoints = {
            (e.model_id, e.provider_id, e.variant): e for e in session.scalars(select(Endpoint))
        }
        self.prices: dict[int, list[Price]] = defaultdict(list)
        for price in session.scalars(select(Price).where(Price.service_tier == "standard")):
            self.prices[price.endpoint_id].append(price)
        self.facts = FactBook(session)

    def place_all(self, providers: list[ModelsDevProvider]) -> dict[Model, list[_Placed]]:
        """Every offer on its model (created when missing), lab offers first."""
        placed: dict[Model, list[_Placed]] = defaultdict(list)
        for provider in providers:
            slug = catalog_provider_slug(provider.id)
            if sells_api_access(provider.id):
                self._provider(provider, slug)
            for offer in provider.offers:
                parsed = parse_model_ref(slug, offer.model_id)
                author = infer_author(
                    provider_id=slug, namespace=parsed.namespace, model_id=parsed.bare_id
                )
                external_ids = self._external_ids(provider.id, slug, offer.model_id)
                model = self.lookup.find(external_ids, author, parsed.bare_id)
                from_lab = FIRST_PARTY_PROVIDERS.get(slug) == author and not parsed.variant
                if model is None and not _may_create_models(provider.id):
                    self.report.skipped["offers of routers, subscriptions: no known model"] += 1
                    continue
                if model is None:
                    model = self._new_model(author, parsed.namespace, parsed.bare_id, offer)
                self.lookup.add_key(model, author, parsed.bare_id)
                own = (f"{SOURCE_NAME}:{provider.id}", offer.model_id)
                if own not in self.lookup.by_external:
                    self.session.add(_row_of(model, ExternalId, source=own[0], external_id=own[1]))
                    self.lookup.by_external[own] = model
                    self.report.created["external ids"] += 1
                placed[model].append(
                    _Placed(
                        offer=offer, provider=provider, variant=parsed.variant, from_lab=from_lab
                    )
                )
        return placed

    def _external_ids(self, provider_id: str, slug: str, model_id: str) -> list[tuple[str, str]]:
        """Ids under which other imports may already know this offer."""
        ids = [(f"{SOURCE_NAME}:{provider_id}", model_id), (f"{GENAI_SOURCE}:{slug}", model_id)]
        if provider_id == OPENROUTER_SOURCE:
            ids.append((OPENROUTER_SOURCE, model_id))
        return ids

    def _provider(self, provider: ModelsDevProvider, slug: str) -> Provider:
        existing = self.providers.get(slug)
        if existing is not None:
            return existing
        created = Provider(
            slug=slug,
            name=provider.name,
            kind="router" if provider.id in ROUTER_PROVIDERS else "inference",
            url=provider.url,
            api_base=provider.api_base,
        )
        self.session.add(created)
        self.providers[slug] = created
        self.report.created["providers"] += 1
        return created

    def _new_model(
        self, author_slug: str, namespace: str | None, bare_id: str, offer: Offer
    ) -> Model:
        author = self.authors.get(author_slug)
        if author is None:
            info = author_info(author_slug, namespace=namespace)
            author = Author(slug=author_slug, name=info.name, url=info.url)
            self.session.add(author)
            self.authors[author_slug] = author
            self.report.created["authors"] += 1
        slug = f"{author_slug}/{slug_part(bare_id)}"
        while slug in self.slugs:
            slug = f"{slug}-{slug_part(offer.provider_id)}"
        self.slugs.add(slug)
        model = Model(
            author=author,
            slug=slug,
            name=_clean_name(offer.name),
            status="unknown",
            recommended_for=[],
        )
        self.session.add(model)
        self.new_models.add(model)
        self.report.created["models"] += 1
        return model

    def sync_model(self, model: Model, offers: list[_Placed]) -> None:
        """Record the model's facts by source, derive its columns, then its endpoints."""
        lab = [p.offer for p in offers if p.from_lab]
        others = [p.offer for p in offers if not p.from_lab]
        written = self.facts.record(
            model.id, LAB_SOURCE, _facts(lab, from_lab=True), seen_at=self.now
        )
        written += self.facts.record(
            model.id, SOURCE_NAME, _facts(others, from_lab=False), seen_at=self.now
        )
        self.report.facts_written += written
        if self.facts.derive(model) and model not in self.new_models:
            self.report.updated["models"] += 1
        taken: set[tuple[int, str]] = set()
        for item in offers:
            if not sells_api_access(item.provider.id):
                self.report.skipped["offers of subscriptions"] += 1
                continue
            provider = self.providers[catalog_provider_slug(item.provider.id)]
            if (provider.id, item.variant) in taken:
                self.report.skipped["second offer for one endpoint"] += 1
                continue
            taken.add((provider.id, item.variant))
            endpoint = self._endpoint(model, provider, item)
            if item.offer.price is not None:
                self._price(endpoint, item)

    def _endpoint(self, model: Model, provider: Provider, item: _Placed) -> Endpoint:
        key = (model.id, provider.id, item.variant)
        endpoint = self.endpoints.get(key)
        if endpoint is None:
            endpoint = Endpoint(
                model_id=model.id,
                provider=provider,
                variant=item.variant,
                provider_model_id=item.offer.model_id,
                context_window=item.offer.context_window,
                max_output=item.offer.max_output,
                status="deprecated" if item.offer.status == "deprecated" else "active",
                supported_parameters=[],
            )
            self.session.add(endpoint)
            self.endpoints[key] = endpoint
            self.report.created["endpoints"] += 1
        return endpoint

    def _price(self, endpoint: Endpoint, item: _Placed) -> None:
        assert item.offer.price is not None
        values = _price_values(item.offer.price)
        rows = self.prices.get(endpoint.id, []) if endpoint.id is not None else []
        current = next((r for r in rows if r.effective_to is None), None)
        if current is not None and current.source != SOURCE_NAME:
            if (current.input, current.output) != (values.input, values.output):
                self.report.price_disagreements += 1
                if len(self.report.disagreement_examples) < MAX_DISAGREEMENT_EXAMPLES:
                    label = f"{item.provider.id}/{item.offer.model_id}"
                    self.report.disagreement_examples[label] = (
                        f"{current.source} {current.input}/{current.output} kept, "
                        f"models.dev {values.input}/{values.output}"
                    )
            return

        def new_row(start: datetime, until: datetime | None, price: PriceValues) -> Price:
            row = _row_of(
                endpoint,
                Price,
                service_tier="standard",
                effective_from=start,
                effective_to=until,
                source=SOURCE_NAME,
                **price.columns(),
            )
            self.session.add(row)
            return row

        changes = reconcile(
            rows=rows,
            periods=[PricePeriod(starts_on=None, values=values)],
            now=self.now,
            new_row=new_row,
        )
        self.report.created["prices"] += changes.created
        self.report.updated["prices corrected"] += changes.corrected
        self.report.updated["prices filled in"] += changes.filled
        self.report.prices_closed += changes.closed


def _row_of(parent: Model | Endpoint, table: type[R], **values: Any) -> R:
    """A new child row of a model or endpoint: by id when it has one, so that the
    parent's collection is not loaded (one query each) just to append to it."""
    name = "model" if isinstance(parent, Model) else "endpoint"
    if parent.id is not None:
        return table(**{f"{name}_id": parent.id}, **values)
    return table(**{name: parent}, **values)


def _facts(offers: list[Offer], *, from_lab: bool) -> dict[str, Any]:
    """What a set of offers states of their model, as model_facts fields (None: not stated)."""
    if not offers:
        return dict.fromkeys(_FACT_FIELDS)
    released = [o.released_on for o in offers if o.released_on is not None]
    windows = [o.context_window for o in offers if o.context_window]
    outputs = [o.max_output for o in offers if o.max_output]
    structured = [o.structured_outputs for o in offers if o.structured_outputs is not None]
    knowledge = Counter(o.knowledge_cutoff for o in offers if o.knowledge_cutoff)
    weights = Counter("open" if o.open_weights else "closed" for o in offers)
    names = Counter(_clean_name(o.name) for o in offers)
    inputs = frozenset().union(*(o.input_modalities for o in offers))
    outputs_modalities = frozenset().union(*(o.output_modalities for o in offers))
    return {
        "name": _most_common(names),
        "released_at": _most_common(Counter(released)),
        "weights": _most_common(weights),
        "context_window": max(windows, default=None),
        "max_output": max(outputs, default=None),
        "knowledge_cutoff": _most_common(knowledge),
        "reasoning": any(o.reasoning for o in offers),
        "tool_calling": any(o.tool_calling for o in offers),
        "structured_outputs": any(structured) if structured else None,
        "status": _status(offers[0]) if from_lab else None,
        "modalities": Modalities(input=inputs, output=outputs_modalities)
        if inputs and outputs_modalities
        else None,
    }


_FACT_FIELDS = (
    "name",
    "released_at",
    "weights",
    "context_window",
    "max_output",
    "knowledge_cutoff",
    "reasoning",
    "tool_calling",
    "structured_outputs",
    "status",
    "modalities",
)


def _status(offer: Offer) -> str:
    """The lab's own listing: active unless it says alpha/beta (preview) or deprecated."""
    return _STATUSES.get(offer.status or "", "active")


def _most_common(counts: Counter[T]) -> T | None:
    """The most frequent value; ties go to the smallest, so the choice never depends on order."""
    if not counts:
        return None
    top = max(counts.values())
    return min(value for value, n in counts.items() if n == top)


def _clean_name(name: str) -> str:
    for tail in _NAME_TAILS:
        name = name.removesuffix(tail)
    return name.strip()


def _price_values(price: OfferPrice) -> PriceValues:
    def exact(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(_NINE_PLACES).normalize()

    return PriceValues(
        input=exact(price.input),
        output=exact(price.output),
        cache_read=exact(price.cache_read),
        cache_write=exact(price.cache_write),
        reasoning=exact(price.reasoning),
        long_context_threshold=price.long_context_threshold,
        long_context_input=exact(price.long_context_input),
        long_context_output=exact(price.long_context_output),
        long_context_cache_read=exact(price.long_context_cache_read),
        long_context_cache_write=exact(price.long_context_cache_write),
    )
