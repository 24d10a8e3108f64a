"""A small hand-made catalog whose every figure is known, for catalog and directory tests.

Five models from two labs on three providers, chosen so that each filter and
each sort order gives a different, predictable answer (see SAMPLE_MODELS), and
with the awkward cases in it: unknown prices, context, dates and throughput;
a lowercase name; an endpoint with no price; a closed old price and a batch
price that must not count as current.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models import Author, Endpoint, MetricSample, Model, ModelModality, Price, Provider
from app.services.metrics.rollups import refresh_rollups

PRICES_FROM = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SampleEndpoint:
    provider: str
    price_input: Decimal | None
    price_output: Decimal | None
    throughput: Decimal | None
    context_window: int | None = None
    quantization: str | None = None


@dataclass(frozen=True)
class SampleModel:
    slug: str
    name: str
    status: str
    context_window: int | None
    inputs: tuple[str, ...]
    weights: str | None
    api_available_at: date | None
    released_at: date | None
    endpoints: tuple[SampleEndpoint, ...]


SAMPLE_AUTHORS = {"acme": "Acme Labs", "zeta": "Zeta AI", "idle": "Idle Research"}
SAMPLE_PROVIDERS = {
    "fastcloud": ("FastCloud", "inference"),
    "cheaphost": ("CheapHost", "inference"),
    "hub": ("Hub Router", "router"),
}
SAMPLE_MODELS = (
    SampleModel(
        slug="acme/alpha-1",
        name="Alpha 1",
        status="active",
        context_window=128_000,
        inputs=("text", "image"),
        weights="open",
        api_available_at=date(2025, 1, 10),
        released_at=None,
        endpoints=(
            SampleEndpoint("fastcloud", Decimal("1"), Decimal("2"), Decimal("100"), 64_000, "fp8"),
            SampleEndpoint("cheaphost", Decimal("0.5"), Decimal("1.5"), Decimal("40")),
        ),
    ),
    SampleModel(
        slug="acme/beta-2",
        name="beta 2",
        status="preview",
        context_window=1_000_000,
        inputs=("text",),
        weights="closed",
        api_available_at=None,
        released_at=date(2025, 6, 1),
        endpoints=(SampleEndpoint("fastcloud", Decimal("3"), Decimal("9"), None),),
    ),
    SampleModel(
        slug="zeta/gamma-mini",
        name="Gamma Mini",
        status="deprecated",
        context_window=None,
        inputs=("text", "audio"),
        weights=None,
        api_available_at=None,
        released_at=None,
        endpoints=(),
    ),
    SampleModel(
        slug="zeta/delta-small-4",
        name="Delta Small 4",
        status="active",
        context_window=32_000,
        inputs=("text",),
        weights="open",
        api_available_at=date(2026, 3, 16),
        released_at=date(2026, 1, 1),
        endpoints=(SampleEndpoint("cheaphost", Decimal("0.1"), Decimal("0.3"), Decimal("250")),),
    ),
    SampleModel(
        slug="zeta/delta-large-4",
        name="Delta Large 4",
        status="active",
        context_window=262_144,
        inputs=("text", "image", "video"),
        weights="closed",
        api_available_at=date(2024, 5, 1),
        released_at=None,
        endpoints=(SampleEndpoint("cheaphost", None, None, Decimal("20")),),
    ),
)


def build_sample_catalog(session: Session) -> None:
    """Store the sample labs, providers, models, endpoints and prices, with rollups."""
    authors = {slug: Author(slug=slug, name=name) for slug, name in SAMPLE_AUTHORS.items()}
    providers = {
        slug: Provider(slug=slug, name=name, kind=kind)
        for slug, (name, kind) in SAMPLE_PROVIDERS.items()
    }
    session.add_all([*authors.values(), *providers.values()])
    for sample in SAMPLE_MODELS:
        model = Model(
            author=authors[sample.slug.split("/")[0]],
            slug=sample.slug,
            name=sample.name,
            status=sample.status,
            context_window=sample.context_window,
            weights=sample.weights,
            api_available_at=sample.api_available_at,
            released_at=sample.released_at,
            modalities=[
                *(ModelModality(direction="input", modality=m) for m in sample.inputs),
                ModelModality(direction="output", modality="text"),
            ],
        )
        session.add(model)
        for spec in sample.endpoints:
            endpoint = Endpoint(
                model=model,
                provider=providers[spec.provider],
                provider_model_id=sample.slug.split("/")[1],
                context_window=spec.context_window,
                quantization=spec.quantization,
                throughput_p50=spec.throughput,
            )
            if spec.price_input is not None:
                endpoint.prices = _price_history(spec)
            session.add(endpoint)
    session.flush()
    refresh_rollups(session=session)


def _price_history(spec: SampleEndpoint) -> list[Price]:
    """The current standard price, plus a closed older one and a batch one that are cheaper."""
    assert spec.price_input is not None
    cheaper = spec.price_input / 10
    return [
        Price(
            service_tier="standard",
            effective_from=PRICES_FROM,
            effective_to=datetime(2025, 6, 1, tzinfo=UTC),
            input=cheaper,
            output=cheaper,
            source="test",
        ),
        Price(
            service_tier="standard",
            effective_from=datetime(2025, 6, 1, tzinfo=UTC),
            input=spec.price_input,
            output=spec.price_output,
            source="test",
        ),
        Price(
            service_tier="batch",
            effective_from=PRICES_FROM,
            input=cheaper,
            output=cheaper,
            source="test",
        ),
    ]


def endpoints_of_one_model(session: Session, *, lab: str, count: int) -> list[Endpoint]:
    """`count` endpoints of one new model of lab `lab`, each on its own new provider.

    For tests of per-endpoint figures (metric samples, hourly rows) that need
    endpoints and nothing else; `lab` keeps slugs apart between test modules.
    """
    model = Model(author=Author(slug=lab, name="Lab"), slug=f"{lab}/m", name="M")
    endpoints = [
        Endpoint(
            model=model,
            provider=Provider(slug=f"{lab}-host-{n}", name=f"Host {n}"),
            provider_model_id="m",
        )
        for n in range(count)
    ]
    session.add_all(endpoints)
    session.flush()
    return endpoints


def add_throughput_samples(
    session: Session,
    endpoints: Iterable[Endpoint],
    *,
    now: datetime,
    throughput_hours_ago: Iterable[tuple[int, int]],
) -> None:
    """OpenRouter-like samples for each endpoint: (hours before `now`, throughput) pairs,
    all with a 500 ms time to first token. Committing them moves the content version."""
    points = list(throughput_hours_ago)
    for endpoint in endpoints:
        for hours, throughput in points:
            session.add(
                MetricSample(
                    endpoint_id=endpoint.id,
                    measured_at=now - timedelta(hours=hours),
                    window="30m",
                    throughput_p50=Decimal(throughput),
                    ttft_p50_ms=Decimal(500),
                    source="openrouter",
                )
            )
    session.flush()
