"""Everything the model page shows, loaded in a fixed number of queries.

The page is the product's most visited view, and a popular model can have
dozens of endpoints; so the loader issues the same handful of statements
whatever the provider count and hands templates plain frozen dataclasses.
Templates can then neither trigger lazy loads nor see an ORM object.

Capabilities such as tool calling are derived here from the endpoints'
supported parameters, once, so the providers table and the integrations
section cannot disagree. Whether a row's figures are stale is decided here
too, by `services.freshness`, so the page and /status agree on it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, joinedload, raiseload, selectinload

from app.db import utcnow
from app.models import (
    Author,
    BenchmarkScore,
    Endpoint,
    MetricSample,
    Model,
    PopularitySignal,
    Price,
)
from app.services.freshness import Freshness, last_success_query
from app.services.metric_history import EndpointHistory, empty_history, load_metric_history
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

# The key format a provider's users recognise in a snippet; others get a generic placeholder.
API_KEY_PLACEHOLDERS = {"openrouter": "sk-or-..."}
GENERIC_API_KEY_PLACEHOLDER = "YOUR_API_KEY"


@dataclass(frozen=True)
class EndpointRow:
    """One provider's offer of the model, as a row of the providers table."""

    provider_slug: str
    provider_name: str
    variant: str
    is_router: bool
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

    @property
    def label(self) -> str:
        """Provider name, with the variant when the provider offers several."""
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name


@dataclass(frozen=True)
class CheapestPrices:
    """The lowest current standard-tier price per token kind across inference providers.

    Each figure is its own minimum: input and output may come from different
    providers. Routers' resale prices count only when no inference provider is known.
    """

    input: Decimal | None
    output: Decimal | None
    cache_read: Decimal | None
    cache_write: Decimal | None
    reasoning: Decimal | None


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
class Score:
    """One benchmark result with its source."""

    benchmark: str
    score: Decimal
    source: str
    measured_on: date | None


@dataclass(frozen=True)
class ModelPage:
    """The model page's content; missing values are None and render as "not known"."""

    slug: str
    name: str
    status: str
    author_slug: str
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
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    recommended_for: tuple[str, ...]
    providers: tuple[EndpointRow, ...]
    routers: tuple[EndpointRow, ...]
    cheapest: CheapestPrices
    snippets: tuple[Snippet, ...]
    measurement: Measurement | None
    freshness: Freshness
    popularity: Popularity | None
    scores: tuple[Score, ...]

    @property
    def model_slug(self) -> str:
        """The model's part of the slug, as it appears in the page's URL."""
        return self.slug.removeprefix(f"{self.author_slug}/")

    @property
    def provider_count(self) -> int:
        """Distinct inference providers (routers resell them and are not counted)."""
        return len({row.provider_slug for row in self.providers})

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


def load_model_page(
    *,
    session: Session,
    author_slug: str,
    model_slug: str,
    stale_after: timedelta,
    now: datetime | None = None,
) -> ModelPage | None:
    """The page for `/models/{author_slug}/{model_slug}`, or None when there is no such model.

    Six statements whatever the number of endpoints: model with author,
    popularity and the time of the last successful metrics refresh;
    modalities; endpoints with provider and current price; their hourly
    history over the week; benchmark scores; and the latest measurement's
    provenance. `stale_after` is the age past which figures are marked stale
    (see `services.freshness`).
    """
    now = now or utcnow()
    found = session.execute(
        select(Model, PopularitySignal, last_success_query().scalar_subquery())
        .join(Model.author)
        .outerjoin(
            PopularitySignal,
            and_(PopularitySignal.model_id == Model.id, PopularitySignal.source == HUGGING_FACE),
        )
        .where(Author.slug == author_slug, Model.slug == f"{author_slug}/{model_slug}")
        .options(joinedload(Model.author), selectinload(Model.modalities), raiseload("*"))
    ).first()
    if found is None:
        return None
    model, signal, last_success_at = found
    freshness = Freshness(now=now, threshold=stale_after, last_success_at=last_success_at)
    rows = sorted(
        _endpoint_rows(session=session, model_id=model.id, freshness=freshness),
        key=_by_throughput,
    )
    providers = tuple(row for row in rows if not row.is_router)
    routers = tuple(row for row in rows if row.is_router)
    return ModelPage(
        slug=model.slug,
        name=model.name,
        status=model.status,
        author_slug=model.author.slug,
        author_name=model.author.name,
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
        input_modalities=tuple(model.modality_list("input")),
        output_modalities=tuple(model.modality_list("output")),
        recommended_for=tuple(model.recommended_for or ()),
        providers=providers,
        routers=routers,
        cheapest=_cheapest(providers or routers),
        snippets=_snippets(routers=routers, providers=providers),
        measurement=_latest_measurement(session=session, model_id=model.id),
        freshness=freshness,
        popularity=_popularity(signal, hf_repo_id=model.hf_repo_id),
        scores=_scores(session=session, model_id=model.id),
    )


def _endpoint_rows(*, session: Session, model_id: int, freshness: Freshness) -> list[EndpointRow]:
    """Every endpoint of the model with its provider, current standard-tier price and history."""
    results = session.execute(
        select(Endpoint, Price)
        .outerjoin(Price, Price.current_standard_of(Endpoint.id))
        .where(Endpoint.model_id == model_id)
        .options(joinedload(Endpoint.provider), raiseload("*"))
    ).all()
    histories = load_metric_history(session=session, model_id=model_id, now=freshness.now)
    no_history = empty_history(freshness.now)
    return [
        _endpoint_row(
            endpoint,
            price,
            stale=freshness.is_stale(endpoint.measured_at),
            history=histories.get(endpoint.id, no_history),
        )
        for endpoint, price in results
    ]


def _endpoint_row(
    endpoint: Endpoint, price: Price | None, *, stale: bool, history: EndpointHistory
) -> EndpointRow:
    provider = endpoint.provider
    return EndpointRow(
        provider_slug=provider.slug,
        provider_name=provider.name,
        variant=endpoint.variant,
        is_router=provider.kind == "router",
        api_base=provider.api_base,
        provider_model_id=endpoint.provider_model_id,
        throughput_p50=endpoint.throughput_p50,
        throughput_p90=endpoint.throughput_p90,
        ttft_p50_ms=endpoint.ttft_p50_ms,
        ttft_p90_ms=endpoint.ttft_p90_ms,
        uptime_pct=endpoint.uptime_pct,
        measured_at=endpoint.measured_at,
        stale=stale,
        history=history,
        input_price=price.input if price else None,
        output_price=price.output if price else None,
        cache_read_price=price.cache_read if price else None,
        cache_write_price=price.cache_write if price else None,
        reasoning_price=price.reasoning if price else None,
        context_window=endpoint.context_window,
        quantization=endpoint.quantization,
        features=features_of(endpoint.supported_parameters or ()),
    )


def features_of(supported_parameters: Iterable[str]) -> tuple[str, ...]:
    """The features ("tools", "json", "reasoning") that a list of supported parameters reveals."""
    parameters = set(supported_parameters)
    return tuple(feature for feature, names in FEATURE_PARAMETERS.items() if parameters & names)


def _by_throughput(row: EndpointRow) -> tuple[bool, Decimal, str]:
    """Fastest first, unmeasured last, ties by name so the order is stable."""
    unmeasured = row.throughput_p50 is None
    return (unmeasured, -(row.throughput_p50 or Decimal(0)), row.label.casefold())


def _cheapest(rows: Sequence[EndpointRow]) -> CheapestPrices:
    def lowest(values: Iterable[Decimal | None]) -> Decimal | None:
        known = [value for value in values if value is not None]
        return min(known) if known else None

    return CheapestPrices(
        input=lowest(row.input_price for row in rows),
        output=lowest(row.output_price for row in rows),
        cache_read=lowest(row.cache_read_price for row in rows),
        cache_write=lowest(row.cache_write_price for row in rows),
        reasoning=lowest(row.reasoning_price for row in rows),
    )


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


def _latest_measurement(*, session: Session, model_id: int) -> Measurement | None:
    """Source, window and time of the model's most recent metric sample."""
    latest = session.execute(
        select(MetricSample.source, MetricSample.window, MetricSample.measured_at)
        .join(Endpoint, Endpoint.id == MetricSample.endpoint_id)
        .where(Endpoint.model_id == model_id)
        .order_by(MetricSample.measured_at.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    return Measurement(
        source=SOURCE_NAMES.get(latest.source, latest.source),
        window=latest.window,
        measured_at=latest.measured_at,
    )


def _popularity(signal: PopularitySignal | None, *, hf_repo_id: str | None) -> Popularity | None:
    """The Hugging Face figures, linked to the repository they were read from."""
    if signal is None:
        return None
    return Popularity(
        source=SOURCE_NAMES[HUGGING_FACE],
        url=f"{HUGGING_FACE_URL}/{hf_repo_id}" if hf_repo_id else None,
        downloads=signal.downloads,
        likes=signal.likes,
        measured_at=signal.measured_at,
    )


def _scores(*, session: Session, model_id: int) -> tuple[Score, ...]:
    scores = session.scalars(
        select(BenchmarkScore)
        .where(BenchmarkScore.model_id == model_id)
        .order_by(BenchmarkScore.benchmark, BenchmarkScore.source)
    )
    return tuple(
        Score(
            benchmark=score.benchmark,
            score=score.score,
            source=score.source,
            measured_on=score.measured_on,
        )
        for score in scores
    )
