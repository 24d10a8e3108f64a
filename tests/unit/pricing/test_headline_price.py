"""The one rule for a model's "from" price: who may set it, outliers, routers beside it."""

from dataclasses import dataclass
from decimal import Decimal

from app.services.pricing.headline_price import headline

D = Decimal


@dataclass(frozen=True)
class Sold:
    provider_slug: str
    input_price: Decimal | None
    output_price: Decimal | None
    provider_kind: str = "inference"
    variant: str = ""


def test_the_cheapest_regular_offer_of_a_provider_that_sells_api_access_sets_it() -> None:
    offers = [
        Sold("novita", D(4), D(4)),
        Sold("together", D(3), D(7)),
        Sold("openrouter", D("0.7"), D("2.5"), provider_kind="router"),
        Sold("openrouter", D(0), D(0), provider_kind="router", variant="free"),
        Sold("copilot", D("0.1"), D("0.1"), provider_kind="subscription"),
    ]

    price = headline(offers, author_slug="deepseek")

    assert price.offer == offers[0]
    assert (price.input, price.output) == (D(4), D(4))
    assert price.router == offers[2]  # lower, so shown beside it
    assert not price.outliers


def test_input_and_output_come_from_the_same_offer() -> None:
    cheap_input = Sold("a", D("0.1"), D(9))
    balanced = Sold("b", D(1), D(2))

    price = headline([cheap_input, balanced], author_slug="lab")

    assert (price.input, price.output) == (D(1), D(2))


def test_an_offer_at_a_quarter_of_the_labs_price_or_less_is_flagged_and_skipped() -> None:
    lab = Sold("anthropic", D(2), D(10))
    reseller = Sold("quicksilverpro", D("0.5"), D("2.5"))
    fair = Sold("aws", D("2.2"), D(11), variant="regional")

    price = headline([reseller, fair, lab], author_slug="anthropic")

    assert price.offer == lab
    assert price.is_outlier(reseller)
    assert not price.is_outlier(fair)
    assert not price.is_outlier(lab)


def test_nothing_is_flagged_when_the_lab_sells_no_offer() -> None:
    price = headline([Sold("a", D(4), D(4)), Sold("b", D("0.5"), D("0.5"))], author_slug="lab")

    assert price.offer is not None and price.offer.provider_slug == "b"
    assert not price.outliers


def test_a_router_quotes_the_model_only_when_no_provider_sells_it() -> None:
    router = Sold("openrouter", D(1), D(2), provider_kind="router")
    free = Sold("openrouter", D(0), D(0), provider_kind="router", variant="free")

    assert headline([router, free], author_slug="lab").offer == router
    assert headline([router, free], author_slug="lab").router is None
    assert headline([free], author_slug="lab").offer == free


def test_a_model_without_prices_has_no_headline() -> None:
    price = headline([Sold("a", None, None)], author_slug="lab")

    assert price.offer is None
    assert (price.input, price.output) == (None, None)


def test_an_offer_priced_zero_is_free_and_quotes_the_model_only_when_nothing_is_paid() -> None:
    free_tier = Sold("github-models", D(0), D(0))
    paid = Sold("together", D("0.88"), D("0.88"))
    lab_free = Sold("meta", D(0), D(0))

    price = headline([free_tier, lab_free, paid], author_slug="meta")

    assert price.offer == paid
    assert not price.outliers  # a lab giving it away sets no price to measure against
    assert headline([free_tier], author_slug="meta").offer == free_tier
