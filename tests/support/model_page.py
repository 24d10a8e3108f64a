"""What the model page's tests share: the reference model's address and models made to order.

`add_model` builds a model whose endpoints are all measured and priced, so a
test can ask for a page with any number of provider rows (and a router).
"""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models import Author, Endpoint, MetricSample, Model, ModelModality, Price, Provider
from app.services.metrics.rollups import refresh_rollups

REFERENCE_URL = "/models/mistral/mistral-small-2603"


def add_model(
    session: Session,
    *,
    author_slug: str,
    model_id: str,
    name: str,
    providers: int = 0,
    with_router: bool = False,
) -> Model:
    """A model with `providers` measured and priced inference endpoints (and maybe a router)."""
    author = Author(slug=author_slug, name=f"{author_slug.title()} Lab")
    model = Model(
        author=author,
        slug=f"{author_slug}/{model_id}",
        name=name,
        status="active",
        modalities=[
            ModelModality(direction="input", modality="text"),
            ModelModality(direction="output", modality="text"),
        ],
    )
    session.add(model)
    kinds = ["inference"] * providers + (["router"] if with_router else [])
    for number, kind in enumerate(kinds, start=1):
        provider = Provider(
            slug=f"{author_slug}-host-{number}",
            name=f"Host {number}" if kind == "inference" else "Test Router",
            kind=kind,
            api_base=f"https://api.host-{number}.test/v1",
        )
        endpoint = Endpoint(
            model=model,
            provider=provider,
            provider_model_id=f"{model_id}-at-{number}",
            context_window=32_768,
            supported_parameters=["tools"] if number % 2 else [],
            throughput_p50=Decimal(10 * number),
            ttft_p50_ms=Decimal(100 * number),
            measured_at=datetime(2026, 4, 1, 9, number, tzinfo=UTC),
            metrics_source="openrouter",
        )
        endpoint.prices.append(
            Price(
                service_tier="standard",
                effective_from=datetime(2026, 4, 1, tzinfo=UTC),
                input=Decimal(number),
                output=Decimal(2 * number),
                source="test",
            )
        )
        session.add(endpoint)
    session.flush()
    for endpoint in model.endpoints:
        session.add(
            MetricSample(
                endpoint_id=endpoint.id,
                measured_at=endpoint.measured_at,
                window="30m",
                throughput_p50=endpoint.throughput_p50,
                ttft_p50_ms=endpoint.ttft_p50_ms,
                source="openrouter",
            )
        )
    refresh_rollups(session=session, model_ids=[model.id])
    session.commit()
    return model
