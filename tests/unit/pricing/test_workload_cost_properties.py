"""Properties of the pricing core over generated workloads and price rows.

More of anything costs no less, nothing is ever negative or NaN, and twice the
requests cost exactly twice as much: Decimal arithmetic keeps that exact.
"""

from dataclasses import replace
from decimal import Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from app.services.pricing.workload import MAX_REQUESTS_PER_DAY, MAX_TOKENS_PER_REQUEST
from app.services.pricing.workload_cost import (
    PRECISION,
    PriceSheet,
    Workload,
    estimate,
    monthly_cost,
)

# What the Money column holds: nine decimals, per 1M tokens.
prices = st.decimals(min_value=0, max_value=Decimal(1_000), places=9)
maybe_prices = st.none() | prices
token_counts = st.integers(min_value=0, max_value=MAX_TOKENS_PER_REQUEST)
request_counts = st.integers(min_value=1, max_value=MAX_REQUESTS_PER_DAY)
percentages = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def price_sheets(draw: st.DrawFn, price: st.SearchStrategy = maybe_prices) -> PriceSheet:
    """A price row; its long-context prices, where present, are no lower than the regular ones."""
    regular = {name: draw(price) for name in ("input", "output", "cache_read", "cache_write")}
    long_context = {}
    threshold = draw(st.none() | st.integers(min_value=0, max_value=MAX_TOKENS_PER_REQUEST))
    if threshold is not None:
        for name, value in regular.items():
            extra = draw(st.none() | prices)
            if value is not None and extra is not None:
                long_context[f"long_context_{name}"] = value + extra
    return PriceSheet(
        **regular,
        reasoning=draw(price),
        per_request=draw(price),
        long_context_threshold=threshold,
        **long_context,
    )


@st.composite
def workloads(draw: st.DrawFn) -> Workload:
    cache_share = draw(percentages)
    return Workload(
        requests=draw(request_counts),
        per=draw(st.sampled_from(("day", "month"))),
        input_tokens=draw(token_counts),
        output_tokens=draw(token_counts),
        reasoning_tokens=draw(token_counts),
        cache_share=cache_share,
        cache_write_share=draw(st.decimals(min_value=0, max_value=100 - cache_share, places=2)),
        days=draw(st.integers(min_value=1, max_value=31)),
    )


@given(workloads(), price_sheets())
def test_cost_is_never_negative_or_nan(workload: Workload, sheet: PriceSheet) -> None:
    result = estimate(workload, sheet)

    for amount in (result.per_request, result.per_day, result.per_month):
        assert amount is None or (amount.is_finite() and amount >= 0)
    for component in result.components:
        assert component.per_month is None or component.per_month >= 0


@given(
    workloads(),
    price_sheets(prices),
    st.sampled_from(("input_tokens", "output_tokens", "reasoning_tokens", "requests")),
    st.integers(min_value=1, max_value=MAX_TOKENS_PER_REQUEST),
)
def test_cost_is_monotonic_in_each_token_count_and_in_requests(
    workload: Workload, sheet: PriceSheet, field: str, more: int
) -> None:
    larger = replace(workload, **{field: getattr(workload, field) + more})

    before = estimate(workload, sheet).per_month
    after = estimate(larger, sheet).per_month

    assert before is not None and after is not None
    assert after >= before


@given(workloads(), price_sheets(), st.integers(min_value=2, max_value=1_000))
def test_cost_is_linear_in_requests_per_day(
    workload: Workload, sheet: PriceSheet, factor: int
) -> None:
    daily = replace(workload, per="day")
    scaled = replace(daily, requests=daily.requests * factor)

    once = estimate(daily, sheet)
    scaled_estimate = estimate(scaled, sheet)

    if once.per_month is None:
        assert scaled_estimate.per_month is None
        return
    with localcontext(prec=PRECISION):  # the core's own precision: no digit is rounded away
        assert scaled_estimate.per_month == once.per_month * factor
        assert scaled_estimate.per_day == once.per_day * factor
    assert scaled_estimate.per_request == once.per_request


@given(workloads(), price_sheets(prices))
def test_every_known_price_gives_a_known_total_that_is_the_sum_of_its_components(
    workload: Workload, sheet: PriceSheet
) -> None:
    result = estimate(workload, sheet)

    with localcontext(prec=PRECISION):  # the core's own precision: no digit is rounded away
        assert result.per_month == sum(c.per_month for c in result.components)


@given(workloads(), price_sheets())
def test_the_monthly_cost_alone_is_the_estimates_monthly_total(
    workload: Workload, sheet: PriceSheet
) -> None:
    assert monthly_cost(workload, sheet) == estimate(workload, sheet).per_month


@given(workloads(), price_sheets(), price_sheets())
def test_one_workload_priced_on_several_sheets_costs_each_its_own_total(
    workload: Workload, first: PriceSheet, second: PriceSheet
) -> None:
    """What a workload works out once (its billed tokens) carries nothing of a sheet over."""
    costs = [monthly_cost(workload, sheet) for sheet in (first, second, first)]

    totals = [estimate(workload, sheet).per_month for sheet in (first, second, first)]
    assert costs == totals
