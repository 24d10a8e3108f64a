"""The "from" price of a model: the one rule every page that quotes a model's price uses.

A headline price must be a price someone can actually buy the model at. So it
is one offer's standard-tier input and output price, not each kind's minimum
from different providers, chosen as follows:

1. Only offers by providers that sell API access (`kind == "inference"`) and
   not a free offer (the rate-limited `free` variant, or any offer priced $0:
   a free tier or trial says nothing of what production use costs) can set it.
   A router's resale price is reported beside it (`Headline.router`) when it
   is lower, never instead of it.
2. An offer priced at a quarter of the lab's own price or less is an outlier
   (a reseller's mistake or a stale promotion more often than a bargain): it is
   flagged on its row, "far below the lab's price — check the provider", and
   does not set the headline. Without an offer by the lab itself nothing is
   flagged, since there is nothing to measure against.
3. Among the rest the cheapest is the one with the lowest input + output price
   per 1M tokens; an offer with both prices known ranks before one missing one.
4. A model no such provider sells takes its cheapest router offer, and one
   offered only for free takes that (a $0 that the page says is free); other
   kinds of provider (subscription products) never count.

Which provider is "the lab" comes from `author_aliases.FIRST_PARTY_PROVIDERS`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from app.services.catalog.author_aliases import FIRST_PARTY_PROVIDERS

API_SELLER = "inference"
ROUTER = "router"
FREE_VARIANT = "free"
# An offer at this fraction of the lab's own price or below is flagged, not quoted.
OUTLIER_FRACTION = Decimal("0.25")
OUTLIER_NOTE = "far below the lab's price — check the provider"


class PricedOffer(Protocol):
    """What the rule needs of one offer: who sells it and its current standard prices."""

    @property
    def provider_slug(self) -> str: ...

    @property
    def provider_kind(self) -> str: ...

    @property
    def variant(self) -> str: ...

    @property
    def input_price(self) -> Decimal | None: ...

    @property
    def output_price(self) -> Decimal | None: ...


class QuotedOffer(PricedOffer, Protocol):
    """An offer as a page quotes it: its name and every kind of standard price."""

    @property
    def label(self) -> str: ...

    @property
    def cache_read_price(self) -> Decimal | None: ...

    @property
    def cache_write_price(self) -> Decimal | None: ...

    @property
    def reasoning_price(self) -> Decimal | None: ...


OfferT = TypeVar("OfferT", bound=PricedOffer)
# Covariant: a headline only hands its offers out (it is frozen), so a headline of the model
# page's rows is a headline of any protocol those rows satisfy.
OfferT_co = TypeVar("OfferT_co", bound=PricedOffer, covariant=True)


@dataclass(frozen=True)
class Headline(Generic[OfferT_co]):
    """The offer whose prices a model is quoted at, a lower router price, and the outliers.

    `offer` is None when no offer has a price. `router` is the cheapest router
    offer when it is cheaper than `offer` (None otherwise, and when `offer` is
    itself a router's). `outliers` holds the (provider slug, variant) of every
    offer flagged as far below the lab's price.
    """

    offer: OfferT_co | None
    router: OfferT_co | None
    outliers: frozenset[tuple[str, str]]

    @property
    def input(self) -> Decimal | None:
        return None if self.offer is None else self.offer.input_price

    @property
    def output(self) -> Decimal | None:
        return None if self.offer is None else self.offer.output_price

    def is_outlier(self, offer: PricedOffer) -> bool:
        """True when `offer` is priced far below the lab's own price (see the module)."""
        return (offer.provider_slug, offer.variant) in self.outliers


@dataclass(frozen=True)
class CheapestPrices:
    """What a page quotes a model at: the headline offer's standard prices and who sells them.

    `seller_is_router` and `free_variant` say when the quote could only come
    from a router or a free offer; `router` and its prices are a router's
    lower price, shown beside the quote. All None when nothing is priced.
    """

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    seller: str | None = None
    seller_is_router: bool = False
    free_variant: bool = False
    router: str | None = None
    router_input: Decimal | None = None
    router_output: Decimal | None = None


def quoted_prices(price: Headline[QuotedOffer]) -> CheapestPrices:
    """The prices a page shows for a model whose headline is `price`."""
    offer, router = price.offer, price.router
    if offer is None:
        return CheapestPrices()
    return CheapestPrices(
        input=offer.input_price,
        output=offer.output_price,
        cache_read=offer.cache_read_price,
        cache_write=offer.cache_write_price,
        reasoning=offer.reasoning_price,
        seller=offer.label,
        seller_is_router=offer.provider_kind == ROUTER,
        free_variant=is_free(offer),
        router=None if router is None else router.label,
        router_input=None if router is None else router.input_price,
        router_output=None if router is None else router.output_price,
    )


def headline(offers: Sequence[OfferT], *, author_slug: str) -> Headline[OfferT]:
    """The headline price of a model by `author_slug` among its `offers` (see the module).

    Each offer is ranked once: comparable models draw up a headline for every candidate.
    """
    ranked = [(offer, rank) for offer in offers if (rank := _rank(offer)) is not None]
    labs = lab_provider_slugs(author_slug)
    lab_offer = _cheapest(
        [(o, rank) for o, rank in ranked if o.provider_slug in labs and not is_free(o)]
    )
    lab = None if lab_offer is None else lab_offer[1]
    outliers = frozenset(
        (offer.provider_slug, offer.variant)
        for offer, rank in ranked
        if lab is not None and not is_free(offer) and _is_far_below(rank, lab)
    )
    paid: list[tuple[OfferT, tuple[int, Decimal]]] = []
    free = []
    for offer, rank in ranked:
        if (offer.provider_slug, offer.variant) in outliers:
            continue
        if offer.provider_kind in (API_SELLER, ROUTER):
            free.append((offer, rank))
        if not is_free(offer):
            paid.append((offer, rank))
    sellers = [pair for pair in paid if pair[0].provider_kind == API_SELLER]
    routers = [pair for pair in paid if pair[0].provider_kind == ROUTER]
    best = _cheapest(sellers) or _cheapest(routers) or _cheapest(free)
    router = _cheapest(routers)
    lower = (
        best is not None
        and router is not None
        and best[0].provider_kind != ROUTER
        and router[1] < best[1]
    )
    return Headline(
        offer=None if best is None else best[0],
        router=router[0] if lower and router is not None else None,
        outliers=outliers,
    )


def is_free(offer: PricedOffer) -> bool:
    """A free offer: the `free` variant, or every known price zero."""
    if offer.variant == FREE_VARIANT:
        return True
    known = [price for price in (offer.input_price, offer.output_price) if price is not None]
    return bool(known) and not any(known)


def lab_provider_slugs(author_slug: str) -> frozenset[str]:
    """The providers that are the lab `author_slug` selling its own models."""
    return frozenset(p for p, author in FIRST_PARTY_PROVIDERS.items() if author == author_slug)


def _is_far_below(rank: tuple[int, Decimal], lab: tuple[int, Decimal]) -> bool:
    """Priced at a quarter of the lab's price or less, comparing the same kinds of price."""
    unknown, lab_total = lab
    own_unknown, total = rank
    if own_unknown != unknown or lab_total <= 0:
        return False
    return total <= lab_total * OUTLIER_FRACTION


def _rank(offer: PricedOffer) -> tuple[int, Decimal] | None:
    """(prices missing, input + output known) of a priced offer; None when it has no price."""
    prices = (offer.input_price, offer.output_price)
    known = [price for price in prices if price is not None]
    if not known:
        return None
    return (len(prices) - len(known), sum(known, Decimal(0)))


def _cheapest(
    ranked: Sequence[tuple[OfferT, tuple[int, Decimal]]],
) -> tuple[OfferT, tuple[int, Decimal]] | None:
    """The lowest-ranked (offer, rank); ties go to the provider first by slug, the plain
    offer first."""
    return min(
        ranked,
        key=lambda pair: (pair[1], pair[0].provider_slug, pair[0].variant),
        default=None,
    )
