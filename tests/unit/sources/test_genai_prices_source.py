"""Reading genai-prices model entries into offers: tiers, timelines, what is skipped."""

from datetime import date, time, timedelta, timezone
from decimal import Decimal

from genai_prices.types import (
    ClauseEquals,
    ClauseOr,
    ClauseStartsWith,
    ConditionalPrice,
    ModelInfo,
    ModelPrice,
    PriceVariant,
    StartDateConstraint,
    Tier,
    TieredPrices,
    TimeOfDateConstraint,
)

from app.sources.genai_prices import PricePeriod, PriceValues, read_offer


def entry(prices, *, variants=None, model_id="m-1", name=None) -> ModelInfo:
    return ModelInfo(
        id=model_id,
        match=ClauseOr(or_=[ClauseEquals(equals=model_id), ClauseStartsWith(starts_with="m-")]),
        name=name,
        prices=prices,
        price_variants=variants,
    )


def test_plain_prices_map_to_columns_per_million_and_per_request() -> None:
    offer = read_offer(
        "p",
        entry(
            ModelPrice(
                input_mtok=Decimal("0.15"),
                output_mtok=Decimal("0.6"),
                cache_read_mtok=Decimal("0.015"),
                cache_write_mtok=Decimal("0.2"),
                output_reasoning_mtok=Decimal("1"),
                requests_kcount=Decimal("5"),
            )
        ),
    )
    assert offer.tiers == {
        "standard": [
            PricePeriod(
                None,
                PriceValues(
                    input=Decimal("0.15"),
                    output=Decimal("0.6"),
                    cache_read=Decimal("0.015"),
                    cache_write=Decimal("0.2"),
                    reasoning=Decimal("1"),
                    per_request=Decimal("0.005"),
                ),
            )
        ]
    }
    assert offer.aliases == ("m-1",)


def test_first_tier_becomes_the_long_context_price_and_extra_tiers_are_counted() -> None:
    tiered = TieredPrices(
        base=Decimal(3),
        tiers=[Tier(start=200_000, price=Decimal(6)), Tier(start=1_000_000, price=Decimal(9))],
    )
    offer = read_offer("p", entry(ModelPrice(input_mtok=tiered, output_mtok=Decimal(15))))
    [period] = offer.tiers["standard"]
    assert (period.values.input, period.values.long_context_threshold) == (Decimal(3), 200_000)
    assert period.values.long_context_input == Decimal(6)
    assert offer.skipped["price tier beyond the first"] == 1


def test_dated_conditional_prices_make_a_timeline_and_off_peak_is_skipped() -> None:
    offer = read_offer(
        "p",
        entry(
            [
                ConditionalPrice(prices=ModelPrice(input_mtok=Decimal(2))),
                ConditionalPrice(
                    constraint=TimeOfDateConstraint(start_time=time(16, 30), end_time=time(0, 30)),
                    prices=ModelPrice(input_mtok=Decimal(1)),
                ),
                ConditionalPrice(
                    constraint=StartDateConstraint(start_date=date(2026, 9, 1)),
                    prices=ModelPrice(input_mtok=Decimal(3)),
                ),
            ]
        ),
    )
    assert [(p.starts_on, p.values.input) for p in offer.tiers["standard"]] == [
        (None, Decimal(2)),
        (date(2026, 9, 1), Decimal(3)),
    ]
    assert offer.skipped["time-of-day price"] == 1


def standard_inputs(offer) -> list[tuple[date | None, Decimal | None]]:
    return [(period.starts_on, period.values.input) for period in offer.tiers["standard"]]


def test_a_price_charged_most_of_the_day_is_the_standard_not_the_night_discount() -> None:
    # DeepSeek's V3 and R1 entries: the unconstrained price is charged only outside
    # 00:30-16:30 UTC, a night discount; the full price holds for 16 hours.
    offer = read_offer(
        "deepseek",
        entry(
            [
                ConditionalPrice(prices=ModelPrice(input_mtok=Decimal("0.135"))),
                ConditionalPrice(
                    constraint=TimeOfDateConstraint(start_time=time(0, 30), end_time=time(16, 30)),
                    prices=ModelPrice(input_mtok=Decimal("0.55")),
                ),
            ]
        ),
    )

    assert standard_inputs(offer) == [(None, Decimal("0.55"))]
    assert offer.skipped["time-of-day price"] == 1


def test_peak_hours_in_two_windows_stay_time_of_day_prices_after_each_dated_change() -> None:
    # DeepSeek V4: seven peak hours a day at a surcharge, in two windows, and dated changes.
    peak = ModelPrice(input_mtok=Decimal("0.3"))
    offer = read_offer(
        "deepseek",
        entry(
            [
                ConditionalPrice(prices=ModelPrice(input_mtok=Decimal("0.14"))),
                ConditionalPrice(
                    constraint=StartDateConstraint(start_date=date(2026, 9, 10)),
                    prices=ModelPrice(input_mtok=Decimal("0.15")),
                ),
                ConditionalPrice(
                    constraint=TimeOfDateConstraint(start_time=time(1), end_time=time(4)),
                    prices=peak,
                ),
                ConditionalPrice(
                    constraint=TimeOfDateConstraint(start_time=time(6), end_time=time(10)),
                    prices=peak,
                ),
            ]
        ),
    )

    assert standard_inputs(offer) == [(None, Decimal("0.14")), (date(2026, 9, 10), Decimal("0.15"))]
    assert offer.skipped["time-of-day price"] == 2


def test_a_window_in_another_zone_is_read_in_utc() -> None:
    # 08:30-00:30 at UTC+8 is 00:30-16:30 UTC: sixteen hours, not eight.
    beijing = timezone(timedelta(hours=8))
    offer = read_offer(
        "deepseek",
        entry(
            [
                ConditionalPrice(prices=ModelPrice(input_mtok=Decimal("0.135"))),
                ConditionalPrice(
                    constraint=TimeOfDateConstraint(
                        start_time=time(8, 30, tzinfo=beijing),
                        end_time=time(0, 30, tzinfo=beijing),
                    ),
                    prices=ModelPrice(input_mtok=Decimal("0.55")),
                ),
            ]
        ),
    )

    assert standard_inputs(offer) == [(None, Decimal("0.55"))]


def test_batch_flex_and_priority_variants_override_the_standard_prices() -> None:
    standard = ModelPrice(
        input_mtok=Decimal(2), output_mtok=Decimal(8), cache_read_mtok=Decimal("0.5")
    )
    offer = read_offer(
        "p",
        entry(
            standard,
            variants=[
                PriceVariant(
                    when={"processing": "batch"},
                    prices=ModelPrice(input_mtok=Decimal(1), output_mtok=Decimal(4)),
                ),
                PriceVariant(
                    when={"service_tier": "flex"}, prices=ModelPrice(input_mtok=Decimal("1.5"))
                ),
                PriceVariant(
                    when={"service_tier": "priority"}, prices=ModelPrice(input_mtok=Decimal(4))
                ),
                PriceVariant(
                    when={"service_tier": "fast"}, prices=ModelPrice(input_mtok=Decimal(9))
                ),
            ],
        ),
    )
    batch = offer.tiers["batch"][0].values
    assert (batch.input, batch.output, batch.cache_read) == (Decimal(1), Decimal(4), Decimal("0.5"))
    assert offer.tiers["flex"][0].values.output == Decimal(8)
    assert offer.tiers["priority"][0].values.input == Decimal(4)
    assert offer.skipped["price variant service_tier=fast"] == 1


def test_a_variant_with_a_start_date_exists_only_from_that_date() -> None:
    offer = read_offer(
        "p",
        entry(
            ModelPrice(input_mtok=Decimal(2)),
            variants=[
                PriceVariant(
                    when={"processing": "batch"},
                    prices=ModelPrice(input_mtok=Decimal(1)),
                    constraint=StartDateConstraint(start_date=date(2026, 10, 14)),
                )
            ],
        ),
    )
    assert [(p.starts_on, p.values.input) for p in offer.tiers["batch"]] == [
        (date(2026, 10, 14), Decimal(1))
    ]


def test_unknown_price_keys_are_counted_and_imply_modalities() -> None:
    offer = read_offer(
        "p",
        entry(
            ModelPrice(
                input_mtok=Decimal(1),
                output_mtok=Decimal(2),
                input_audio_mtok=Decimal(3),
                output_audio_mtok=Decimal(4),
                web_searches_kcount=Decimal(10),
            )
        ),
    )
    assert offer.skipped["price key web_searches_kcount"] == 1
    assert offer.input_modalities == {"text", "audio"}
    assert offer.output_modalities == {"text", "audio"}


def test_vision_models_read_images_even_when_priced_per_token() -> None:
    offer = read_offer("p", entry(ModelPrice(input_mtok=Decimal(1)), model_id="qwen3-vl-8b"))
    assert offer.input_modalities == {"text", "image"}
