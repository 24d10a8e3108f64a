"""Everything the model page shows, loaded in a fixed number of queries.

The page is the product's most visited view, and a popular model can have
dozens of endpoints; so the loader issues the same handful of statements
whatever the provider count and hands templates plain frozen dataclasses.
Templates can then neither trigger lazy loads nor see an ORM object.

Capabilities such as tool calling are derived here from the endpoints'
supported parameters, once, so the providers table and the integrations
section cannot disagree. Whether a row's figures are stale is decided here
too, by `services.metrics.freshness`, so the page and /status agree on it.

What the page shows from stored content alone (the model, its endpoints and prices,
its scores: catalog data, none of the community's) is remembered by the request's
snapshot under the catalog version (see `services.publishing.snapshot`), which ratings and
comments do not move; what depends on the clock (which figures are stale, the charts'
window) is worked out on every request. A page the page cache cannot serve then costs
one small statement (the versions and the time of the last successful refresh, which
is written without a bump) instead of four.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, FromClause, Label, Text, and_, bindparam, cast, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.execute_core import execute_core
from app.literal_limits import literal_count
from app.models import (
    Author,
    Endpoint,
    MetricSample,
    Model,
    PopularitySignal,
    Price,
    Provider,
)
from app.named_rows import NamedRow, named_rows
from app.services.catalog.modalities import modalities_of, split_modalities
from app.services.metrics.freshness import Freshness, last_success_query
from app.services.metrics.metric_history_reader import (
    EndpointHistory,
    empty_history,
    remembered_history,
)
from app.services.model_page.model_facts import FieldFacts, facts_of
from app.services.model_page.model_status import shown_status
from app.services.model_page.model_summary import SummaryFacts, compose_summary
from app.services.model_page.quality_scores import PriceVsQuality, load_price_vs_quality
from app.services.pricing.headline_price import (
    API_SELLER,
    OUTLIER_NOTE,
    ROUTER,
    CheapestPrices,
    headline,
    quoted_prices,
)
from app.services.pricing.workload_cost import PRICE_SHEET_COLUMNS
from app.services.publishing.snapshot import Snapshot
from app.sources.huggingface import SOURCE_NAME as HUGGING_FACE

# OpenRouter-style supported parameters -> the feature they reveal, in display order.
FEATURE_PARAMETERS: dict[str, frozenset[str]] = {
    "tools": frozenset({"tools", "tool_choice"}),
    "json": frozenset({"response_format", "structured_outputs"}),
    "reasoning": frozenset({"reasoning", "include_reasoning"}),
}

# Display names of measurement sources; an unlisted source is shown as stored.
SOURCE_NAMES = {"openrouter": "OpenRouter", HUGGING_FACE: "Hugging Face"}
HUGGING_FACE_URL = "https://huggingface.co"

# How the page names the sources of a model's facts ("lab" is named by the lab's own name).
FACT_SOURCE_NAMES = {
    "curated": "Model Atlas (curated)",
    "models.dev": "models.dev",
    "openrouter": "OpenRouter",
    "genai-prices": "genai-prices",
    "inferred": "inferred from the model's id",
    "inferred:family": "inferred from its lab's practice for this model family",
    "inferred:hf-repo": "inferred: a Hugging Face inference provider serves its Hub repository",
    "inferred:dated-id": "inferred from the snapshot date in its id",
}

# The key format a provider's users recognise in a snippet; others get a generic placeholder.
API_KEY_PLACEHOLDERS = {"openrouter": "sk-or-..."}
GENERIC_API_KEY_PLACEHOLDER = "YOUR_API_KEY"

_T = TypeVar("_T")


@dataclass(frozen=True)
class EndpointRow:
    """One provider's offer of the model, as a row of the providers table."""

    provider_slug: str
    provider_name: str
    provider_kind: str
    variant: str
    api_base: str | None
    provider_model_id: str
    throughput_p50: Decimal | None
    throughput_p90: Decimal | None
    ttft_p50_ms: Decimal | None
    ttft_p90_ms: Decimal | None
    uptime_pct: Decimal | None
    measured_at: datetime | None
    stale: bool
    history: EndpointHistory
    input_price: Decimal | None
    output_price: Decimal | None
    cache_read_price: Decimal | None
    cache_write_price: Decimal | None
    reasoning_price: Decimal | None
    context_window: int | None
    quantization: str | None
    features: tuple[str, ...]
    far_below_lab_price: bool = False

    @property
    def is_router(self) -> bool:
        return self.provider_kind == ROUTER

    @property
    def price_note(self) -> str | None:
        """What the row says of its price when the price is not to be trusted as it stands."""
        return OUTLIER_NOTE if self.far_below_lab_price else None

    @property
    def label(self) -> str:
        """Provider name, with the variant when the provider offers several."""
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name


@dataclass(frozen=True)
class ProviderGroup:
    """One provider's offers of the model as one row: its plain offer and its variants.

    `main` is the offer whose figures fill the row (the plain offer when there
    is one, else the provider's fastest); `variants` are the others (free,
    extended context, regional or global endpoints, ...), shown inside the row,
    so a provider is counted and listed once however many variants it sells.
    """

    main: EndpointRow
    variants: tuple[EndpointRow, ...]

    @property
    def provider_slug(self) -> str:
        return self.main.provider_slug

    @property
    def provider_name(self) -> str:
        return self.main.provider_name

    @property
    def stale(self) -> bool:
        return self.main.stale


def group_by_provider(rows: Sequence[EndpointRow]) -> tuple[ProviderGroup, ...]:
    """Rows grouped by provider, in the order of each group's main row in `rows`."""
    by_provider: dict[str, list[EndpointRow]] = {}
    for row in rows:
        by_provider.setdefault(row.provider_slug, []).append(row)
    groups = []
    for offers in by_provider.values():
        main = next((row for row in offers if not row.variant), offers[0])
        groups.append(
            ProviderGroup(main=main, variants=tuple(row for row in offers if row is not main))
        )
    position = {id(row): index for index, row in enumerate(rows)}
    return tuple(sorted(groups, key=lambda group: position[id(group.main)]))


@dataclass(frozen=True)
class Snippet:
    """What a quick-start example needs to call the model at one provider."""

    provider_slug: str
    provider_name: str
    base_url: str
    model_id: str
    api_key_placeholder: str


@dataclass(frozen=True)
class Measurement:
    """Where the performance figures come from and when they were last measured."""

    source: str
    window: str | None
    measured_at: datetime


@dataclass(frozen=True)
class Popularity:
    """A model's latest adoption figures at a community source, with where to check them."""

    source: str
    url: str | None
    downloads: int | None
    likes: int | None
    measured_at: datetime


@dataclass(frozen=True)
class FactSource:
    """Which source a fact shown on the page comes from, and what the others say.

    `values` lists every source's value (source name, value), the shown one
    first; `disagreement` is True when they differ materially (see
    `services.model_page.model_facts.disagree`), and the page then says so.
    """

    source: str
    seen_at: datetime
    values: tuple[tuple[str, Any], ...]
    disagreement: bool


@dataclass(frozen=True)
class ModelSummary:
    """Who a model is and what it takes: all the calculator's HTMX fragment needs of it."""

    id: int
    slug: str
    name: str
    author_slug: str
    input_modalities: tuple[str, ...]

    @property
    def model_slug(self) -> str:
        """The model's part of the slug, as it appears in the page's URL."""
        return self.slug.removeprefix(f"{self.author_slug}/")


@dataclass(frozen=True)
class ModelPage(ModelSummary):
    """The model page's content; missing values are None and render as "not known"."""

    status: str
    author_name: str
    summary: str | None
    description: str | None
    released_at: date | None
    api_available_at: date | None
    weights: str | None
    license: str | None
    hf_repo_id: str | None
    knowledge_cutoff: str | None
    context_window: int | None
    max_output: int | None
    # Capabilities as sources state them: None is "not known", never "not supported".
    reasoning: bool | None
    tool_calling: bool | None
    structured_outputs: bool | None
    deprecates_at: date | None
    output_modalities: tuple[str, ...]
    recommended_for: tuple[str, ...]
    # Field (as in `model_facts.SHOWN_FIELDS`) -> where the shown value comes from.
    sources: Mapping[str, FactSource]
    providers: tuple[EndpointRow, ...]
    routers: tuple[EndpointRow, ...]
    cheapest: CheapestPrices
    snippets: tuple[Snippet, ...]
    measurement: Measurement | None
    freshness: Freshness
    popularity: Popularity | None
    price_vs_quality: PriceVsQuality
    # The endpoint rows as read, in id order, with every current standard and batch price
    # column: the offers the cost calculator prices (`calculator.page_subject`), so a page
    # reads its model's offers once.
    offer_rows: tuple[NamedRow, ...]

    @property
    def provider_count(self) -> int:
        """Providers that sell API access (routers resell them and are not counted): as
        many as the providers table has rows, and as the catalog counts."""
        return len(self.provider_groups)

    @property
    def provider_groups(self) -> tuple[ProviderGroup, ...]:
        """The providers table's rows: one per provider, its variants inside."""
        return group_by_provider(self.providers)

    @property
    def router_groups(self) -> tuple[ProviderGroup, ...]:
        """The routers, one entry each with its variants inside."""
        return group_by_provider(self.routers)

    @property
    def shown_status(self) -> str:
        """The status to show: "active" only when a source states it (`model_status`)."""
        return shown_status(self.status, stated="status" in self.sources)

    @property
    def composed_summary(self) -> str | None:
        """The sentence Model Atlas composes from the facts on the page (`model_summary`),
        shown where no source describes the model, and marked as composed."""
        return compose_summary(
            SummaryFacts(
                author_name=self.author_name,
                weights=self.weights,
                reasoning=self.reasoning,
                released_at=self.released_at or self.api_available_at,
                context_window=self.context_window,
                provider_count=self.provider_count,
            )
        )

    @property
    def unknown_facts(self) -> tuple[str, ...]:
        """The facts this page shows as "not known", each once however many places show it.

        The same conditions the template writes "not known" on (`models/page.html` and its
        parts), so the coverage report counts what a reader sees. Measurements and
        popularity are figures measured by a refresh, not facts of the model, and are left out.
        """
        shown = {
            "release date": self.released_at or self.api_available_at,
            "weights": self.weights,
            "context window": self.context_window,
            "overview": self.description or self.composed_summary,
            "input price": self.cheapest.input,
            "output price": self.cheapest.output,
            "input modalities": self.input_modalities,
            "output modalities": self.output_modalities,
            "tool calling": self.support_of("tools"),
            "structured outputs": self.support_of("json"),
            "reasoning": self.support_of("reasoning"),
        }
        if self.weights == "open":
            shown["license"] = self.license
        return tuple(label for label, value in shown.items() if value is None or value == ())

    def source_of(self, field: str) -> FactSource | None:
        """Where the shown value of `field` comes from; None when no source is recorded."""
        return self.sources.get(field)

    def support_of(self, feature: str) -> bool | None:
        """Whether the model supports a feature ("tools", "json", "reasoning").

        True when a source states it or an endpoint takes its parameters,
        False only when a source states it does not, None ("not known") else:
        a provider listing no such parameter is not a source saying no.
        """
        stated = {
            "tools": self.tool_calling,
            "json": self.structured_outputs,
            "reasoning": self.reasoning,
        }[feature]
        if stated or self.providers_supporting(feature):
            return True
        return stated

    def providers_supporting(self, feature: str) -> tuple[str, ...]:
        """Names of providers and routers whose endpoint supports a feature, in table order."""
        names = (row.label for row in (*self.providers, *self.routers) if feature in row.features)
        return tuple(dict.fromkeys(names))

    def snippet_for(self, provider_slug: str | None) -> Snippet | None:
        """The chosen provider's snippet, or the default (the first) when none or unknown."""
        by_slug = {snippet.provider_slug: snippet for snippet in self.snippets}
        if provider_slug in by_slug:
            return by_slug[provider_slug]
        return self.snippets[0] if self.snippets else None


def load_model_summary(
    *, session: Session, author_slug: str, model_slug: str
) -> ModelSummary | None:
    """The model at `/models/{author_slug}/{model_slug}` in one statement, or None."""
    model = session.execute(
        _SUMMARY_QUERY, {"author_slug": author_slug, "slug": f"{author_slug}/{model_slug}"}
    ).first()
    if model is None:
        return None
    return ModelSummary(
        id=model.id,
        slug=model.slug,
        name=model.name,
        author_slug=author_slug,
        input_modalities=split_modalities(model.modalities)["input"],
    )


def load_model_page(
    *,
    session: Session,
    author_slug: str,
    model_slug: str,
    stale_after: timedelta,
    now: datetime | None = None,
    snapshot: Snapshot | None = None,
    benchmark: str | None = None,
) -> ModelPage | None:
    """The page for `/models/{author_slug}/{model_slug}`, or None when there is no such model.

    First the time of the last successful metrics refresh (with the content versions,
    in one statement). Then, remembered by `snapshot` (when given) under the catalog
    version, since none of it is community data: the model with its author,
    modalities and popularity; its endpoints with provider, current price and latest
    sample; its facts by source (`services.model_page.model_facts.facts_of`); their hourly
    history over the week (see `metric_history.remembered_history`); and its benchmark
    scores with the price-vs-quality chart of `benchmark` (see
    `services.model_page.quality_scores`): one statement each, whatever the number of endpoints.
    `stale_after` is the age past which figures are marked stale (see
    `services.metrics.freshness`).
    """
    now = now or utcnow()
    snapshot = snapshot or Snapshot(session)
    current = snapshot.read(_CURRENT_QUERY)
    stored = snapshot.remember(
        ("model-page", author_slug, model_slug),
        lambda: _load_stored(session, author_slug, model_slug),
        catalog_only=True,
    )
    if stored is None:
        return None
    model, endpoints, facts = stored
    freshness = Freshness(now=now, threshold=stale_after, last_success_at=current.last_success_at)
    histories = remembered_history(
        snapshot=snapshot,
        model_id=model.id,
        endpoint_ids=tuple(endpoint.id for endpoint in endpoints),
        now=now,
    )
    rows = sorted(_endpoint_rows(endpoints, freshness, histories), key=_by_throughput)
    price = headline(rows, author_slug=model.author_slug)
    rows = [replace(row, far_below_lab_price=price.is_outlier(row)) for row in rows]
    providers = tuple(row for row in rows if row.provider_kind == API_SELLER)
    routers = tuple(row for row in rows if row.is_router)
    modalities = split_modalities(model.modalities)
    return ModelPage(
        id=model.id,
        slug=model.slug,
        name=model.name,
        status=model.status,
        author_slug=model.author_slug,
        author_name=model.author_name,
        summary=model.summary,
        description=model.description,
        released_at=model.released_at,
        api_available_at=model.api_available_at,
        weights=model.weights,
        license=model.license,
        hf_repo_id=model.hf_repo_id,
        knowledge_cutoff=model.knowledge_cutoff,
        context_window=model.context_window,
        max_output=model.max_output,
        reasoning=model.reasoning,
        tool_calling=model.tool_calling,
        structured_outputs=model.structured_outputs,
        deprecates_at=model.deprecates_at,
        sources=_fact_sources(facts, lab_name=model.author_name),
        input_modalities=modalities["input"],
        output_modalities=modalities["output"],
        recommended_for=tuple(model.recommended_for or ()),
        providers=providers,
        routers=routers,
        cheapest=quoted_prices(price),
        snippets=_snippets(routers=routers, providers=providers),
        measurement=_latest_measurement(endpoints),
        freshness=freshness,
        popularity=_popularity(model),
        price_vs_quality=snapshot.remember(
            ("price-vs-quality", model.id, benchmark),
            lambda: load_price_vs_quality(
                session=session, model_id=model.id, model_slug=model.slug, benchmark=benchmark
            ),
            catalog_only=True,
        ),
        offer_rows=endpoints,
    )


def _load_stored(
    session: Session, author_slug: str, model_slug: str
) -> tuple[NamedRow, tuple[NamedRow, ...], Mapping[str, FieldFacts]] | None:
    """The model's row, its endpoints' rows and its facts by source: three statements, or
    None when there is no such model.

    Rows as stored, with no clock in them, so they can be remembered per catalog version.
    """
    found = named_rows(
        execute_core(
            session,
            _MODEL_QUERY,
            {"author_slug": author_slug, "slug": f"{author_slug}/{model_slug}"},
        )
    )
    if not found:
        return None
    model = found[0]
    endpoints = tuple(named_rows(execute_core(session, _ENDPOINTS_QUERY, {"model_id": model.id})))
    return model, endpoints, facts_of(session, [model.id]).get(model.id, {})


# The statements are built once, here, with bound parameters: building one
# as deep as the endpoints query costs more than running it. They select
# table columns (`__table__.c`), which SQLAlchemy runs as Core statements,
# skipping the ORM's result machinery, a large part of each statement's cost.
_model = Model.__table__.c
_author = Author.__table__.c
_popularity_signal = PopularitySignal.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c
_price = Price.__table__.c
_sample = MetricSample.__table__.c

_MODALITIES = modalities_of(_model.id).label("modalities")
# An endpoint's supported parameters as the JSON text stored, for `features_of_json`.
SUPPORTED_PARAMETERS_TEXT = cast(_endpoint.supported_parameters, Text).label("supported_parameters")
_THIS_MODEL = (_author.slug == bindparam("author_slug"), _model.slug == bindparam("slug"))

_SUMMARY_QUERY = (
    select(_model.id, _model.slug, _model.name, _MODALITIES)
    .join_from(Model.__table__, Author.__table__, _author.id == _model.author_id)
    .where(*_THIS_MODEL)
)

# What the page needs of the database on every request; read first, with the versions
# that key what the snapshot remembers. Run on the session's connection: the last
# refresh's time is an ORM statement (`services.metrics.freshness`), and the ORM's
# result machinery cost more than the statement itself.
_CURRENT_QUERY = select(last_success_query().scalar_subquery().label("last_success_at"))

_MODEL_QUERY = (
    select(
        _model.id,
        _model.slug,
        _model.name,
        _model.status,
        _model.summary,
        _model.description,
        _model.released_at,
        _model.api_available_at,
        _model.weights,
        _model.license,
        _model.hf_repo_id,
        _model.knowledge_cutoff,
        _model.context_window,
        _model.max_output,
        _model.reasoning,
        _model.tool_calling,
        _model.structured_outputs,
        _model.deprecates_at,
        _model.recommended_for,
        _author.slug.label("author_slug"),
        _author.name.label("author_name"),
        _MODALITIES,
        _popularity_signal.id.label("popularity_id"),
        _popularity_signal.downloads,
        _popularity_signal.likes,
        _popularity_signal.measured_at.label("popularity_measured_at"),
    )
    .join_from(Model.__table__, Author.__table__, _author.id == _model.author_id)
    .outerjoin(
        PopularitySignal.__table__,
        and_(
            _popularity_signal.model_id == _model.id,
            _popularity_signal.source == HUGGING_FACE,
        ),
    )
    .where(*_THIS_MODEL)
)


def _latest_sample(column: ColumnElement[_T]) -> Label[_T]:
    """`column` of the endpoint's newest metric sample (one probe of its time index)."""
    return (
        select(column)
        .where(_sample.endpoint_id == _endpoint.id)
        .order_by(_sample.measured_at.desc())
        .limit(literal_count(1))
        .scalar_subquery()
        .label(f"sample_{column.name}")
    )


def _sheet_columns(prices: FromClause, prefix: str) -> tuple[Label[Any], ...]:
    """A current price row's tier and its `PRICE_SHEET_COLUMNS`, labelled `prefix_...`."""
    return (
        prices.c.service_tier.label(f"{prefix}_tier"),
        *(prices.c[name].label(f"{prefix}_{name}") for name in PRICE_SHEET_COLUMNS),
    )


_batch_price = Price.__table__.alias("batch_prices")
# The model's endpoints (in id order) with provider, newest sample and current standard
# and batch price rows: the page shows the standard price, the calculator prices both.
_ENDPOINTS_QUERY = (
    select(
        _endpoint.id,
        _endpoint.variant,
        _endpoint.provider_model_id,
        _endpoint.throughput_p50,
        _endpoint.throughput_p90,
        _endpoint.ttft_p50_ms,
        _endpoint.ttft_p90_ms,
        _endpoint.uptime_pct,
        _endpoint.measured_at,
        _endpoint.context_window,
        _endpoint.quantization,
        SUPPORTED_PARAMETERS_TEXT,
        _provider.slug.label("provider_slug"),
        _provider.name.label("provider_name"),
        _provider.kind.label("provider_kind"),
        _provider.api_base,
        _latest_sample(_sample.measured_at),
        _latest_sample(_sample.source),
        _latest_sample(_sample.window),
        *_sheet_columns(Price.__table__, "standard"),
        *_sheet_columns(_batch_price, "batch"),
    )
    .join_from(Endpoint.__table__, Provider.__table__, _provider.id == _endpoint.provider_id)
    .outerjoin(Price.__table__, Price.current_standard_of(_endpoint.id))
    .outerjoin(
        _batch_price,
        and_(
            _batch_price.c.endpoint_id == _endpoint.id,
            _batch_price.c.effective_to.is_(None),
            _batch_price.c.service_tier == "batch",
        ),
    )
    .where(_endpoint.model_id == bindparam("model_id"), Endpoint.on_sale(_endpoint.status))
    .order_by(_endpoint.id)
)
_ENDPOINT_COLUMNS = list(_ENDPOINTS_QUERY.selected_columns.keys())
# Where each current price row sits in an endpoint row: its tier (None: no such row), then
# its `PRICE_SHEET_COLUMNS`, as `calculator.page_subject` makes the page's offers from them.
STANDARD_SHEET = slice(
    _ENDPOINT_COLUMNS.index("standard_tier"),
    _ENDPOINT_COLUMNS.index("standard_tier") + 1 + len(PRICE_SHEET_COLUMNS),
)
BATCH_SHEET = slice(
    _ENDPOINT_COLUMNS.index("batch_tier"),
    _ENDPOINT_COLUMNS.index("batch_tier") + 1 + len(PRICE_SHEET_COLUMNS),
)


def _endpoint_rows(
    endpoints: Iterable[NamedRow],
    freshness: Freshness,
    histories: Mapping[int, EndpointHistory],
) -> list[EndpointRow]:
    """Every endpoint of the model as a table row, with its week of hourly history."""
    no_history = empty_history(freshness.now)
    return [
        EndpointRow(
            provider_slug=endpoint.provider_slug,
            provider_name=endpoint.provider_name,
            provider_kind=endpoint.provider_kind,
            variant=endpoint.variant,
            api_base=endpoint.api_base,
            provider_model_id=endpoint.provider_model_id,
            throughput_p50=endpoint.throughput_p50,
            throughput_p90=endpoint.throughput_p90,
            ttft_p50_ms=endpoint.ttft_p50_ms,
            ttft_p90_ms=endpoint.ttft_p90_ms,
            uptime_pct=endpoint.uptime_pct,
            measured_at=endpoint.measured_at,
            stale=freshness.is_stale(endpoint.measured_at),
            history=histories.get(endpoint.id, no_history),
            input_price=endpoint.standard_input,
            output_price=endpoint.standard_output,
            cache_read_price=endpoint.standard_cache_read,
            cache_write_price=endpoint.standard_cache_write,
            reasoning_price=endpoint.standard_reasoning,
            context_window=endpoint.context_window,
            quantization=endpoint.quantization,
            features=features_of_json(endpoint.supported_parameters),
        )
        for endpoint in endpoints
    ]


@lru_cache(maxsize=1024)
def features_of_json(supported_parameters: str | None) -> tuple[str, ...]:
    """`features_of` a list of supported parameters stored as JSON text (as the statements
    here read them: `SUPPORTED_PARAMETERS_TEXT`).

    Providers list the same few parameter sets again and again: each is decoded once.
    """
    return features_of(json.loads(supported_parameters)) if supported_parameters else ()


def features_of(supported_parameters: Iterable[str]) -> tuple[str, ...]:
    """The features ("tools", "json", "reasoning") that a list of supported parameters reveals."""
    parameters = set(supported_parameters)
    return tuple(feature for feature, names in FEATURE_PARAMETERS.items() if parameters & names)


def _by_throughput(row: EndpointRow) -> tuple[bool, Decimal, str]:
    """Fastest first, unmeasured last, ties by name so the order is stable."""
    unmeasured = row.throughput_p50 is None
    return (unmeasured, -(row.throughput_p50 or Decimal(0)), row.label.casefold())


def _snippets(
    *, routers: Sequence[EndpointRow], providers: Sequence[EndpointRow]
) -> tuple[Snippet, ...]:
    """One snippet per provider with a known API base, routers first.

    A router comes first because one key there reaches every model, which
    makes it the most useful default to copy; then providers in table order.
    A provider's plain offer is preferred to its variants.
    """
    chosen: dict[str, Snippet] = {}
    for row in (*routers, *providers):
        if row.api_base is None or (row.provider_slug in chosen and row.variant):
            continue
        chosen[row.provider_slug] = Snippet(
            provider_slug=row.provider_slug,
            provider_name=row.provider_name,
            base_url=row.api_base,
            model_id=row.provider_model_id,
            api_key_placeholder=API_KEY_PLACEHOLDERS.get(
                row.provider_slug, GENERIC_API_KEY_PLACEHOLDER
            ),
        )
    return tuple(chosen.values())


def _latest_measurement(endpoints: Sequence[NamedRow]) -> Measurement | None:
    """Source, window and time of the newest metric sample of any of the endpoints."""
    sampled = [endpoint for endpoint in endpoints if endpoint.sample_measured_at is not None]
    if not sampled:
        return None
    latest = max(sampled, key=lambda endpoint: endpoint.sample_measured_at)
    return Measurement(
        source=SOURCE_NAMES.get(latest.sample_source, latest.sample_source),
        window=latest.sample_window,
        measured_at=latest.sample_measured_at,
    )


def _fact_sources(facts: Mapping[str, FieldFacts], *, lab_name: str) -> dict[str, FactSource]:
    """Each stated field's source as the page names it, with every source's value."""

    def name_of(source: str) -> str:
        return lab_name if source == "lab" else FACT_SOURCE_NAMES.get(source, source)

    return {
        field: FactSource(
            source=name_of(found.shown.source),
            seen_at=found.shown.seen_at,
            values=tuple((name_of(value.source), value.value) for value in found.values),
            disagreement=found.disagreement,
        )
        for field, found in facts.items()
    }


def _popularity(model: NamedRow) -> Popularity | None:
    """The Hugging Face figures, linked to the repository they were read from."""
    if model.popularity_id is None:
        return None
    return Popularity(
        source=SOURCE_NAMES[HUGGING_FACE],
        url=f"{HUGGING_FACE_URL}/{model.hf_repo_id}" if model.hf_repo_id else None,
        downloads=model.downloads,
        likes=model.likes,
        measured_at=model.popularity_measured_at,
    )
