"""Bodies of the JSON API in OpenRouter's response shape, declared so `/docs` describes them.

The API exists so clients written for OpenRouter (`GET /api/v1/models`,
`GET /api/v1/models/{author}/{slug}/endpoints`) can point at a self-hosted
Model Atlas. Field names, types and units follow OpenRouter's API reference
(openrouter.ai/docs: the Models API schema and its SDKs' `Pricing`,
`PublicEndpoint` and `PercentileStats` types). Where we know less than
OpenRouter does, we say so the way its clients can read:

- A model's `id` is our slug (`mistral/mistral-small-2603`); the endpoints
  route also accepts its OpenRouter id. A model's `pricing` is the cheapest
  current standard-tier offer (see `ModelListing.cheapest_offer`); `created`
  is the day it reached an API (see `ModelListing.available_since`).
- Prices are USD per token (or per request, per image) as decimal strings
  without exponent, "0" for free. `prompt` and `completion` are always present
  (null only when no offer has a known price); OpenRouter leaves the other
  price keys out when they do not apply, so we leave them out when not known.
- Latency is time to first token in milliseconds, as OpenRouter documents
  `latency_last_30m` ("Latency percentiles in milliseconds over the last 30
  minutes"; one older SDK revision said seconds, the current reference says
  milliseconds). Each percentile is null when the upstream did not report
  it, and the whole object is null when nothing was measured.
- We keep no tokenizer family, moderation flag or implicit-caching flag:
  `tokenizer` is "Other" (OpenRouter's own value for an unlisted tokenizer),
  `is_moderated` and `supports_implicit_caching` are false, because
  Model Atlas moderates nothing and knows of no implicit cache.
"""

from decimal import Decimal
from typing import Any, ClassVar, Literal, Required, TypedDict

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from app.services.publishing.api_queries import ModelListing, Offer

TOKENS_PER_PRICE_UNIT = Decimal(1_000_000)
UNKNOWN_TOKENIZER = "Other"


class _OmitsUnknown(BaseModel):
    """A body that leaves out, rather than nulls, the optional keys it has no value for."""

    omitted_when_unknown: ClassVar[frozenset[str]] = frozenset()

    # No return annotation on purpose: pydantic would take it as the OpenAPI
    # schema of the model and `/docs` would show a bare object.
    @model_serializer(mode="wrap")
    def _leave_out_unknown(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        return {
            key: value
            for key, value in data.items()
            if value is not None or key not in self.omitted_when_unknown
        }


class Pricing(_OmitsUnknown):
    """The cheapest current offer's prices in USD per token (request: per request; image: each)."""

    omitted_when_unknown = frozenset(
        {"request", "image", "internal_reasoning", "input_cache_read", "input_cache_write"}
    )

    prompt: str | None = Field(description="USD per input token; null when not known.")
    completion: str | None = Field(description="USD per output token; null when not known.")
    request: str | None = Field(None, description="USD per request; left out when not known.")
    image: str | None = Field(None, description="USD per input image; left out when not known.")
    internal_reasoning: str | None = Field(
        None, description="USD per reasoning token; left out when not known."
    )
    input_cache_read: str | None = Field(
        None, description="USD per cached input token read; left out when not known."
    )
    input_cache_write: str | None = Field(
        None, description="USD per input token written to the cache; left out when not known."
    )


class EndpointPricing(Pricing):
    """One endpoint's prices in USD per token, with OpenRouter's discount (always 0 here)."""

    discount: float = Field(0, description="Fraction off the listed prices; we list no discounts.")


class Architecture(BaseModel):
    """What goes in and out of the model."""

    modality: str | None = Field(
        examples=["text+image->text"], description="Null when either side is not known."
    )
    input_modalities: list[str]
    output_modalities: list[str]
    tokenizer: str = Field(description='Not recorded by Model Atlas: always "Other".')
    instruct_type: str | None = Field(None, description="Not recorded: always null.")


class TopProvider(BaseModel):
    """Limits of the offer that sets the model's price."""

    context_length: int | None
    max_completion_tokens: int | None
    is_moderated: bool = Field(False, description="Model Atlas moderates nothing: always false.")


class ModelEntry(BaseModel):
    """One model, as an item of OpenRouter's model list."""

    id: str = Field(examples=["mistral/mistral-small-2603"], description="Our model slug.")
    canonical_slug: str
    hugging_face_id: str | None
    name: str
    created: int = Field(
        description="Unix time the model reached an API (else its release, else when catalogued)."
    )
    description: str
    context_length: int | None
    architecture: Architecture
    pricing: Pricing = Field(
        description="The cheapest current standard-tier offer, preferring providers over routers."
    )
    top_provider: TopProvider
    per_request_limits: None = None
    supported_parameters: list[str] = Field(description="Supported by at least one endpoint.")


class ModelList(BaseModel):
    """`GET /api/v1/models`: every model in the catalog, newest first."""

    data: list[ModelEntry]


class PercentileStats(BaseModel):
    """Percentiles over the latest measurement window; null where not measured."""

    p50: float | None
    p75: float | None
    p90: float | None
    p99: float | None


class EndpointEntry(_OmitsUnknown):
    """One provider's offer of the model, with its latest measured performance."""

    omitted_when_unknown = frozenset({"status"})

    name: str = Field(examples=["Venice | mistral/mistral-small-2603"])
    model_id: str
    model_name: str
    context_length: int | None
    pricing: EndpointPricing
    provider_name: str
    tag: str = Field(description="Provider slug, with `/variant` for a variant offer.")
    quantization: str | None
    max_completion_tokens: int | None
    max_prompt_tokens: int | None = Field(None, description="Not recorded: always null.")
    supported_parameters: list[str]
    status: int | None = Field(
        None, description="0 while the endpoint is active; left out otherwise."
    )
    uptime_last_30m: float | None = Field(description="Percent of successful requests.")
    latency_last_30m: PercentileStats | None = Field(
        description="Time to first token in milliseconds; null when not measured."
    )
    throughput_last_30m: PercentileStats | None = Field(
        description="Output tokens per second; null when not measured."
    )
    supports_implicit_caching: bool = Field(False, description="Not recorded: always false.")


class ModelEndpoints(BaseModel):
    """A model with every endpoint serving it, fastest first."""

    id: str
    name: str
    created: int
    description: str
    architecture: Architecture
    endpoints: list[EndpointEntry]


class ModelEndpointsResponse(BaseModel):
    """`GET /api/v1/models/{author}/{slug}/endpoints`."""

    data: ModelEndpoints


class ErrorDetail(BaseModel):
    code: int
    message: str


class ErrorResponse(BaseModel):
    """What every API error looks like."""

    error: ErrorDetail


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def json_error(description: str) -> dict[str, Any]:
    """An OpenAPI response answered with `ErrorResponse`, as every error under /api is."""
    return {"model": ErrorResponse, "description": description}


def page_error(description: str) -> dict[str, Any]:
    """An OpenAPI response answered with the site's HTML error page, as errors outside /api are."""
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


# Routes that read the database answer 503 while it does not answer.
API_UNAVAILABLE = {**json_error("The database is unavailable."), "headers": RETRY_AFTER}
PAGE_UNAVAILABLE = {**page_error("The database is unavailable."), "headers": RETRY_AFTER}


class HealthReport(BaseModel):
    """`GET /healthz`: whether this process can serve, and the database's answer."""

    status: Literal["ok", "error"]
    database: str = Field(description='"ok", or why the database did not answer.')


def model_entry(listing: ModelListing) -> ModelEntry:
    """A catalog model as an item of OpenRouter's model list."""
    cheapest = listing.cheapest_offer
    return ModelEntry(
        id=listing.slug,
        canonical_slug=listing.slug,
        hugging_face_id=listing.hf_repo_id,
        name=listing.name,
        created=_unix_seconds(listing),
        description=_description(listing),
        context_length=listing.context_window,
        architecture=_architecture(listing),
        pricing=Pricing(**_price_fields(cheapest)),
        top_provider=_top_provider(listing, cheapest),
        supported_parameters=listing.supported_parameters,
    )


def model_endpoints(listing: ModelListing) -> ModelEndpoints:
    """A model and its endpoints as OpenRouter's endpoint list describes them."""
    return ModelEndpoints(
        id=listing.slug,
        name=listing.name,
        created=_unix_seconds(listing),
        description=_description(listing),
        architecture=_architecture(listing),
        endpoints=[_endpoint_entry(listing, offer) for offer in listing.offers_by_throughput],
    )


def per_token(per_million: Decimal | None) -> str | None:
    """A price per 1M tokens as OpenRouter's USD-per-token string: 0.15 -> "0.00000015"."""
    if per_million is None:
        return None
    return _plain(per_million / TOKENS_PER_PRICE_UNIT)


def per_unit(price: Decimal | None) -> str | None:
    """A price per request or per image as a plain decimal string."""
    return None if price is None else _plain(price)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros; zero is "0"."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


class _PriceFields(TypedDict, total=False):
    """`Pricing`'s fields as `_price_fields` gives them: the optional ones only with a price."""

    prompt: Required[str | None]
    completion: Required[str | None]
    request: str | None
    image: str | None
    internal_reasoning: str | None
    input_cache_read: str | None
    input_cache_write: str | None


def _price_fields(offer: Offer | None) -> _PriceFields:
    """An offer's current price in OpenRouter's keys; prompt and completion None without one."""
    price = offer.price if offer else None
    if price is None:
        return {"prompt": None, "completion": None}
    return {
        "prompt": per_token(price.input),
        "completion": per_token(price.output),
        "request": per_unit(price.per_request),
        "image": per_unit(price.per_image),
        "internal_reasoning": per_token(price.reasoning),
        "input_cache_read": per_token(price.cache_read),
        "input_cache_write": per_token(price.cache_write),
    }


def _top_provider(listing: ModelListing, cheapest: Offer | None) -> TopProvider:
    """Limits of the offer that set the price, falling back to the model's own."""
    context = cheapest.context_window if cheapest else None
    max_output = cheapest.max_output if cheapest else None
    return TopProvider(
        context_length=context or listing.context_window,
        max_completion_tokens=max_output or listing.max_output,
    )


def _endpoint_entry(listing: ModelListing, offer: Offer) -> EndpointEntry:
    variant_id = f"{listing.slug}:{offer.variant}" if offer.variant else listing.slug
    return EndpointEntry(
        name=f"{offer.provider_name} | {variant_id}",
        model_id=listing.slug,
        model_name=listing.name,
        context_length=offer.context_window or listing.context_window,
        pricing=EndpointPricing(**_price_fields(offer)),
        provider_name=offer.provider_name,
        tag=f"{offer.provider_slug}/{offer.variant}" if offer.variant else offer.provider_slug,
        quantization=offer.quantization,
        max_completion_tokens=offer.max_output or listing.max_output,
        supported_parameters=sorted(offer.supported_parameters),
        status=0 if offer.status == "active" else None,
        uptime_last_30m=_number(offer.uptime_pct),
        latency_last_30m=_percentiles(
            offer.ttft_p50_ms, offer.ttft_p75_ms, offer.ttft_p90_ms, offer.ttft_p99_ms
        ),
        throughput_last_30m=_percentiles(
            offer.throughput_p50, offer.throughput_p75, offer.throughput_p90, offer.throughput_p99
        ),
    )


def _architecture(listing: ModelListing) -> Architecture:
    inputs, outputs = listing.input_modalities, listing.output_modalities
    return Architecture(
        modality=f"{'+'.join(inputs)}->{'+'.join(outputs)}" if inputs and outputs else None,
        input_modalities=inputs,
        output_modalities=outputs,
        tokenizer=UNKNOWN_TOKENIZER,
    )


def _description(listing: ModelListing) -> str:
    """The model's description, else its summary; OpenRouter clients expect a string."""
    return listing.description or listing.summary or ""


def _unix_seconds(listing: ModelListing) -> int:
    return int(listing.available_since.timestamp())


def _percentiles(
    p50: Decimal | None, p75: Decimal | None, p90: Decimal | None, p99: Decimal | None
) -> PercentileStats | None:
    if p50 is None and p75 is None and p90 is None and p99 is None:
        return None
    return PercentileStats(p50=_number(p50), p75=_number(p75), p90=_number(p90), p99=_number(p99))


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
