"""Small catalogs for the calculator's tests: models priced at one provider each.

Their context window is larger than any real one, so that among the imported
catalog only they can be "comparable" to each other.
"""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Author, Endpoint, Model, ModelModality, Price, Provider
from app.services.metrics.rollups import refresh_rollups

# Larger than any real context window, so the imported catalog has no comparable model.
HUGE_WINDOW = 50_000_000


def add_priced_model(
    session: Session,
    slug: str,
    *,
    input_price: str | None,
    output_price: str | None,
    context_window: int = HUGE_WINDOW,
    modalities: tuple[str, ...] = ("text", "image"),
    status: str = "active",
    variant: str = "",
    reasoning_price: str | None = None,
    cache_read_price: str | None = None,
    batch: tuple[str, str] | None = None,
    name: str | None = None,
) -> Model:
    """A model at one provider of its own, with a current standard (and maybe batch) price."""
    author_slug, model_id = slug.split("/")
    author = session.scalar(select(Author).where(Author.slug == author_slug)) or Author(
        slug=author_slug, name=author_slug.title()
    )
    model = Model(
        author=author,
        slug=slug,
        name=name or model_id.replace("-", " ").title(),
        status=status,
        context_window=context_window,
        modalities=[ModelModality(direction="input", modality=m) for m in modalities],
    )
    provider = Provider(slug=f"host-{model_id}", name=f"Host {model_id}", kind="inference")
    endpoint = Endpoint(model=model, provider=provider, provider_model_id=model_id, variant=variant)
    since = datetime(2026, 4, 1, tzinfo=UTC)
    endpoint.prices.append(
        Price(
            service_tier="standard",
            effective_from=since,
            input=None if input_price is None else Decimal(input_price),
            output=None if output_price is None else Decimal(output_price),
            reasoning=None if reasoning_price is None else Decimal(reasoning_price),
            cache_read=None if cache_read_price is None else Decimal(cache_read_price),
            source="test",
        )
    )
    if batch is not None:
        endpoint.prices.append(
            Price(
                service_tier="batch",
                effective_from=since,
                input=Decimal(batch[0]),
                output=Decimal(batch[1]),
                source="test",
            )
        )
    session.add(model)
    session.flush()
    refresh_rollups(session=session, model_ids=[model.id])
    return model
