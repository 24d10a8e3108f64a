"""The reference model entry: Mistral Small 4 as the reference page shows it.

The reference page (`shared/reference/model-page-mistral-small-4.txt`) is the
product's acceptance sample, so its entry is stored exactly, figures included,
rather than waiting for an import or a metrics refresh to produce it. Importers
later merge their own rows for the same model into it by slug and external id.

Sources: names, dates, capabilities, prices and the two providers' figures are
the reference page's. Its overview is cut off after "It combines strong
reasoning from..."; the rest of that sentence is completed from Mistral AI's
announcement of 2026-03-16 (reasoning from Magistral, multimodal understanding
from Pixtral, agentic coding from Devstral). The page says the weights are not
released, and we show what it shows.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Endpoint, MetricSample, Model, ModelModality, Price
from app.services.catalog.catalog_writer import CatalogWriter
from app.services.metrics.rollups import refresh_rollups
from app.services.model_page.model_facts import CURATED_SOURCE, record_facts, stated_facts

REFERENCE_MODEL_SLUG = "mistral/mistral-small-2603"
REFERENCE_OPENROUTER_ID = "mistralai/mistral-small-2603"

# The reference page shows no capture time for its figures; this is the moment
# we recorded them from it, fixed so the seeded entry is identical on every machine.
REFERENCE_MEASURED_AT = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
# Prices are taken to apply from the day the model reached the API.
REFERENCE_PRICES_FROM = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)

METRICS_SOURCE = "openrouter"
METRICS_WINDOW = "30m"
PRICE_SOURCE = "reference"

SUMMARY = (
    "Mistral Small 4 is the next major release in the Mistral Small family, unifying the "
    "capabilities of several flagship Mistral models into a single system. It combines strong "
    "reasoning from Magistral, multimodal understanding from Pixtral and agentic coding from "
    "Devstral."
)
DESCRIPTION = (
    f"{SUMMARY} One model covers general chat, coding, agentic tasks and image understanding, "
    "so an application no longer has to switch between specialised models."
)


@dataclass(frozen=True)
class _ProviderSpec:
    slug: str
    name: str
    url: str
    api_base: str


@dataclass(frozen=True)
class _EndpointSpec:
    provider: _ProviderSpec
    provider_model_id: str
    throughput_p50: Decimal
    ttft_p50_ms: Decimal
    input_price: Decimal
    output_price: Decimal
    context_window: int
    quantization: str | None
    supported_parameters: tuple[str, ...]


VENICE = _ProviderSpec(
    slug="venice",
    name="Venice",
    url="https://venice.ai",
    api_base="https://api.venice.ai/api/v1",
)
MISTRAL = _ProviderSpec(
    slug="mistral",
    name="Mistral",
    url="https://mistral.ai",
    api_base="https://api.mistral.ai/v1",
)

REFERENCE_ENDPOINTS = (
    _EndpointSpec(
        provider=VENICE,
        provider_model_id="mistral-small-2603",
        throughput_p50=Decimal(96),
        ttft_p50_ms=Decimal(666),
        input_price=Decimal("0.188"),
        output_price=Decimal("0.75"),
        context_window=256_000,
        quantization="fp8",
        supported_parameters=(),
    ),
    _EndpointSpec(
        provider=MISTRAL,
        provider_model_id="mistral-small-2603",
        throughput_p50=Decimal(29),
        ttft_p50_ms=Decimal(440),
        input_price=Decimal("0.15"),
        output_price=Decimal("0.6"),
        context_window=262_144,
        quantization=None,
        supported_parameters=("tools", "response_format"),
    ),
)


def seed_reference(*, session: Session) -> bool:
    """Store the reference model with its providers, prices and measurements.

    Returns True when it created the entry and False when a model with the
    reference slug already exists; an existing entry is left untouched (an
    import or refresh may have updated it on purpose).
    """
    if session.scalar(select(Model.id).where(Model.slug == REFERENCE_MODEL_SLUG)) is not None:
        return False

    catalog = CatalogWriter(session=session)
    model = catalog.new_model(
        author_slug="mistral",
        bare_id="mistral-small-2603",
        slug=REFERENCE_MODEL_SLUG,
        name="Mistral Small 4",
        status="active",
        summary=SUMMARY,
        description=DESCRIPTION,
        api_available_at=date(2026, 3, 16),
        weights="closed",
        context_window=262_144,
        recommended_for=["vision", "long-context", "cheap"],
        modalities=[
            ModelModality(direction="input", modality="text"),
            ModelModality(direction="input", modality="image"),
            ModelModality(direction="output", modality="text"),
        ],
    )
    catalog.link_external_id(model, "openrouter", REFERENCE_OPENROUTER_ID)
    endpoints = {
        spec: _endpoint(catalog=catalog, model=model, spec=spec) for spec in REFERENCE_ENDPOINTS
    }
    session.add_all(endpoints.values())
    session.flush()
    record_facts(session=session, model=model, source=CURATED_SOURCE, facts=stated_facts(model))
    session.add_all(_metric_sample(spec=spec, endpoint=e) for spec, e in endpoints.items())
    session.flush()
    refresh_rollups(session=session, model_ids=[model.id])
    return True


def _endpoint(*, catalog: CatalogWriter, model: Model, spec: _EndpointSpec) -> Endpoint:
    """One provider's offer with its current figures and price row."""
    provider = catalog.provider(
        spec.provider.slug,
        name=spec.provider.name,
        url=spec.provider.url,
        api_base=spec.provider.api_base,
    )
    endpoint, _ = catalog.endpoint(
        model=model,
        provider=provider,
        variant="",
        provider_model_id=spec.provider_model_id,
        quantization=spec.quantization,
        context_window=spec.context_window,
        supported_parameters=list(spec.supported_parameters),
        status="active",
        throughput_p50=spec.throughput_p50,
        ttft_p50_ms=spec.ttft_p50_ms,
        measured_at=REFERENCE_MEASURED_AT,
        metrics_source=METRICS_SOURCE,
        created_by=PRICE_SOURCE,
    )
    endpoint.prices.append(
        Price(
            service_tier="standard",
            effective_from=REFERENCE_PRICES_FROM,
            input=spec.input_price,
            output=spec.output_price,
            source=PRICE_SOURCE,
        )
    )
    return endpoint


def _metric_sample(*, spec: _EndpointSpec, endpoint: Endpoint) -> MetricSample:
    """The measurement behind the endpoint's current figures, kept as history."""
    return MetricSample(
        endpoint_id=endpoint.id,
        measured_at=REFERENCE_MEASURED_AT,
        window=METRICS_WINDOW,
        ttft_p50_ms=spec.ttft_p50_ms,
        throughput_p50=spec.throughput_p50,
        source=METRICS_SOURCE,
    )
