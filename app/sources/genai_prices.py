"""The `genai-prices` package's provider data, read into plain offers.

genai-prices describes, per provider, each model entry it prices: an id, the
ids that match it, a name, a context window, a deprecated flag and prices that
may change on a date (`ConditionalPrice` with a `StartDateConstraint`), differ
by time of day (`TimeOfDateConstraint`), or be overridden per request
(`PriceVariant`, e.g. `{"processing": "batch"}`).

This module turns that into `SourceOffer`s whose prices are a timeline per
service tier, in the catalog's own units (USD per 1M tokens, per request), and
counts every price it cannot represent instead of dropping it silently. It
knows nothing of the database; `services.ingest.genai_import` does the mapping.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import pairwise
from typing import Any

from genai_prices.types import (
    ClauseEquals,
    ClauseOr,
    ConditionalPrice,
    ModelInfo,
    ModelPrice,
    PriceVariant,
    Provider,
    StartDateConstraint,
    TieredPrices,
    TimeOfDateConstraint,
)

SOURCE_NAME = "genai-prices"

# Money columns keep nine decimals; rounding here keeps re-imports from seeing
# a "change" between a value and its stored, rounded self.
_NINE_PLACES = Decimal("1e-9")

# genai-prices price key -> Price column (both per 1M tokens).
TOKEN_PRICE_COLUMNS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "output_reasoning_mtok": "reasoning",
}
# Price columns that have a long-context counterpart.
LONG_CONTEXT_COLUMNS = ("input", "output", "cache_read", "cache_write")
# genai-prices prices requests per thousand; the catalog per request.
REQUESTS_KEY = "requests_kcount"
MINUTES_PER_DAY = 24 * 60

# Which request context selects which service tier. Other variants (OpenAI's
# explicit "default" tier, "fast" modes, regional routes, search types) have no
# column to live in and are counted as skipped.
TIER_CONTEXTS: dict[str, dict[str, str]] = {
    "batch": {"processing": "batch"},
    "flex": {"service_tier": "flex"},
    "priority": {"service_tier": "priority"},
}

# Modalities are inferred from what a model is priced for: a price per input
# image token means it reads images, a price per output audio token means it
# speaks. Models priced per token read and write text.
INPUT_MODALITY_KEYS = {
    "input_mtok": "text",
    "cache_read_mtok": "text",
    "input_mchars": "text",
    "input_text_messages_kcount": "text",
    "input_image_mtok": "image",
    "cache_image_read_mtok": "image",
    "input_audio_mtok": "audio",
    "cache_audio_read_mtok": "audio",
    "audio_hours": "audio",
    "input_audio_hours": "audio",
    "input_video_mtok": "video",
    "input_document_kpages": "file",
    "input_annotated_document_kpages": "file",
}
OUTPUT_MODALITY_KEYS = {
    "output_mtok": "text",
    "output_audio_mtok": "audio",
    "output_image_mtok": "image",
    "output_video_mtok": "video",
}
# Vision-language models are often priced like text models; their ids say it.
_VISION_MARKERS = ("vision", "-vl-", "-vl", "vl-", "pixtral", "omni")


@dataclass(frozen=True)
class PriceValues:
    """One set of prices in catalog units; None means not known."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    per_request: Decimal | None = None
    per_image: Decimal | None = None
    long_context_threshold: int | None = None
    long_context_input: Decimal | None = None
    long_context_output: Decimal | None = None
    long_context_cache_read: Decimal | None = None
    long_context_cache_write: Decimal | None = None

    def columns(self) -> dict[str, Any]:
        """The values keyed by Price column name."""
        return {name: getattr(self, name) for name in PRICE_COLUMNS}

    def is_empty(self) -> bool:
        """True when no price at all is known."""
        return all(value is None for value in self.columns().values())


PRICE_COLUMNS = tuple(PriceValues.__dataclass_fields__)


@dataclass(frozen=True)
class PricePeriod:
    """Prices in force from `starts_on` (None: since before any recorded change)."""

    starts_on: date | None
    values: PriceValues


@dataclass
class SourceOffer:
    """One model entry of one provider in genai-prices."""

    provider_id: str
    model_id: str
    aliases: tuple[str, ...]
    name: str | None
    description: str | None
    context_window: int | None
    deprecated: bool
    tiers: dict[str, list[PricePeriod]]
    input_modalities: frozenset[str]
    output_modalities: frozenset[str]
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class SourceProvider:
    """A provider as genai-prices describes it, with its offers."""

    id: str
    name: str
    url: str | None
    description: str | None
    fallback_providers: tuple[str, ...]
    offers: list[SourceOffer]


def default_providers() -> list[Provider]:
    """The provider list bundled with the installed genai-prices package."""
    from genai_prices.data import providers

    return providers


def read_providers(providers: Iterable[Provider]) -> list[SourceProvider]:
    """Every provider and model entry of a genai-prices provider list, as offers."""
    return [
        SourceProvider(
            id=provider.id,
            name=provider.name,
            url=provider.pricing_urls[0] if provider.pricing_urls else None,
            description=provider.description,
            fallback_providers=tuple(provider.fallback_model_providers or ()),
            offers=[read_offer(provider.id, model) for model in provider.models],
        )
        for provider in providers
    ]


def read_offer(provider_id: str, model: ModelInfo) -> SourceOffer:
    """One model entry with its price timelines, modalities and what could not be kept."""
    skipped: Counter[str] = Counter()
    conditional = _conditional_prices(model)
    variants = _tier_variants(model, skipped)
    _count_unrepresentable(
        [c.prices for c in conditional] + [v.prices for vs in variants.values() for v in vs],
        skipped,
    )
    _count_part_day_prices(conditional, skipped)
    tiers = {"standard": _timeline(conditional, [])}
    for tier, tier_variants in variants.items():
        periods = _timeline(conditional, tier_variants)
        if periods:
            tiers[tier] = periods
    priced_keys = _priced_keys(conditional, model.price_variants or [])
    inputs, outputs = _modalities(priced_keys, f"{model.id} {model.name or ''}".lower())
    return SourceOffer(
        provider_id=provider_id,
        model_id=model.id,
        aliases=tuple(_equals_strings(model.match)),
        name=model.name,
        description=model.description,
        context_window=model.context_window,
        deprecated=bool(model.deprecated),
        tiers=tiers,
        input_modalities=inputs,
        output_modalities=outputs,
        skipped=skipped,
    )


def _conditional_prices(model: ModelInfo) -> list[ConditionalPrice]:
    """The entry's prices as a list of conditional prices (one price: one, unconstrained)."""
    if isinstance(model.prices, ModelPrice):
        return [ConditionalPrice(prices=model.prices)]
    return list(model.prices)


def _count_part_day_prices(conditional: Sequence[ConditionalPrice], skipped: Counter[str]) -> None:
    """Counts each price charged for part of a day but never the standard one (see
    `_standard_at`): DeepSeek's night discount, V4's peak hours. The catalog has no column
    for a time of day, so these are left out."""
    if not any(isinstance(c.constraint, TimeOfDateConstraint) for c in conditional):
        return
    charged: set[int] = set()
    standard: set[int] = set()
    for point in _change_points(conditional, []):
        shares = _day_shares(conditional, point)
        prices = _most_charged(conditional, shares)
        charged |= shares.keys()
        standard |= {index for index in shares if conditional[index].prices == prices}
    skipped["time-of-day price"] += len(charged - standard)


def _tier_variants(model: ModelInfo, skipped: Counter[str]) -> dict[str, list[PriceVariant]]:
    """Price variants that select a service tier we store, by tier."""
    by_tier: dict[str, list[PriceVariant]] = {}
    for variant in model.price_variants or []:
        tier = next((t for t, ctx in TIER_CONTEXTS.items() if variant.when == ctx), None)
        if tier is None:
            label = ", ".join(f"{k}={v}" for k, v in sorted(variant.when.items()))
            skipped[f"price variant {label}"] += 1
        elif isinstance(variant.constraint, TimeOfDateConstraint):
            skipped["time-of-day price"] += 1
        else:
            by_tier.setdefault(tier, []).append(variant)
    return by_tier


def _start(constraint: object) -> date | None:
    return constraint.start_date if isinstance(constraint, StartDateConstraint) else None


def _change_points(
    conditional: Sequence[ConditionalPrice], variants: Sequence[PriceVariant]
) -> list[date | None]:
    """The dates on which a price may change, oldest first; None stands for before any."""
    starts = {_start(c.constraint) for c in conditional} | {_start(v.constraint) for v in variants}
    return [None, *sorted(d for d in starts if d is not None)]


def _timeline(
    conditional: Sequence[ConditionalPrice], variants: Sequence[PriceVariant]
) -> list[PricePeriod]:
    """Prices of one tier over time, oldest first, one period per actual change.

    The standard tier is the price charged for most of each day (`_standard_at`). A
    variant tier exists only while one of its variants is in force, and overrides the
    standard prices key by key (first variant wins), as genai-prices does.
    """
    periods: list[PricePeriod] = []
    for point in _change_points(conditional, variants):
        standard = _standard_at(conditional, point)
        if variants:
            active = [v for v in variants if _in_force(v.constraint, point)]
            if not active:
                continue
            merged = dict(_items(standard))
            overrides: dict[str, Any] = {}
            for variant in active:
                for key, value in _items(variant.prices):
                    overrides.setdefault(key, value)
            merged.update(overrides)
            items = merged
        else:
            items = dict(_items(standard))
        values = _price_values(items)
        if values.is_empty():
            continue
        if not periods or periods[-1].values != values:
            periods.append(PricePeriod(starts_on=point, values=values))
    return periods


def _in_force(constraint: object, point: date | None) -> bool:
    start = _start(constraint)
    return start is None or (point is not None and start <= point)


def _standard_at(conditional: Sequence[ConditionalPrice], point: date | None) -> ModelPrice:
    """The standard prices on a date (None: before any dated change): those charged for
    the most minutes of that day.

    Not the entry without a time of day: DeepSeek's V3 and R1 entries charge it only at
    night, a discount; their full price, charged 16 hours a day, is the one to quote.
    """
    return _most_charged(conditional, _day_shares(conditional, point))


def _most_charged(conditional: Sequence[ConditionalPrice], shares: Counter[int]) -> ModelPrice:
    """The prices charged for the most minutes, given each entry's `_day_shares`; entries
    with equal prices count together, and a tie goes to the prices charged at midnight."""
    totals: list[tuple[ModelPrice, int]] = []
    for index, minutes in shares.items():
        prices = conditional[index].prices
        position = next((i for i, (seen, _) in enumerate(totals) if seen == prices), None)
        if position is None:
            totals.append((prices, minutes))
        else:
            totals[position] = (prices, totals[position][1] + minutes)
    return max(totals, key=lambda total: total[1])[0]


def _day_shares(conditional: Sequence[ConditionalPrice], point: date | None) -> Counter[int]:
    """Minutes of the day `point` that each entry (by index) is the price charged, from
    midnight UTC on. As genai-prices resolves a request's time, the last entry in force
    wins; a time-of-day entry is in force only inside its window."""
    cuts = {0, MINUTES_PER_DAY}
    for entry in conditional:
        if isinstance(entry.constraint, TimeOfDateConstraint):
            cuts |= {_minute_of_day(entry.constraint.start_time)}
            cuts |= {_minute_of_day(entry.constraint.end_time)}
    shares: Counter[int] = Counter()
    for start, end in pairwise(sorted(cuts)):
        shares[_charged_at(conditional, point, start)] += end - start
    return shares


def _charged_at(conditional: Sequence[ConditionalPrice], point: date | None, minute: int) -> int:
    """The index of the entry charged at `minute` after midnight UTC on the day `point`."""
    for index in reversed(range(len(conditional))):
        constraint = conditional[index].constraint
        if isinstance(constraint, TimeOfDateConstraint):
            if _in_window(constraint, minute):
                return index
        elif _in_force(constraint, point):
            return index
    return 0


def _in_window(constraint: TimeOfDateConstraint, minute: int) -> bool:
    """Whether `minute` after midnight UTC falls in the daily window (which may wrap)."""
    start = _minute_of_day(constraint.start_time)
    end = _minute_of_day(constraint.end_time)
    if end < start:
        return minute >= start or minute < end
    return start <= minute < end


def _minute_of_day(moment: time) -> int:
    """Minutes after midnight UTC; a time without a zone is UTC, as genai-prices reads it."""
    if moment.tzinfo is not None:
        moment = datetime.combine(date(2000, 1, 1), moment).astimezone(UTC).time()
    return moment.hour * 60 + moment.minute


def _items(prices: ModelPrice) -> Iterable[tuple[str, Any]]:
    return ((k, v) for k, v in prices.__dict__.items() if not k.startswith("_") and v is not None)


def _price_values(items: dict[str, Any]) -> PriceValues:
    """Map genai-prices keys to Price columns, keeping the first long-context tier.

    A long-context tier applies to the whole request past its threshold; the
    catalog has one threshold per price row, taken from the first tiered key.
    """
    values: dict[str, Any] = {}
    threshold: int | None = None
    for key, raw in items.items():
        if key == REQUESTS_KEY:
            values["per_request"] = _money(_base(raw) / 1000)
            continue
        column = TOKEN_PRICE_COLUMNS.get(key)
        if column is None:
            continue
        values[column] = _money(_base(raw))
        if not isinstance(raw, TieredPrices) or not raw.tiers or column not in LONG_CONTEXT_COLUMNS:
            continue
        first = raw.tiers[0]
        if threshold is None or threshold == first.start:
            threshold = first.start
            values[f"long_context_{column}"] = _money(first.price)
    return PriceValues(long_context_threshold=threshold, **values)


def _count_unrepresentable(prices: Iterable[ModelPrice], skipped: Counter[str]) -> None:
    """Count, once per offer, the price keys and tiers `_price_values` cannot keep."""
    seen: set[str] = set()
    for model_price in prices:
        threshold: int | None = None
        for key, raw in _items(model_price):
            column = TOKEN_PRICE_COLUMNS.get(key)
            if column is None and key != REQUESTS_KEY:
                seen.add(f"price key {key}")
            if not isinstance(raw, TieredPrices) or not raw.tiers:
                continue
            if len(raw.tiers) > 1:
                seen.add("price tier beyond the first")
            if column not in LONG_CONTEXT_COLUMNS:
                seen.add(f"long-context tier of {key}")
            elif threshold not in (None, raw.tiers[0].start):
                seen.add("long-context tier with another threshold")
            else:
                threshold = raw.tiers[0].start
    skipped.update(seen)


def _base(raw: Decimal | TieredPrices) -> Decimal:
    return raw.base if isinstance(raw, TieredPrices) else raw


def _money(value: Decimal) -> Decimal:
    return value.quantize(_NINE_PLACES).normalize()


def _priced_keys(
    conditional: Sequence[ConditionalPrice], variants: Sequence[PriceVariant]
) -> set[str]:
    keys = {k for c in conditional for k, _ in _items(c.prices)}
    return keys | {k for v in variants for k, _ in _items(v.prices)}


def _modalities(priced_keys: set[str], label: str) -> tuple[frozenset[str], frozenset[str]]:
    inputs = {INPUT_MODALITY_KEYS[k] for k in priced_keys if k in INPUT_MODALITY_KEYS}
    outputs = {OUTPUT_MODALITY_KEYS[k] for k in priced_keys if k in OUTPUT_MODALITY_KEYS}
    if "text" in inputs and any(marker in label for marker in _VISION_MARKERS):
        inputs.add("image")
    return frozenset(inputs), frozenset(outputs)


def _equals_strings(clause: object) -> list[str]:
    """Exact ids a match clause accepts (its `equals`, through `or`); patterns are ignored.

    An `and` clause narrows its parts, so none of them is a plain alias.
    """
    if isinstance(clause, ClauseEquals):
        return [clause.equals]
    if isinstance(clause, ClauseOr):
        return [s for sub in clause.or_ for s in _equals_strings(sub)]
    return []
