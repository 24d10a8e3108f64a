"""The pricing core against bills worked out by hand.

Prices are USD per 1M tokens, so a figure below is tokens x price / 1,000,000
per request, times requests per day x days for the month.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from app.services.pricing.calculator import Offer
from app.services.pricing.workload_cost import PriceSheet, Workload, estimate

D = Decimal

MISTRAL = PriceSheet(input=D("0.15"), output=D("0.6"), cache_read=D("0.015"))
VENICE = PriceSheet(input=D("0.188"), output=D("0.75"))
# Claude-like: cache reads at a tenth, writes at 1.25x, long context past 200K tokens.
SONNET = PriceSheet(
    input=D(3),
    output=D(15),
    cache_read=D("0.3"),
    cache_write=D("3.75"),
    long_context_threshold=200_000,
    long_context_input=D(6),
    long_context_output=D("22.5"),
    long_context_cache_write=D("7.5"),
)


def test_reference_one_million_tokens_each_way_on_mistral_small_4() -> None:
    """1,000 requests a month of 1,000 tokens in and out: 1M input + 1M output tokens."""
    workload = Workload(requests=1_000, per="month", input_tokens=1_000, output_tokens=1_000)

    assert estimate(workload, MISTRAL).per_month == D("0.75")
    assert estimate(workload, VENICE).per_month == D("0.938")


def test_monthly_is_per_request_times_requests_per_day_times_days() -> None:
    workload = Workload(requests=100, input_tokens=2_000, output_tokens=500, days=31)

    result = estimate(workload, MISTRAL)

    # 2,000 x 0.15 + 500 x 0.6 = 300 + 300 = 600 per 1M → $0.0006 a request
    assert result.per_request == D("0.0006")
    assert result.per_day == D("0.06")
    assert result.per_month == D("1.86")


def test_cache_share_bills_the_cached_part_at_the_cache_read_price() -> None:
    workload = Workload(requests=100, input_tokens=10_000, output_tokens=500, cache_share=D(60))

    result = estimate(workload, MISTRAL)

    # uncached 4,000 x 0.15 = 600; cached 6,000 x 0.015 = 90; output 500 x 0.6 = 300 (per 1M)
    assert result.component("input").tokens == 4_000
    assert result.component("cache_read").tokens == 6_000
    assert result.component("cache_read").per_request == D("0.00009")
    assert result.per_request == D("0.00099")
    assert result.per_month == D("2.97")


def test_without_a_cache_price_cached_input_is_billed_as_input_and_says_so() -> None:
    workload = Workload(requests=100, input_tokens=10_000, output_tokens=500, cache_share=D(60))

    cached = estimate(workload, VENICE).component("cache_read")

    assert cached.price == D("0.188")
    assert cached.per_request == D("0.001128")  # 6,000 x 0.188 / 1M
    assert cached.note == "no cache price known: billed as input"


def test_cache_writes_are_billed_at_the_cache_write_price() -> None:
    workload = Workload(
        requests=1,
        input_tokens=100_000,
        output_tokens=1_000,
        cache_share=D(80),
        cache_write_share=D(10),
    )

    result = estimate(workload, SONNET)

    # uncached 10,000 x 3 = 0.03; read 80,000 x 0.3 = 0.024; written 10,000 x 3.75 = 0.0375;
    # output 1,000 x 15 = 0.015
    assert result.component("cache_write").per_request == D("0.0375")
    assert result.per_request == D("0.1065")
    assert not result.long_context


def test_long_context_tier_applies_to_the_whole_request_once_input_exceeds_the_threshold() -> None:
    at_threshold = Workload(requests=1, input_tokens=200_000, output_tokens=1_000)
    past_threshold = Workload(requests=1, input_tokens=200_001, output_tokens=1_000)

    below = estimate(at_threshold, SONNET)
    above = estimate(past_threshold, SONNET)

    assert not below.long_context
    assert below.per_request == D("0.615")  # 200,000 x 3 + 1,000 x 15
    assert above.long_context
    assert above.per_request == D("1.222506")  # 200,001 x 6 + 1,000 x 22.5


def test_long_context_component_without_a_tier_price_keeps_its_regular_price() -> None:
    workload = Workload(requests=1, input_tokens=300_000, output_tokens=0, cache_share=D(50))

    result = estimate(workload, SONNET)

    assert result.component("input").price == D(6)
    assert result.component("cache_read").price == D("0.3")  # no long-context cache-read price
    assert result.per_request == D("0.945")  # 150,000 x 6 + 150,000 x 0.3


def test_batch_price_is_used_only_for_batch_eligible_work_where_one_exists() -> None:
    batch = PriceSheet(tier="batch", input=D("0.075"), output=D("0.3"))
    with_batch = Offer("mistral", "Mistral", "", "inference", 262_144, (), MISTRAL, batch)
    without_batch = Offer("venice", "Venice", "", "inference", 256_000, (), VENICE, None)
    interactive = Workload(requests=1_000, per="month", input_tokens=1_000, output_tokens=1_000)
    eligible = replace(interactive, batch=True)

    batch_estimate = estimate(eligible, with_batch.sheet_for(eligible))

    assert batch_estimate.tier == "batch"
    assert batch_estimate.per_month == D("0.375")
    assert with_batch.sheet_for(interactive) is MISTRAL
    assert without_batch.sheet_for(eligible) is VENICE


def test_reasoning_tokens_use_the_reasoning_price_where_there_is_one() -> None:
    sheet = PriceSheet(input=D(1), output=D("0.6"), reasoning=D("3.5"))
    workload = Workload(requests=1, input_tokens=0, output_tokens=500, reasoning_tokens=2_000)

    result = estimate(workload, sheet)

    assert result.component("output").tokens == 500
    assert result.component("reasoning").per_request == D("0.007")  # 2,000 x 3.5
    assert result.per_request == D("0.0073")  # + 500 x 0.6, reasoning never counted as output


def test_reasoning_tokens_fall_back_to_the_output_price_and_are_counted_once() -> None:
    workload = Workload(requests=1, input_tokens=0, output_tokens=500, reasoning_tokens=2_000)

    result = estimate(workload, MISTRAL)

    assert result.component("reasoning").note == "no reasoning price: billed as output"
    assert result.per_request == D("0.0015")  # (500 + 2,000) x 0.6


def test_per_request_fee_is_added_to_every_request() -> None:
    sheet = PriceSheet(input=D(1), output=D(2), per_request=D("0.005"))
    workload = Workload(requests=1_000, input_tokens=1_000, output_tokens=500)

    result = estimate(workload, sheet)

    assert result.component("requests").per_month == D(150)  # 0.005 x 1,000 x 30
    assert result.per_request == D("0.007")  # 0.001 + 0.001 + 0.005
    assert result.per_month == D(210)


def test_a_free_model_costs_nothing() -> None:
    free = PriceSheet(input=D(0), output=D(0), cache_read=D(0))
    workload = Workload(requests=5_000, input_tokens=2_500, output_tokens=350, cache_share=D(60))

    result = estimate(workload, free)

    assert result.per_month == 0
    assert result.missing == ()


def test_a_missing_output_price_makes_the_total_not_known_rather_than_smaller() -> None:
    sheet = PriceSheet(input=D("0.1"))
    workload = Workload(requests=10, input_tokens=1_000, output_tokens=200)

    result = estimate(workload, sheet)

    assert result.component("input").per_request == D("0.0001")
    assert result.component("output").per_request is None
    assert (result.per_request, result.per_day, result.per_month) == (None, None, None)
    assert result.missing == ("Output",)


def test_a_missing_price_does_not_matter_when_the_workload_does_not_use_it() -> None:
    embeddings = PriceSheet(input=D("0.02"))
    workload = Workload(requests=1_000, input_tokens=500, output_tokens=0)

    assert estimate(workload, embeddings).per_month == D("0.3")


def test_no_price_row_at_all_is_not_known() -> None:
    workload = Workload(requests=1, input_tokens=1, output_tokens=1)

    assert estimate(workload, PriceSheet()).per_month is None


@pytest.mark.parametrize("bad", [D(-1), D("NaN"), D("Infinity")])
def test_a_negative_or_non_finite_price_reads_as_not_known(bad: Decimal) -> None:
    sheet = PriceSheet(input=bad, output=D(1), long_context_threshold=-5)

    assert sheet.input is None
    assert sheet.long_context_threshold is None
    assert estimate(Workload(requests=1, input_tokens=1, output_tokens=1), sheet).per_month is None


def test_requests_per_month_spread_over_the_days_of_the_month() -> None:
    workload = Workload(requests=3_000, per="month", input_tokens=1_000, output_tokens=0, days=30)

    result = estimate(workload, MISTRAL)

    assert workload.requests_per_day == 100
    assert result.per_month == D("0.45")  # 3,000,000 tokens x 0.15
    assert result.per_day == D("0.015")


def test_token_totals_per_request_and_per_month() -> None:
    workload = Workload(
        requests=2_000, input_tokens=20_000, output_tokens=600, cache_share=D(10), days=30
    )

    assert workload.token_rows() == (
        ("Uncached input", D(18_000), D(1_080_000_000)),
        ("Cached input (read)", D(2_000), D(120_000_000)),
        ("Output", D(600), D(36_000_000)),
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"requests": -1},
        {"input_tokens": -5},
        {"days": 0},
        {"cache_share": D(70), "cache_write_share": D(40)},
        {"per": "week"},
    ],
)
def test_an_impossible_workload_is_refused(fields: dict) -> None:
    with pytest.raises(ValueError):
        Workload(**{"requests": 1, "input_tokens": 1, "output_tokens": 1, **fields})
