"""genai-prices offers and providers made to order, for the tests that group and resolve models."""

from app.sources.genai_prices import PricePeriod, PriceValues, SourceOffer, SourceProvider


def offer(
    model_id: str, *aliases: str, name: str | None = None, deprecated: bool = False
) -> SourceOffer:
    """A text-only offer without prices: grouping reads only its ids, aliases, name and status."""
    return SourceOffer(
        provider_id="",
        model_id=model_id,
        aliases=aliases,
        name=name,
        description=None,
        context_window=None,
        deprecated=deprecated,
        tiers={"standard": [PricePeriod(None, PriceValues())]},
        input_modalities=frozenset({"text"}),
        output_modalities=frozenset({"text"}),
    )


def provider(provider_id: str, *offers: SourceOffer) -> SourceProvider:
    """A genai-prices provider whose id is also its name."""
    return SourceProvider(
        id=provider_id,
        name=provider_id,
        url=None,
        description=None,
        fallback_providers=(),
        offers=list(offers),
    )
