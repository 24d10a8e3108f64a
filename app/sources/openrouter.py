"""Endpoint metrics and prices from the OpenRouter API, read into plain records.

Two calls (documented at openrouter.ai/docs, API reference "Models" and
"Endpoints"):

- `GET {base}/models` answers `{"data": [model, ...]}` (and possibly
  `links.next` for another page);
- `GET {base}/models/{author}/{slug}/endpoints` answers `{"data": {"id",
  "name", ..., "endpoints": [endpoint, ...]}}`, one endpoint per provider
  serving the model, with its pricing (USD per token, as strings) and its
  measured `latency_last_30m` / `throughput_last_30m` percentiles and
  `uptime_last_30m`.

The wire models below are strict about the fields we read (types are not
coerced; a required key that is missing is an error) and ignore the rest,
since the upstream adds fields all the time. A malformed envelope fails the
whole call (`MalformedResponseError`); a malformed item (one model, one
endpoint, one price) is rejected and counted by reason, and the others are
kept.

Every request has a timeout, a response size cap enforced while the body
streams in, retries (see `retry`), and the API key as a bearer token when one
is set — OpenRouter returns latency only to authenticated calls. Requests for
many models' endpoints run a few at a time. This module knows nothing of the
database; `services.ingest.refresh_metrics` maps the records into the catalog.
"""

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.config import Settings
from app.sources.retry import (
    RetryableStatusError,
    RetryPolicy,
    call_with_retries,
    is_retryable_status,
    retry_after_seconds,
)

SOURCE_NAME = "openrouter"
# The upstream measures over the last 30 minutes; samples say so.
MEASUREMENT_WINDOW = "30m"

# Money columns keep nine decimals and hold less than 10^9; a value is rounded
# to what they store so an unchanged price never looks changed on the next run.
_NINE_PLACES = Decimal("1e-9")
_LARGEST_STORABLE = Decimal(10) ** 9
_PER_MILLION = Decimal(1_000_000)
# Following `links.next` stops here; a listing that never ends is not a listing.
MAX_LISTING_PAGES = 50
# An id we put in a URL path: `author/slug` with an optional `:variant`, no dot segments.
ISO_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MODEL_ID_PATTERN = r"^[A-Za-z0-9~][A-Za-z0-9._~-]*/[A-Za-z0-9][A-Za-z0-9._~-]*(:[A-Za-z0-9._-]+)?$"


# --- Errors -------------------------------------------------------------------------------


class UpstreamError(Exception):
    """The upstream gave no usable answer; `reason` is a short code for counts and logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class UpstreamUnavailableError(UpstreamError):
    """No answer, or an HTTP error, after the retries the policy allows."""


class MalformedResponseError(UpstreamError):
    """An answer came but is not what the API documents (not JSON, wrong shape, too large)."""


class RejectedItemError(ValueError):
    """One item of an answer cannot be used; `reason` says why, for the run's counts."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- The records this source produces -----------------------------------------------------


# Slotted: a refresh holds every model's answer until it writes, four records per endpoint.
@dataclass(frozen=True, slots=True)
class Percentiles:
    """p50/p75/p90/p99 of one measured figure."""

    p50: Decimal
    p75: Decimal
    p90: Decimal
    p99: Decimal


@dataclass(frozen=True, slots=True)
class EndpointPrices:
    """An endpoint's standard prices: tokens per 1M, `per_request`/`per_image` per unit."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None
    cache_write: Decimal | None
    reasoning: Decimal | None
    per_request: Decimal | None
    per_image: Decimal | None

    def columns(self) -> dict[str, Decimal | None]:
        """The values by `Price` column name."""
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
            "reasoning": self.reasoning,
            "per_request": self.per_request,
            "per_image": self.per_image,
        }


@dataclass(frozen=True, slots=True)
class UpstreamEndpoint:
    """One provider's offer of a model, with its last-30-minutes figures (None: not reported)."""

    provider_name: str
    tag: str
    context_window: int | None
    max_output: int | None
    quantization: str | None
    supported_parameters: tuple[str, ...]
    status: int | None
    uptime_pct: Decimal | None
    ttft_ms: Percentiles | None
    throughput: Percentiles | None
    prices: EndpointPrices

    @property
    def provider_tag(self) -> str:
        """The provider part of the tag: `deepinfra` of `deepinfra/turbo`."""
        return self.tag.partition("/")[0]

    @property
    def tag_variant(self) -> str:
        """What follows the provider in the tag (`turbo` of `deepinfra/turbo`), or ""."""
        return self.tag.partition("/")[2]

    @property
    def has_figures(self) -> bool:
        """True when the upstream reported any measurement for this window."""
        return (
            self.ttft_ms is not None or self.throughput is not None or self.uptime_pct is not None
        )


@dataclass(frozen=True, slots=True)
class UpstreamModel:
    """A model as the upstream lists it.

    `listed_on` is the day it was added to OpenRouter (`created`), `max_output`
    its top provider's `max_completion_tokens`, `expires_on` the day after
    which it may be removed (`expiration_date`), and `supported_parameters`
    the union over its endpoints.
    """

    id: str
    name: str
    description: str | None
    context_window: int | None
    hugging_face_id: str | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    listed_on: date | None = None
    max_output: int | None = None
    knowledge_cutoff: str | None = None
    expires_on: date | None = None
    supported_parameters: tuple[str, ...] = ()

    @property
    def base_id(self) -> str:
        """The id without its variant: `meta-llama/llama-3.3-70b-instruct` of `...:free`."""
        return self.id.partition(":")[0]

    @property
    def variant(self) -> str:
        """The variant the id names (`free`), or ""."""
        return self.id.partition(":")[2]


@dataclass
class ModelListing:
    """Every usable model the upstream lists, and how many items were rejected, by reason."""

    models: list[UpstreamModel]
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass
class ModelEndpoints:
    """The usable endpoints of one model, and the rejected ones counted by reason."""

    model_id: str
    endpoints: list[UpstreamEndpoint]
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class EndpointsFailure:
    """Why one model's endpoints could not be read."""

    model_id: str
    error: UpstreamError


class MetricsSource(Protocol):
    """What the refresh job needs from an upstream of model metrics and prices."""

    name: str

    def list_models(self) -> ModelListing:
        """Every model the upstream knows; raises `UpstreamError` when it cannot say."""
        ...

    def endpoints_of(self, model_ids: Sequence[str]) -> Iterator[ModelEndpoints | EndpointsFailure]:
        """Each model's endpoints, in any order; one model's failure does not stop the rest."""
        ...


# --- The wire format ------------------------------------------------------------------------


class _Wire(BaseModel):
    """Strict about the fields we read, silent about the ones we do not."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


# Bounds of the columns the values end up in: Money holds less than 10^9, Integer 2^31.
Figure = Annotated[float, Field(ge=0, lt=1e9)]
TokenCount = Annotated[int, Field(ge=0, le=2**31 - 1)]


class WirePercentiles(_Wire):
    """`latency_last_30m` / `throughput_last_30m`: all four percentiles are documented required."""

    p50: Figure
    p75: Figure
    p90: Figure
    p99: Figure


class WirePricing(_Wire):
    """USD per token (per request / per image for those two) as decimal strings.

    `discount` is a fraction OpenRouter reports beside the listed prices; see
    `_prices` for why it is read but not applied.
    """

    prompt: str
    completion: str
    request: str | None = None
    image: str | None = None
    input_cache_read: str | None = None
    input_cache_write: str | None = None
    internal_reasoning: str | None = None
    discount: Annotated[float, Field(ge=0, le=1)] | None = None


class WireEndpoint(_Wire):
    """One item of `data.endpoints`. Keys without a default must be present (null allowed)."""

    provider_name: Annotated[str, Field(min_length=1, max_length=200)]
    tag: Annotated[str, Field(min_length=1, max_length=200)]
    context_length: TokenCount | None
    max_completion_tokens: TokenCount | None
    pricing: WirePricing
    quantization: str | None
    supported_parameters: list[str]
    status: int | None = None
    uptime_last_30m: Annotated[float, Field(ge=0, le=100)] | None
    latency_last_30m: WirePercentiles | None
    throughput_last_30m: WirePercentiles | None


class WireModelEndpoints(_Wire):
    """`data` of the endpoints answer; items are validated one by one."""

    id: str
    name: str
    endpoints: list[dict[str, Any]]


class WireEndpointsResponse(_Wire):
    data: WireModelEndpoints


class WireArchitecture(_Wire):
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)


class WireTopProvider(_Wire):
    max_completion_tokens: TokenCount | None = None


class WireModel(_Wire):
    """One item of the models list. `expiration_date` is documented as YYYY-MM-DD or null."""

    id: Annotated[str, Field(pattern=MODEL_ID_PATTERN, max_length=250)]
    name: Annotated[str, Field(min_length=1, max_length=300)]
    created: Annotated[int, Field(ge=0, lt=2**40)] | None = None
    description: str | None = None
    context_length: TokenCount | None = None
    hugging_face_id: Annotated[str, Field(max_length=300)] | None = None
    architecture: WireArchitecture | None = None
    top_provider: WireTopProvider | None = None
    supported_parameters: list[str] = Field(default_factory=list)
    knowledge_cutoff: Annotated[str, Field(max_length=40)] | None = None
    expiration_date: Annotated[str, Field(pattern=ISO_DATE_PATTERN)] | None = None


class WireLinks(_Wire):
    next: str | None = None


class WireModelList(_Wire):
    """The models answer; items are validated one by one."""

    data: list[dict[str, Any]]
    links: WireLinks | None = None


W = TypeVar("W", bound=_Wire)
_MODEL = TypeAdapter(WireModel)
_ENDPOINT = TypeAdapter(WireEndpoint)


def rejection_reason(kind: str, error: ValidationError) -> str:
    """A short, stable reason for counts: `endpoint latency_last_30m: missing`."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "item"
    return f"{kind} {location}: {first['type']}"


def parse_model(item: dict[str, Any]) -> UpstreamModel:
    """One item of the models list as a record; raises `RejectedItemError`."""
    try:
        wire = _MODEL.validate_python(item)
    except ValidationError as error:
        raise RejectedItemError(rejection_reason("model", error)) from error
    architecture = wire.architecture or WireArchitecture()
    try:
        expires_on = date.fromisoformat(wire.expiration_date) if wire.expiration_date else None
    except ValueError as error:
        raise RejectedItemError("model expiration_date: not a date") from error
    return UpstreamModel(
        id=wire.id,
        name=wire.name,
        description=wire.description or None,
        context_window=wire.context_length or None,
        hugging_face_id=wire.hugging_face_id or None,
        input_modalities=tuple(architecture.input_modalities),
        output_modalities=tuple(architecture.output_modalities),
        listed_on=datetime.fromtimestamp(wire.created, UTC).date() if wire.created else None,
        max_output=(wire.top_provider.max_completion_tokens or None) if wire.top_provider else None,
        knowledge_cutoff=(wire.knowledge_cutoff or "").strip() or None,
        expires_on=expires_on,
        supported_parameters=tuple(dict.fromkeys(wire.supported_parameters)),
    )


def parse_endpoint(item: dict[str, Any]) -> UpstreamEndpoint:
    """One item of `data.endpoints` as a record; raises `RejectedItemError`."""
    try:
        wire = _ENDPOINT.validate_python(item)
    except ValidationError as error:
        raise RejectedItemError(rejection_reason("endpoint", error)) from error
    quantization = (wire.quantization or "").strip().lower()
    return UpstreamEndpoint(
        provider_name=wire.provider_name,
        tag=wire.tag.strip().lower(),
        context_window=wire.context_length or None,
        max_output=wire.max_completion_tokens or None,
        quantization=None if quantization in ("", "unknown") else quantization[:20],
        # Interned: every endpoint repeats the same few dozen names, and a refresh holds every
        # answer until it writes (a copy each cost 3 MiB at 5,000 models x 3 endpoints).
        supported_parameters=tuple(dict.fromkeys(map(sys.intern, wire.supported_parameters))),
        status=wire.status,
        uptime_pct=_decimal(wire.uptime_last_30m),
        # Latency unit: the API reference describes `latency_last_30m` as "latency
        # percentiles in milliseconds ... Latency measures time to first token", and
        # that is what we store: milliseconds, unconverted, in the ttft_*_ms columns.
        # One sample answer in the same reference shows p50 0.25, which read as
        # milliseconds is not a possible time to first token over a network; it is
        # illustrative (the seconds it resembles are the unit of the request-side
        # `preferred_max_latency` preference, a different field), not the contract.
        ttft_ms=_percentiles(wire.latency_last_30m),
        throughput=_percentiles(wire.throughput_last_30m),
        prices=_prices(wire.pricing),
    )


def _figure(value: float) -> Decimal:
    """A JSON number as the Decimal it was written as (`45.2`, not 45.2000000000000028...)."""
    return Decimal(repr(value)).quantize(_NINE_PLACES)


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else _figure(value)


def _percentiles(wire: WirePercentiles | None) -> Percentiles | None:
    if wire is None:
        return None
    return Percentiles(
        p50=_figure(wire.p50), p75=_figure(wire.p75), p90=_figure(wire.p90), p99=_figure(wire.p99)
    )


def _prices(wire: WirePricing) -> EndpointPrices:
    """USD-per-token strings as USD per 1M tokens (exact: Decimal(str) x 1,000,000).

    `request` and `image` are per unit and stay as they are. A negative price
    (OpenRouter writes "-1" for "varies", e.g. its auto router) or one that is
    not a number rejects the endpoint: we would rather keep the last known
    price than store a wrong one.

    `discount` is read (and must be a fraction) but not applied: the listed
    per-token prices are what OpenRouter documents as the endpoint's prices,
    and a discount is a temporary promotion whose terms the API does not
    state; the catalog shows list prices, as it does for every other source.
    """
    return EndpointPrices(
        input=_per_million("prompt", wire.prompt),
        output=_per_million("completion", wire.completion),
        cache_read=_optional(_per_million, "input_cache_read", wire.input_cache_read),
        cache_write=_optional(_per_million, "input_cache_write", wire.input_cache_write),
        reasoning=_optional(_per_million, "internal_reasoning", wire.internal_reasoning),
        per_request=_optional(_per_unit, "request", wire.request),
        per_image=_optional(_per_unit, "image", wire.image),
    )


def _per_unit(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise RejectedItemError(f"price {name}: not a number") from error
    if not value.is_finite():
        raise RejectedItemError(f"price {name}: not a number")
    if value < 0:
        raise RejectedItemError(f"price {name}: negative")
    return _storable(name, value)


def _per_million(name: str, text: str) -> Decimal:
    return _storable(name, _per_unit(name, text) * _PER_MILLION)


def _storable(name: str, value: Decimal) -> Decimal:
    if value >= _LARGEST_STORABLE:
        raise RejectedItemError(f"price {name}: too large")
    return value.quantize(_NINE_PLACES)


def _optional(
    convert: Callable[[str, str], Decimal], name: str, text: str | None
) -> Decimal | None:
    return None if text is None else convert(name, text)


def parse_model_list(body: bytes) -> tuple[ModelListing, str | None]:
    """A models answer as records plus the `links.next` it names, if any."""
    envelope = _envelope(WireModelList, body)
    listing = ModelListing(models=[])
    for item in envelope.data:
        try:
            listing.models.append(parse_model(item))
        except RejectedItemError as rejected:
            listing.rejected[rejected.reason] += 1
    return listing, envelope.links.next if envelope.links else None


def parse_endpoints(model_id: str, body: bytes) -> ModelEndpoints:
    """An endpoints answer as records, rejected items counted."""
    envelope = _envelope(WireEndpointsResponse, body)
    result = ModelEndpoints(model_id=model_id, endpoints=[])
    for item in envelope.data.endpoints:
        try:
            result.endpoints.append(parse_endpoint(item))
        except RejectedItemError as rejected:
            result.rejected[rejected.reason] += 1
    return result


def _envelope(wire: type[W], body: bytes) -> W:
    try:
        return wire.model_validate_json(body)
    except ValidationError as error:
        kinds = {detail["type"] for detail in error.errors()}
        reason = "invalid_json" if "json_invalid" in kinds else "unexpected_shape"
        raise MalformedResponseError(reason, rejection_reason("response", error)) from error


# --- The HTTP client ------------------------------------------------------------------------


class OpenRouterSource:
    """The OpenRouter API as a `MetricsSource`. Use as a context manager (it holds a pool)."""

    name = SOURCE_NAME

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        timeout_seconds: float = 20.0,
        concurrency: int = 4,
        max_response_bytes: int = 20_000_000,
        retry: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.concurrency = concurrency
        self.max_response_bytes = max_response_bytes
        self.retry = retry
        self._sleep = sleep
        self._clock = clock
        headers = {"Accept": "application/json", "User-Agent": "modelatlas-refresh"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_seconds),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "OpenRouterSource":
        """The source configured by the `MODELATLAS_OPENROUTER_*` settings."""
        return cls(
            base_url=settings.openrouter_base_url,
            api_key=settings.openrouter_api_key.get_secret_value(),
            timeout_seconds=settings.openrouter_timeout_seconds,
            concurrency=settings.openrouter_concurrency,
            max_response_bytes=settings.openrouter_max_response_bytes,
            retry=RetryPolicy(
                max_attempts=settings.openrouter_max_attempts,
                max_total_seconds=settings.openrouter_max_retry_seconds,
            ),
        )

    def __enter__(self) -> "OpenRouterSource":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def list_models(self) -> ModelListing:
        """Every listed model, following `links.next` within this API's origin."""
        listing = ModelListing(models=[])
        url: str | None = f"{self.base_url}/models"
        for _page in range(MAX_LISTING_PAGES):
            if url is None:
                return listing
            page, next_link = parse_model_list(self._get(url))
            listing.models.extend(page.models)
            listing.rejected.update(page.rejected)
            url = self._same_origin(next_link) if next_link else None
        raise MalformedResponseError("too_many_pages", f"more than {MAX_LISTING_PAGES} pages")

    def endpoints_of(self, model_ids: Sequence[str]) -> Iterator[ModelEndpoints | EndpointsFailure]:
        """Each model's endpoints, `concurrency` requests at a time, as they complete."""
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(self._endpoints_of_one, model_id) for model_id in model_ids]
            for future in as_completed(futures):
                yield future.result()

    def _endpoints_of_one(self, model_id: str) -> ModelEndpoints | EndpointsFailure:
        try:
            return parse_endpoints(model_id, self._get(self.endpoints_url(model_id)))
        except UpstreamError as error:
            return EndpointsFailure(model_id=model_id, error=error)

    def endpoints_url(self, model_id: str) -> str:
        """`{base}/models/{author}/{slug}/endpoints`, the id escaped for a path."""
        return f"{self.base_url}/models/{quote(model_id, safe='/:~')}/endpoints"

    def _same_origin(self, link: str) -> str:
        resolved = urljoin(f"{self.base_url}/", link)
        if urlsplit(resolved)[:2] != urlsplit(self.base_url)[:2]:
            raise MalformedResponseError("foreign_link", f"links.next points elsewhere: {link}")
        return resolved

    def _get(self, url: str) -> bytes:
        """The body of a 200 answer, with retries; raises `UpstreamError`."""
        try:
            return call_with_retries(
                lambda: self._attempt(url), policy=self.retry, sleep=self._sleep, clock=self._clock
            )
        except httpx.TimeoutException as error:
            raise UpstreamUnavailableError("timeout", url) from error
        except httpx.TransportError as error:
            raise UpstreamUnavailableError("connection", f"{url}: {error}") from error
        except RetryableStatusError as error:
            raise UpstreamUnavailableError(f"http_{error.status_code}", url) from error

    def _attempt(self, url: str) -> bytes:
        """One GET, read while it streams in, refused once past the size cap or the deadline."""
        deadline = self._clock() + self.timeout_seconds
        with self._client.stream("GET", url) as response:
            if is_retryable_status(response.status_code):
                retry_after = retry_after_seconds(
                    response.headers.get("Retry-After"), now=datetime.now(UTC)
                )
                raise RetryableStatusError(response.status_code, retry_after)
            if response.status_code != 200:
                raise UpstreamUnavailableError(f"http_{response.status_code}", url)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_response_bytes:
                raise MalformedResponseError("too_large", f"{url}: {declared} bytes")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_response_bytes:
                    raise MalformedResponseError("too_large", f"{url}: over {len(body)} bytes")
                if self._clock() > deadline:
                    raise httpx.ReadTimeout(f"{url}: slower than {self.timeout_seconds}s")
            return bytes(body)
