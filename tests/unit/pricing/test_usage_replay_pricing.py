"""Pricing replayed usage: how tokens are billed, and which dated price applies to a day."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from app.services.pricing.replay_catalog import DatedPrice, ReplayModel, ReplayOffer
from app.services.pricing.usage_records import TokenTotals
from app.services.pricing.usage_replay import _model_replay, offer_total, usage_cost
from app.services.pricing.workload_cost import PriceSheet


def tokens(**counts: int) -> TokenTotals:
    return TokenTotals(rows=1, requests=counts.pop("requests", 1), **counts)


def offer(*prices: tuple[datetime, datetime | None, str, str]) -> ReplayOffer:
    return ReplayOffer(
        provider_slug="p",
        provider_name="P",
        variant="",
        is_router=False,
        is_lab=False,
        prices=tuple(
            DatedPrice(
                start=start,
                end=end,
                sheet=PriceSheet(input=Decimal(input_price), output=Decimal(output_price)),
            )
            for start, end, input_price, output_price in prices
        ),
    )


def moment(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def test_cached_input_is_billed_at_the_cache_read_price_and_reasoning_as_output() -> None:
    sheet = PriceSheet(input=Decimal(2), output=Decimal(8), cache_read=Decimal("0.5"))
    usage = tokens(
        input_tokens=3_000_000,
        cached_input_tokens=1_000_000,
        output_tokens=2_000_000,
        reasoning_tokens=500_000,
    )

    # 2M uncached x 2 + 1M cached x 0.5 + 1.5M visible x 8 + 0.5M reasoning x 8
    assert usage_cost(usage, sheet) == Decimal("20.5")


def test_a_reasoning_price_and_a_request_fee_apply_where_the_provider_has_them() -> None:
    sheet = PriceSheet(
        input=Decimal(1), output=Decimal(4), reasoning=Decimal(10), per_request=Decimal("0.01")
    )
    usage = tokens(
        input_tokens=1_000_000, output_tokens=1_000_000, reasoning_tokens=1_000_000, requests=100
    )

    assert usage_cost(usage, sheet) == Decimal(11) + Decimal(1)


def test_cached_input_without_a_cache_price_is_billed_as_input() -> None:
    sheet = PriceSheet(input=Decimal(2), output=Decimal(8))

    assert usage_cost(tokens(input_tokens=10**6, cached_input_tokens=10**6), sheet) == 2


def test_a_price_not_known_gives_no_cost_rather_than_zero() -> None:
    sheet = PriceSheet(input=Decimal(2))

    assert usage_cost(tokens(input_tokens=10, output_tokens=1), sheet) is None
    assert usage_cost(tokens(input_tokens=10**6), sheet) == 2


def test_each_day_is_priced_at_the_price_in_force_on_it() -> None:
    changed = offer((moment(1), moment(10), "1", "2"), (moment(10), None, "3", "6"))
    one_million_each = tokens(input_tokens=10**6, output_tokens=10**6)

    total = offer_total(
        changed,
        {date(2026, 3, 9): one_million_each, date(2026, 3, 10): one_million_each},
    )

    assert total.cost == Decimal(3) + Decimal(9)
    assert total.complete
    assert total.assumed_from is None


def test_a_day_before_the_first_price_uses_it_and_says_so() -> None:
    late = offer((moment(10), None, "1", "2"))

    total = offer_total(late, {date(2026, 2, 1): tokens(input_tokens=10**6)})

    assert total.cost == 1
    assert total.assumed_from == date(2026, 3, 10)


def test_a_day_after_an_offers_last_price_closed_is_not_priced() -> None:
    withdrawn = offer((moment(1), moment(5), "1", "2"))

    total = offer_total(
        withdrawn,
        {date(2026, 3, 2): tokens(input_tokens=10**6), date(2026, 3, 6): tokens(input_tokens=1)},
    )

    assert total.cost == 1
    assert total.rows_not_priced == 1
    assert not total.complete


def test_a_retired_offer_has_no_price_from_its_retirement_on() -> None:
    retired = replace(offer((moment(1), None, "1", "2")), retired_at=moment(5))

    total = offer_total(
        retired,
        {date(2026, 3, 4): tokens(input_tokens=10**6), date(2026, 3, 5): tokens(input_tokens=1)},
    )

    assert total.cost == 1
    assert total.rows_not_priced == 1


def test_among_equally_cheap_providers_the_labs_own_is_the_cheapest() -> None:
    same_price = (moment(1), None, "1", "2")
    model = ReplayModel(
        id=1,
        slug="lab/model",
        name="Model",
        author_slug="lab",
        offers=(
            replace(offer(same_price), provider_slug="a-host", provider_name="A host"),
            replace(offer(same_price), provider_slug="lab", provider_name="Lab", is_lab=True),
        ),
    )

    result = _model_replay(model, ("lab/model",), {date(2026, 3, 2): tokens(input_tokens=10**6)})

    assert result.cheapest is result.lab
    assert result.cheapest.offer.provider_name == "Lab"
