"""Importing models.dev into the catalog: facts for every model, offers genai-prices lacks.

One run reads every provider and offer of a models.dev api.json
(`sources.models_dev`) and:

- places each offer on a catalog model through `CatalogWriter` (the resolver every
  source uses: its ids at the sources, then `find_model_for_offer`), creating the model
  (status "unknown" unless the lab states one) and its lab when none fits;
- records the facts the offers state through `services.model_page.model_facts`: the
  lab's own offer (models.dev's `openai` provider for an OpenAI model) as
  source "lab", all other offers together as source "models.dev" — the
  most common release date (resellers often give the date of their own
  listing), open weights when any offer says so (closed only when the lab's
  own offer does: resellers leave the flag false for open models), the largest context
  window and output but a lone figure far above every other offer's (`_largest_credible`), the
  tool calling and structured outputs any offer states, reasoning a third of them state,
  the modalities a quarter of them state — then derives the
  shown columns by precedence;
- records the retirements labs publish that models.dev lacks
  (`services.ingest.curated_facts`), as curated facts;
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

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow, without_trailing_zeros
from app.models import Endpoint, Model, Price, Provider, RefreshRun
from app.models.catalog import ENDPOINT_RETIRED
from app.services.catalog.author_aliases import FIRST_PARTY_PROVIDERS, infer_author
from app.services.catalog.catalog_writer import CatalogWriter, OfferPlace
from app.services.catalog.model_keys import ParsedRef, parse_model_ref
from app.services.catalog.model_redirects import merge_models
from app.services.catalog.model_resolver import alias_table, serving_suffix
from app.services.catalog.reattribution import reattribute_models
from app.services.catalog.withdrawn_aliases import release_withdrawn_aliases
from app.services.ingest.curated_facts import record_curated_facts
from app.services.ingest.import_changes import changes_clause
from app.services.ingest.inferred_facts import record_inferred_facts
from app.services.metrics.rollups import refresh_rollups
from app.services.model_page.model_facts import FactBook, Modalities
from app.services.pricing.price_rows_writer import reconcile
from app.services.publishing.change_events import record_changes, watched_state
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
# OpenRouter names a model after its lab ("Mistral: Mixtral 8x7B Instruct"), and resellers
# copy it; the page names the lab beside the model, so the prefix is left out.
_LAB_PREFIX = re.compile(r"^[^:\s][^:]{0,39}: (?=\S)")
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
        facts = [f"{self.facts_written} facts written"] if self.facts_written else []
        done = changes_clause(self.created, self.updated, facts)
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


def merge_respelled_models(*, session: Session) -> int:
    """Merge the models an earlier run made of ids the resolver now reads as a stored model.

    See `CatalogWriter.respelled_models`; returns how many were merged.
    """
    pairs = CatalogWriter(session=session).respelled_models(SOURCE_NAME, catalog_provider_slug)
    for old, canonical in pairs:
        merge_models(session=session, old=old, canonical=canonical)
    return len(pairs)


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
    watched_before = watched_state(session)
    report.updated["ids released by a withdrawn alias"] += release_withdrawn_aliases(
        session=session, now=now
    )
    report.updated["models merged"] += merge_respelled_models(session=session)
    if moved := reattribute_models(session=session, provider_slug=catalog_provider_slug):
        report.updated["models moved to their lab"] += moved
    writer = _Writer(session=session, report=report, now=now)
    # Labs first, so their offers name the models they create; routers and
    # subscriptions last, since they only join models the others placed.
    providers = sorted(
        catalog.providers,
        key=lambda p: (not _may_create_models(p.id), not _is_lab_provider(p.id), p.id),
    )
    writer.provider_rows(providers)
    placed = writer.place_all(providers)
    session.flush()
    total = len(placed) + 1
    for done, (model, offers) in enumerate(placed.items(), start=1):
        writer.sync_model(model, offers)
        if progress is not None and (done % 100 == 0 or done == len(placed)):
            progress(done, total)
    writer.facts.flush()
    writer.retire_unlisted(catalog)
    session.flush()
    report.facts_written += record_inferred_facts(session=session, book=writer.facts, seen_at=now)
    report.facts_written += record_curated_facts(session=session, seen_at=now)
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


def _may_create_models(provider_id: str) -> bool:
    """Routers and subscriptions list many models nobody else serves (community fine-tunes,
    previews of their own); their offers join models others place but create none."""
    return sells_api_access(provider_id) and provider_id not in ROUTER_PROVIDERS


def _is_lab_provider(provider_id: str) -> bool:
    return catalog_provider_slug(provider_id) in FIRST_PARTY_PROVIDERS


@dataclass(frozen=True)
class _Read:
    """An offer as the resolver reads its id: lab, bare id, variant, whether the lab's own."""

    offer: Offer
    provider: ModelsDevProvider
    slug: str
    parsed: ParsedRef
    author: str


@dataclass(frozen=True)
class _Placed:
    """An offer with the catalog provider it belongs to and whether it is the lab's own."""

    offer: Offer
    provider: ModelsDevProvider
    variant: str
    quantization: str | None
    from_lab: bool


class _Writer:
    """Existing catalog rows, loaded once, and the writes that align them with models.dev.

    Labs, providers, models and endpoints are found and created through
    `CatalogWriter`, and ids read by `model_resolver`, as every source does.
    """

    def __init__(self, *, session: Session, report: ModelsDevReport, now: datetime) -> None:
        self.session = session
        self.report = report
        self.now = now
        self.catalog = CatalogWriter(session=session, created=report.created)
        self.catalog.load_endpoints()
        self.new_models: set[Model] = set()
        self.provider_rows_by_id: dict[str, Provider] = {}
        self.listed: set[Endpoint] = set()
        self.prices: dict[int, list[Price]] = defaultdict(list)
        for price in session.scalars(select(Price).where(Price.service_tier == "standard")):
            self.prices[price.endpoint_id].append(price)
        self.facts = FactBook(session)

    def place_all(self, providers: list[ModelsDevProvider]) -> dict[Model, list[_Placed]]:
        """Every offer on its model (created when missing).

        Ids without a serving-variant suffix go first, so `x-fast` finds the
        model `x` even when the same run creates it.
        """
        read = [self._read(provider, offer) for provider in providers for offer in provider.offers]
        read.sort(key=lambda r: serving_suffix(r.parsed.bare_id) is not None)
        placed: dict[Model, list[_Placed]] = defaultdict(list)
        with self.session.no_autoflush:
            for item in read:
                self._place_one(item, placed)
        return placed

    def _place_one(self, item: _Read, placed: dict[Model, list[_Placed]]) -> None:
        """Place one offer. Linking an id loads a model's ids; without autoflush that is one
        small query, not a flush of every row this run has made so far."""
        place = self._place(item)
        if place is None:
            self.report.skipped["offers of routers, subscriptions: no known model"] += 1
            return
        own = (f"{SOURCE_NAME}:{item.provider.id}", item.offer.model_id)
        if self.catalog.link_external_id(place.model, *own):
            self.report.created["external ids"] += 1
        placed[place.model].append(
            _Placed(
                offer=item.offer,
                provider=item.provider,
                variant=place.variant,
                quantization=place.quantization,
                from_lab=_first_party(item) and not place.variant,
            )
        )

    def _read(self, provider: ModelsDevProvider, offer: Offer) -> _Read:
        slug = catalog_provider_slug(provider.id)
        parsed = parse_model_ref(slug, offer.model_id)
        author = infer_author(provider_id=slug, namespace=parsed.namespace, model_id=parsed.bare_id)
        return _Read(offer=offer, provider=provider, slug=slug, parsed=parsed, author=author)

    def _place(self, item: _Read) -> OfferPlace | None:
        """The model and variant an offer serves: by its ids at the sources, then as the
        resolver reads its id (`CatalogWriter.find_model_for_offer`), else a new model."""
        place = self.catalog.find_model_for_offer(item.slug, item.offer.model_id)
        for source, external_id in _external_ids(item):
            model = self.catalog.model_by_external_id(source, external_id)
            if model is not None and (place is None or place.model is not model):
                return OfferPlace(model=model, variant=item.parsed.variant, quantization=None)
            if model is not None:
                return place
        if place is not None or not _may_create_models(item.provider.id):
            return place
        model = self.catalog.new_model(
            author_slug=item.author,
            bare_id=alias_table().canonical_id(item.author, item.parsed.bare_id),
            name=_clean_name(item.offer.name),
            namespace=item.parsed.namespace,
            status="unknown",
        )
        self.new_models.add(model)
        return OfferPlace(model=model, variant=item.parsed.variant, quantization=None)

    def provider_rows(self, providers: list[ModelsDevProvider]) -> None:
        """Find or create every provider whose offers become endpoints."""
        for provider in providers:
            if sells_api_access(provider.id):
                self.provider_rows_by_id[provider.id] = self.catalog.provider(
                    catalog_provider_slug(provider.id),
                    name=provider.name,
                    kind="router" if provider.id in ROUTER_PROVIDERS else "inference",
                    url=provider.url,
                    api_base=provider.api_base,
                )

    def retire_unlisted(self, catalog: ModelsDevCatalog) -> None:
        """Retire the endpoints models.dev created and no longer lists (kept for history).

        An offer that was rejected this time, or whose provider was, is still
        listed as far as we know, so its endpoint stays.
        """
        unread = {catalog_provider_slug(p) for p in catalog.rejected_providers}
        rejected = {(catalog_provider_slug(p), m) for p, m in catalog.rejected_offers}
        for endpoint in self.catalog.endpoints.values():
            if (
                endpoint.created_by == SOURCE_NAME
                and endpoint.status != ENDPOINT_RETIRED
                and endpoint not in self.listed
                and endpoint.provider.slug not in unread
                and (endpoint.provider.slug, endpoint.provider_model_id) not in rejected
            ):
                endpoint.status = ENDPOINT_RETIRED
                endpoint.retired_at = self.now
                self.report.updated["endpoints retired"] += 1

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
            provider = self.provider_rows_by_id[item.provider.id]
            if (provider.id, item.variant) in taken:
                self.report.skipped["second offer for one endpoint"] += 1
                continue
            taken.add((provider.id, item.variant))
            endpoint = self._endpoint(model, provider, item)
            if item.offer.price is not None:
                self._price(endpoint, item)

    def _endpoint(self, model: Model, provider: Provider, item: _Placed) -> Endpoint:
        endpoint, created = self.catalog.endpoint(
            model=model,
            provider=provider,
            variant=item.variant,
            provider_model_id=item.offer.model_id,
            quantization=item.quantization,
            context_window=item.offer.context_window,
            max_output=item.offer.max_output,
            status="deprecated" if item.offer.status == "deprecated" else "active",
            supported_parameters=[],
            created_by=SOURCE_NAME,
        )
        self.listed.add(endpoint)
        if not created and endpoint.created_by == SOURCE_NAME and endpoint.retired_at:
            endpoint.status = "deprecated" if item.offer.status == "deprecated" else "active"
            endpoint.retired_at = None
            self.report.updated["endpoints listed again"] += 1
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

        # By id when the endpoint has one: through the relationship, SQLAlchemy would
        # load the endpoint's every price (a query each) just to append this row.
        owner = {"endpoint_id": endpoint.id} if endpoint.id is not None else {"endpoint": endpoint}

        def new_row(start: datetime, until: datetime | None, price: PriceValues) -> Price:
            row = Price(
                **owner,
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


def _first_party(item: _Read) -> bool:
    return FIRST_PARTY_PROVIDERS.get(item.slug) == item.author and not item.parsed.variant


def _external_ids(item: _Read) -> list[tuple[str, str]]:
    """Ids under which this or another import may already know this offer."""
    model_id = item.offer.model_id
    ids = [
        (f"{SOURCE_NAME}:{item.provider.id}", model_id),
        (f"{GENAI_SOURCE}:{item.slug}", model_id),
    ]
    if item.provider.id == OPENROUTER_SOURCE:
        ids.append((OPENROUTER_SOURCE, model_id))
    return ids


def _facts(offers: list[Offer], *, from_lab: bool) -> dict[str, Any]:
    """What a set of offers states of their model, as model_facts fields (None: not stated)."""
    if not offers:
        return dict.fromkeys(_FACT_FIELDS)
    released = _release_dates(offers)
    windows = [o.context_window for o in offers if o.context_window]
    outputs = [o.max_output for o in offers if o.max_output]
    structured = [o.structured_outputs for o in offers if o.structured_outputs is not None]
    knowledge = Counter(o.knowledge_cutoff for o in offers if o.knowledge_cutoff)
    names = Counter(_clean_name(o.name) for o in offers)
    inputs = _widely_stated([o.input_modalities for o in offers])
    outputs_modalities = _widely_stated([o.output_modalities for o in offers])
    return {
        "name": _most_common(names),
        "released_at": _most_common(Counter(released)),
        # `open_weights` is a required field resellers leave false for open models as
        # often as not (Qwen2.5, the R1 distills); only true, or the lab's false, is a claim.
        "weights": "open" if any(o.open_weights for o in offers) else _lab_says_closed(from_lab),
        "context_window": _largest_credible(windows),
        "max_output": _largest_credible(outputs),
        "knowledge_cutoff": _most_common(knowledge),
        "reasoning": _widely_claimed([o.reasoning for o in offers]),
        "tool_calling": any(o.tool_calling for o in offers),
        "structured_outputs": any(structured) if structured else None,
        "status": _status(offers[0]) if from_lab else None,
        "modalities": Modalities(input=inputs, output=outputs_modalities)
        if inputs and outputs_modalities
        else None,
    }


def _release_dates(offers: list[Offer]) -> list[date]:
    """The release dates the offers state, those to the day only when any offer gives one.

    A month alone (`2025-04`, read as its first day) is a coarser claim, often the month
    the model's family came out: six such offers outvoted Qwen3-Coder-30B's six 2025-07-31s
    and gave it April 1st.
    """
    stated = [(o.released_on, o.release_day_stated) for o in offers if o.released_on is not None]
    to_the_day = [day for day, exact in stated if exact]
    return to_the_day or [day for day, _ in stated]


# Below this many offers, every modality or claim one of them states counts (see
# `_widely_stated`, `_widely_claimed`).
FEW_OFFERS = 4


def _widely_claimed(claims: list[bool]) -> bool:
    """Whether at least a third of the offers claim it (any of them, below `FEW_OFFERS`).

    For reasoning, a property of the model, not of its host: a seller or two marked
    DeepSeek V3, Qwen3-235B-A22B-Instruct-2507, Kimi K2, Phi-4 and even Grok 4 Fast
    Non-Reasoning as reasoning models, and any one claim made it so. A quarter would
    still take one seller in four for Llama 3.1 405B and Ministral 3B.
    """
    if len(claims) < FEW_OFFERS:
        return any(claims)
    return sum(claims) * 3 >= len(claims)


def _widely_stated(modalities: list[frozenset[str]]) -> frozenset[str]:
    """The modalities at least a quarter of the offers state; all they state, below
    `FEW_OFFERS` offers or when none is that widely stated.

    Every offer lists what its own endpoint takes, so their union put one listing's error
    on the model: gpt-oss-120b and DeepSeek V3.2 "took images" on 2 of 43 and 2 of 33
    offers, GPT-3.5 Turbo and Mistral Nemo on one each, and GPT-5 "wrote images" on 1 of 23.
    """
    counts = Counter(modality for stated in modalities for modality in stated)
    if len(modalities) < FEW_OFFERS:
        return frozenset(counts)
    wide = frozenset(m for m, n in counts.items() if n * 4 >= len(modalities))
    return wide or frozenset(counts)


# A token limit one offer states, at least this many times every other offer's, is taken for a
# listing error when two or more other offers state one.
LONE_FIGURE_FACTOR = 4


def _largest_credible(limits: list[int]) -> int | None:
    """The largest token limit the offers state, leaving out a figure only one offer states
    when it is at least `LONE_FIGURE_FACTOR` times the next and two or more offers remain.

    Resellers cap a model below its full window, so the largest figure is the model's; but
    then one listing's error stood for the model: Qiniu's 20M-token window for Grok 4.1
    Fast, whose eight other sellers say 2M, or one host's 128K for Gemma 2 2B (8K) and
    Phi-4-reasoning (32K). A window really this far above every seller's is one to curate
    (Llama 4 Scout's 10M). Between two offers alone nothing says which one errs: the
    larger stands (Grok 4.20's 2M against Azure's 262K).
    """
    ordered = sorted(limits, reverse=True)
    while len(ordered) > 2 and ordered[0] >= LONE_FIGURE_FACTOR * ordered[1]:
        ordered.pop(0)
    return ordered[0] if ordered else None


def _lab_says_closed(from_lab: bool) -> str | None:
    """ "closed" from the lab's own offer, which knows; nothing from a reseller's false."""
    return "closed" if from_lab else None


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
    return _LAB_PREFIX.sub("", name.strip(), count=1)


def _price_values(price: OfferPrice) -> PriceValues:
    def exact(value: Decimal | None) -> Decimal | None:
        return None if value is None else without_trailing_zeros(value.quantize(_NINE_PLACES))

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
