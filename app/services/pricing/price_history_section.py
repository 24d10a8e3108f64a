"""A model's price history per provider offer, for the model page's "Price history".

The importer and the refresh job keep every price an endpoint has had as a
Price row (a period `effective_from` .. `effective_to`, NULL = in force, see
`services.pricing.price_rows_writer`). This module turns those rows into what a reader
wants: per offer, the standard tier's spans of constant input and output
price (oldest first, for the step chart) and the changes between them
(newest first, for the list); other tiers (batch, flex, ...) become a note.

Consecutive rows with the same input and output price are one span: a row
closed and re-opened at the same price (a re-import, a source flip-flop) is
not a change anyone could act on. Only input and output are compared, as they
are what the section shows; a change to, say, the cache price alone is not
listed.

All of a model's rows come from one statement, whatever the number of
endpoints, so the model page's query count stays constant; and the offers,
which depend on stored prices alone, are remembered per catalog version
(`remembered_price_history`), so a page the page cache cannot serve costs
none. Only the charts' right edge, "now", is the request's own.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby, pairwise

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.execute_core import execute_core
from app.models import Endpoint, Price, Provider
from app.named_rows import NamedRow, named_rows
from app.services.publishing.snapshot import Snapshot

STANDARD_TIER = "standard"
# Changes listed per offer; older ones are counted ("3 earlier changes").
SHOWN_CHANGES = 5


@dataclass(frozen=True, slots=True)
class PriceSpan:
    """A stretch of time over which an offer's input and output price stayed the same.

    `end` is None while the price is in force. When a price was closed and
    re-opened later, the span covers the gap too: what is known is the price
    before and after it.
    """

    start: datetime
    end: datetime | None
    input: Decimal | None
    output: Decimal | None


@dataclass(frozen=True, slots=True)
class PriceChange:
    """One change of an offer's price: when, and input and output before and after."""

    at: datetime
    input_before: Decimal | None
    input_after: Decimal | None
    output_before: Decimal | None
    output_after: Decimal | None


@dataclass(frozen=True, slots=True)
class TierNote:
    """Another tier of the same offer (batch, flex, ...): its latest price, how often it changed."""

    tier: str
    input: Decimal | None
    output: Decimal | None
    since: datetime
    change_count: int


@dataclass(frozen=True, slots=True)
class OfferPriceHistory:
    """The standard-tier price history of one provider's offer of the model."""

    provider_slug: str
    provider_name: str
    variant: str
    is_router: bool
    spans: tuple[PriceSpan, ...]
    other_tiers: tuple[TierNote, ...]

    @property
    def label(self) -> str:
        """Provider name, with the variant when the provider offers several (as the table)."""
        return f"{self.provider_name} ({self.variant})" if self.variant else self.provider_name

    @property
    def first_seen(self) -> datetime:
        """When the first recorded price took effect."""
        return self.spans[0].start

    @property
    def changes(self) -> tuple[PriceChange, ...]:
        """Every change, newest first."""
        return tuple(reversed(changes_between(self.spans)))

    @property
    def recent_changes(self) -> tuple[PriceChange, ...]:
        """The changes the page lists: the newest `SHOWN_CHANGES`."""
        return self.changes[:SHOWN_CHANGES]

    @property
    def earlier_count(self) -> int:
        """Changes older than those listed."""
        return max(0, len(self.spans) - 1 - SHOWN_CHANGES)

    @property
    def withdrawn_at(self) -> datetime | None:
        """When the last price ended without a successor (the offer is no longer priced)."""
        return self.spans[-1].end


@dataclass(frozen=True, slots=True)
class ModelPriceHistory:
    """Every priced offer of a model: those whose price changed first, then the steady ones."""

    offers: tuple[OfferPriceHistory, ...]
    now: datetime

    @property
    def changed(self) -> tuple[OfferPriceHistory, ...]:
        """Offers with at least one change, the most recently changed first."""
        changed = [offer for offer in self.offers if len(offer.spans) > 1]
        return tuple(sorted(changed, key=lambda offer: offer.spans[-1].start, reverse=True))

    @property
    def steady(self) -> tuple[OfferPriceHistory, ...]:
        """Offers with one price since they were first seen, in name order."""
        return tuple(offer for offer in self.offers if len(offer.spans) == 1)

    @property
    def steady_groups(self) -> tuple["SteadyGroup", ...]:
        """The steady offers by the day they were first seen, earliest day first.

        A model on twenty providers first seen by the same import would
        otherwise repeat one sentence twenty times on an already long page.
        """
        by_day: dict[date, list[OfferPriceHistory]] = {}
        for offer in self.steady:
            by_day.setdefault(offer.first_seen.astimezone(UTC).date(), []).append(offer)
        return tuple(SteadyGroup(day, tuple(by_day[day])) for day in sorted(by_day))


@dataclass(frozen=True, slots=True)
class SteadyGroup:
    """Offers whose price has not changed since the same first-seen day."""

    since: date
    offers: tuple[OfferPriceHistory, ...]


def collapse(
    rows: Iterable[tuple[datetime, datetime | None, Decimal | None, Decimal | None]],
) -> tuple[PriceSpan, ...]:
    """Spans of constant (input, output) from (start, end, input, output) rows, oldest first.

    Rows are sorted by start here; a row with the same prices as the span
    before it extends that span to its own end.
    """
    spans: list[PriceSpan] = []
    for start, end, input_price, output_price in sorted(rows, key=lambda row: row[0]):
        if spans and (spans[-1].input, spans[-1].output) == (input_price, output_price):
            last = spans[-1]
            spans[-1] = PriceSpan(last.start, end, last.input, last.output)
        else:
            spans.append(PriceSpan(start, end, input_price, output_price))
    return tuple(spans)


def changes_between(spans: Sequence[PriceSpan]) -> list[PriceChange]:
    """The change at the start of every span but the first, oldest first."""
    return [
        PriceChange(
            at=after.start,
            input_before=before.input,
            input_after=after.input,
            output_before=before.output,
            output_after=after.output,
        )
        for before, after in pairwise(spans)
    ]


def load_price_history(
    *, session: Session, model_id: int, now: datetime | None = None
) -> ModelPriceHistory:
    """The price history of every priced offer of the model, from one statement.

    An offer with rows only in other tiers than standard has no history to
    chart and is left out; its tiers' notes would have nothing to hang on.
    """
    rows = named_rows(execute_core(session, _PRICES_QUERY, {"model_id": model_id}))
    offers = [
        offer
        for _, endpoint_rows in groupby(rows, key=lambda row: row.endpoint_id)
        if (offer := _offer(list(endpoint_rows))) is not None
    ]
    return ModelPriceHistory(offers=tuple(offers), now=now or utcnow())


def remembered_price_history(
    *, snapshot: Snapshot, model_id: int, now: datetime
) -> ModelPriceHistory:
    """`load_price_history`, remembered per model and catalog version, ending at `now`.

    Prices change only through writes that bump the catalog version (the refresh,
    the genai-prices import, the seed; see `services.publishing.snapshot`). The offers are
    what is remembered: `now` is the request's own.
    """
    history = snapshot.remember(
        ("price-history", model_id),
        lambda: load_price_history(session=snapshot.session, model_id=model_id, now=now),
        catalog_only=True,
    )
    return replace(history, now=now)


def _offer(rows: list[NamedRow]) -> OfferPriceHistory | None:
    """One endpoint's rows (ordered by tier, then start) as its history, or None if no standard."""
    by_tier = {
        tier: collapse((r.effective_from, r.effective_to, r.input, r.output) for r in tier_rows)
        for tier, tier_rows in groupby(rows, key=lambda row: row.service_tier)
    }
    standard = by_tier.pop(STANDARD_TIER, None)
    if not standard:
        return None
    first = rows[0]
    return OfferPriceHistory(
        provider_slug=first.provider_slug,
        provider_name=first.provider_name,
        variant=first.variant,
        is_router=first.provider_kind == "router",
        spans=standard,
        other_tiers=tuple(
            TierNote(
                tier=tier,
                input=spans[-1].input,
                output=spans[-1].output,
                since=spans[-1].start,
                change_count=len(spans) - 1,
            )
            for tier, spans in sorted(by_tier.items())
        ),
    )


# Built once with bound parameters from table columns (run as a Core statement),
# like the model page's other statements.
_price = Price.__table__.c
_endpoint = Endpoint.__table__.c
_provider = Provider.__table__.c

_PRICES_QUERY = (
    select(
        _price.endpoint_id,
        _price.service_tier,
        _price.effective_from,
        _price.effective_to,
        _price.input,
        _price.output,
        _endpoint.variant,
        _provider.slug.label("provider_slug"),
        _provider.name.label("provider_name"),
        _provider.kind.label("provider_kind"),
    )
    .join_from(Price.__table__, Endpoint.__table__, _endpoint.id == _price.endpoint_id)
    .join(Provider.__table__, _provider.id == _endpoint.provider_id)
    .where(_endpoint.model_id == bindparam("model_id"))
    .order_by(
        _provider.name,
        _endpoint.variant,
        _price.endpoint_id,
        _price.service_tier,
        _price.effective_from,
    )
)
