"""Pricing a usage log at every provider, at the prices in force on each row's date.

The log arrives as totals per (model id, day) (`usage_records`); each total is
priced at each offer of its model with the standard-tier price in force on
that day (`replay_catalog`). How tokens are billed follows `pricing`: the
uncached part of the input at the input price, cached input at the cache-read
price (the input price where none is known), visible output at the output
price, and reasoning tokens at the reasoning price where the provider has one,
else as output. A request fee is added where a provider charges one.
Long-context prices are not applied: a total per day no longer says how big
each request was.

Nothing is ever priced at zero for want of a price. A day before an offer's
first recorded price uses that first price and says so ("price assumed
from"); a day with no price at all (or a needed component not known) is not
priced at that offer, and a model's rows that no single provider priced in
full are listed as not priced, with the reason.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from functools import cached_property

from sqlalchemy.orm import Session

from app.services.pricing.replay_catalog import (
    ReplayModel,
    ReplayOffer,
    load_offers,
    resolve_model_ids,
)
from app.services.pricing.usage_records import TokenTotals, UsageTally
from app.services.pricing.workload_cost import MILLION, PRECISION, PriceSheet

UNKNOWN_MODEL = "unknown model"
AMBIGUOUS_MODEL = "the id names several models"
NO_PRICE_ON_DATE = "no price on that date at any provider"
NO_SINGLE_PROVIDER = "no single provider has a price for every day"
MAX_ALTERNATIVES = 5


def month_of(day: date) -> str:
    """The month a day belongs to, as `2026-11`."""
    return f"{day.year:04d}-{day.month:02d}"


def usage_cost(tokens: TokenTotals, sheet: PriceSheet) -> Decimal | None:
    """What `tokens` cost at the prices in `sheet`; None when a price they need is not known."""
    uncached = tokens.input_tokens - tokens.cached_input_tokens
    visible = tokens.output_tokens - tokens.reasoning_tokens
    cache_price = sheet.cache_read if sheet.cache_read is not None else sheet.input
    reasoning_price = sheet.reasoning if sheet.reasoning is not None else sheet.output
    parts = (
        (uncached, sheet.input),
        (tokens.cached_input_tokens, cache_price),
        (visible, sheet.output),
        (tokens.reasoning_tokens, reasoning_price),
    )
    with localcontext(prec=PRECISION):
        total = Decimal(0)
        for count, price in parts:
            if not count:
                continue
            if price is None:
                return None
            total += count * price
        total /= MILLION
        if sheet.per_request:
            total += tokens.requests * sheet.per_request
        return total


@dataclass(frozen=True)
class OfferTotal:
    """A model's usage at one offer: the cost of the days it could price, by month."""

    offer: ReplayOffer
    cost: Decimal
    by_month: Mapping[str, Decimal]
    rows_not_priced: int
    assumed_from: date | None

    @property
    def complete(self) -> bool:
        """True when every row of the model was priced here."""
        return self.rows_not_priced == 0


@dataclass(frozen=True)
class ModelReplay:
    """One model's usage (under every id it was written as) at each of its offers."""

    model: ReplayModel
    written_as: tuple[str, ...]
    tokens: TokenTotals
    by_month: Mapping[str, TokenTotals]
    offers: tuple[OfferTotal, ...]

    @cached_property
    def cheapest(self) -> OfferTotal | None:
        """The cheapest offer that priced every row, a provider's regular one when any did."""
        complete = [total for total in self.offers if total.complete]
        regular = [total for total in complete if total.offer.is_regular]
        # Offers are sorted cheapest first, the lab's own first among equals.
        preferred = regular or complete
        return preferred[0] if preferred else None

    @cached_property
    def lab(self) -> OfferTotal | None:
        """The lab's own offer (Mistral's for a Mistral model) when it priced every row."""
        own = [total for total in self.offers if total.offer.is_lab and total.complete]
        return min(own, key=lambda total: (total.offer.variant != "", total.cost), default=None)


@dataclass(frozen=True)
class NotPriced:
    """Rows of the log that have no cost, and why."""

    model: str
    reason: str
    rows: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class AlternativeTotal:
    """What all the priced usage would have cost on another model, at its cheapest provider."""

    model: ReplayModel
    cheapest: OfferTotal | None


@dataclass(frozen=True)
class Replay:
    """The whole replay: per model, what was not priced, alternatives, and the log's problems."""

    models: tuple[ModelReplay, ...]
    not_priced: tuple[NotPriced, ...]
    alternatives: tuple[AlternativeTotal, ...]
    unknown_alternatives: tuple[str, ...]
    rows: int
    malformed_count: int
    malformed: tuple[tuple[int, str], ...]
    tally: UsageTally

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted({month for model in self.models for month in model.by_month}))

    @property
    def cheapest_total(self) -> Decimal:
        """Every model at its cheapest provider (models no single provider priced left out)."""
        return sum((m.cheapest.cost for m in self.models if m.cheapest), Decimal(0))

    def by_month(self) -> tuple[tuple[str, Decimal, Decimal], ...]:
        """(month, cost at the cheapest providers, cost going to the labs) per month.

        "Going to the labs" is each model at its lab's own provider, or at its
        cheapest where the lab does not serve it (open-weight models often), so
        the two columns always cover the same usage.
        """
        months = []
        for month in self.months:
            cheapest = Decimal(0)
            lab = Decimal(0)
            for model in self.models:
                if month not in model.by_month or model.cheapest is None:
                    continue
                cheapest += model.cheapest.by_month.get(month, Decimal(0))
                lab += (model.lab or model.cheapest).by_month.get(month, Decimal(0))
            months.append((month, cheapest, lab))
        return tuple(months)

    @property
    def lab_total(self) -> Decimal:
        """Each model at its lab's own provider, or at its cheapest where the lab serves none."""
        return sum(((m.lab or m.cheapest).cost for m in self.models if m.cheapest), Decimal(0))


def replay_usage(
    *, session: Session, tally: UsageTally, alternatives: Sequence[str] = ()
) -> Replay:
    """Price `tally` at every provider of its models, and on the `alternatives` models.

    At most six statements whatever the size of the log: resolve the ids
    (three, and one more when some are unknown as written) and load the
    offers with their price history (two), the alternatives included.
    """
    ids = {model for model, _ in tally.totals} | set(alternatives)
    resolution = resolve_model_ids(session=session, ids=ids)
    catalog = load_offers(session=session, model_ids=set(resolution.models.values()))
    grouped: dict[int, dict[date, TokenTotals]] = defaultdict(dict)
    written: dict[int, set[str]] = defaultdict(set)
    not_priced: list[NotPriced] = []
    unknown: dict[str, list[tuple[date, TokenTotals]]] = defaultdict(list)
    for (text, day), totals in tally.totals.items():
        model_id = resolution.models.get(text)
        if model_id is None:
            unknown[text].append((day, totals))
            continue
        written[model_id].add(text)
        grouped[model_id].setdefault(day, TokenTotals()).add(totals)
    for text, unknown_days in sorted(unknown.items()):
        reason = AMBIGUOUS_MODEL if text in resolution.ambiguous else UNKNOWN_MODEL
        not_priced.append(_not_priced(text, reason, unknown_days))
    models = []
    for model_id, days in grouped.items():
        result = _model_replay(catalog[model_id], tuple(sorted(written[model_id])), days)
        models.append(result)
        if result.cheapest is None:
            not_priced.extend(_unpriced_model(result, days))
    models.sort(key=lambda m: (-(m.cheapest.cost if m.cheapest else Decimal(-1)), m.model.name))
    return Replay(
        models=tuple(models),
        not_priced=tuple(not_priced),
        alternatives=_alternatives(alternatives, resolution.models, catalog, grouped, models),
        unknown_alternatives=tuple(a for a in alternatives if a not in resolution.models),
        rows=tally.rows,
        malformed_count=tally.malformed_count,
        malformed=tuple(tally.malformed),
        tally=tally,
    )


def _model_replay(
    model: ReplayModel, written_as: tuple[str, ...], days: Mapping[date, TokenTotals]
) -> ModelReplay:
    tokens = TokenTotals()
    by_month: dict[str, TokenTotals] = {}
    for day, totals in days.items():
        tokens.add(totals)
        by_month.setdefault(month_of(day), TokenTotals()).add(totals)
    offers = sorted(
        (offer_total(offer, days) for offer in model.offers),
        key=lambda t: (
            not t.complete,
            t.cost,
            not t.offer.is_regular,
            not t.offer.is_lab,
            t.offer.label,
        ),
    )
    return ModelReplay(
        model=model, written_as=written_as, tokens=tokens, by_month=by_month, offers=tuple(offers)
    )


def offer_total(offer: ReplayOffer, days: Mapping[date, TokenTotals]) -> OfferTotal:
    """The usage of `days` at `offer`, each day at the price in force on it."""
    cost = Decimal(0)
    by_month: dict[str, Decimal] = defaultdict(Decimal)
    rows_not_priced = 0
    assumed_from: date | None = None
    for day, totals in days.items():
        price = offer.price_on(day)
        amount = None if price is None else usage_cost(totals, price.sheet)
        if amount is None or price is None:
            rows_not_priced += totals.rows
            continue
        if price.assumed_from is not None:
            assumed_from = price.assumed_from
        cost += amount
        by_month[month_of(day)] += amount
    return OfferTotal(
        offer=offer,
        cost=cost,
        by_month=dict(by_month),
        rows_not_priced=rows_not_priced,
        assumed_from=assumed_from,
    )


def _not_priced(text: str, reason: str, days: Iterable[tuple[date, TokenTotals]]) -> NotPriced:
    dated = list(days)
    return NotPriced(
        model=text,
        reason=reason,
        rows=sum(totals.rows for _, totals in dated),
        first_day=min(day for day, _ in dated),
        last_day=max(day for day, _ in dated),
    )


def _unpriced_model(result: ModelReplay, days: Mapping[date, TokenTotals]) -> list[NotPriced]:
    """Why a known model's rows have no cost: days no provider has a price for, and days
    some provider prices but none prices along with every other day."""
    no_price = {
        day: totals for day, totals in days.items() if not _priced_anywhere(result, day, totals)
    }
    others = [(day, totals) for day, totals in days.items() if day not in no_price]
    found = []
    if no_price:
        found.append(_not_priced(result.model.slug, NO_PRICE_ON_DATE, no_price.items()))
    if others:
        found.append(_not_priced(result.model.slug, NO_SINGLE_PROVIDER, others))
    return found


def _priced_anywhere(result: ModelReplay, day: date, totals: TokenTotals) -> bool:
    for total in result.offers:
        price = total.offer.price_on(day)
        if price is not None and usage_cost(totals, price.sheet) is not None:
            return True
    return False


def _alternatives(
    wanted: Sequence[str],
    resolved: Mapping[str, int],
    catalog: Mapping[int, ReplayModel],
    grouped: Mapping[int, Mapping[date, TokenTotals]],
    models: Sequence[ModelReplay],
) -> tuple[AlternativeTotal, ...]:
    """Each alternative model's cost for the usage that was priced (so the totals compare)."""
    priced_ids = {m.model.id for m in models if m.cheapest is not None}
    days: dict[date, TokenTotals] = defaultdict(TokenTotals)
    for priced_id in priced_ids:
        for day, day_totals in grouped[priced_id].items():
            days[day].add(day_totals)
    results = []
    for text in dict.fromkeys(wanted):
        model_id = resolved.get(text)
        if model_id is None:
            continue
        model = catalog[model_id]
        totals = [offer_total(offer, days) for offer in model.offers]
        complete = [t for t in totals if t.complete and days]
        regular = [t for t in complete if t.offer.is_regular]
        cheapest = min(regular or complete, key=lambda t: t.cost, default=None)
        results.append(AlternativeTotal(model=model, cheapest=cheapest))
    return tuple(results)
