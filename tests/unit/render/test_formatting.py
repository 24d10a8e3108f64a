"""Formatting at the edge: the exact strings the pages print, and "not known" for missing values."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.render.formatting import (
    NOT_KNOWN,
    count_short,
    duration_words,
    iso_date,
    number_short,
    percent,
    price,
    tokens_short,
    utc_timestamp,
    window_words,
)

# What the Money column can hold: up to nine decimals, below a billion dollars.
money = st.decimals(min_value=0, max_value=Decimal("999999999"), places=9)


@pytest.mark.parametrize(
    "formatter",
    [price, tokens_short, number_short, iso_date, utc_timestamp, window_words],
)
def test_missing_values_read_not_known(formatter) -> None:
    assert formatter(None) == NOT_KNOWN == "not known"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.15"), "$0.15"),
        (Decimal("0.150000000"), "$0.15"),
        (Decimal("0.6"), "$0.60"),
        (Decimal("0.188"), "$0.188"),
        (Decimal("0.75"), "$0.75"),
        (Decimal("3"), "$3.00"),
        (Decimal("10.0000"), "$10.00"),
        (Decimal("1250"), "$1,250.00"),
        (Decimal("0.00000015"), "$0.00000015"),
        (Decimal(0), "$0.00"),
    ],
)
def test_price_shows_cents_and_any_further_digit_the_price_has(
    value: Decimal, expected: str
) -> None:
    assert price(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("NaN", "$NaN"), ("Infinity", "$Infinity")])
def test_price_without_digits_prints_as_is_instead_of_failing(value: str, expected: str) -> None:
    assert price(Decimal(value)) == expected


@given(money)
def test_price_is_exact_and_never_scientific(value: Decimal) -> None:
    text = price(value)
    assert text.startswith("$")
    assert "E" not in text
    assert Decimal(text[1:].replace(",", "")) == value


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (262_144, "262K"),
        (256_000, "256K"),
        (32_768, "33K"),
        (1_500, "2K"),
        (2_500, "3K"),
        (1_000, "1K"),
        (999, "999"),
        (0, "0"),
        (999_499, "999K"),
        (999_500, "1M"),
        (1_000_000, "1M"),
        (1_048_576, "1.05M"),
        (2_000_000, "2M"),
    ],
)
def test_tokens_short(count: int, expected: str) -> None:
    assert tokens_short(count) == expected


@given(st.integers(min_value=1_000, max_value=999_499))
def test_tokens_short_thousands_stay_within_half_a_thousand(count: int) -> None:
    text = tokens_short(count)
    assert text.endswith("K")
    assert abs(int(text[:-1]) * 1000 - count) <= 500


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal(96), "tok/s", "96\u202ftok/s"),
        (Decimal("666.4"), "ms", "666\u202fms"),
        (Decimal("28.5"), "tok/s", "29\u202ftok/s"),
        (440, "ms", "440\u202fms"),
        (Decimal(0), "ms", "0\u202fms"),
        (Decimal(7), "", "7"),
    ],
)
def test_number_short_rounds_half_up_to_whole_units(
    value: Decimal | int, unit: str, expected: str
) -> None:
    assert number_short(value, unit) == expected


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("30m", "30 minutes"),
        ("1m", "1 minute"),
        ("1h", "1 hour"),
        ("24h", "24 hours"),
        ("7d", "7 days"),
        ("", NOT_KNOWN),
        ("weekly", "weekly"),
        ("m", "m"),
    ],
)
def test_window_words(window: str, expected: str) -> None:
    assert window_words(window) == expected


def test_iso_date_of_a_date_and_of_an_aware_datetime() -> None:
    assert iso_date(date(2026, 3, 16)) == "2026-03-16"
    late_evening_in_new_york = datetime(2026, 3, 15, 22, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert iso_date(late_evening_in_new_york) == "2026-03-16"


def test_utc_timestamp_converts_to_utc() -> None:
    assert utc_timestamp(datetime(2026, 3, 20, 12, 0, tzinfo=UTC)) == "2026-03-20 12:00 UTC"
    paris = timezone(timedelta(hours=1))
    assert utc_timestamp(datetime(2026, 3, 20, 13, 5, tzinfo=paris)) == "2026-03-20 12:05 UTC"


def test_utc_timestamp_drops_seconds_without_rounding() -> None:
    moment = datetime(2026, 3, 20, 23, 59, 59, 999999, tzinfo=UTC)
    assert utc_timestamp(moment) == "2026-03-20 23:59 UTC"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.35, "0.4 s"),
        (9.96, "10 s"),
        (12.6, "12 s"),
        (120, "2 min"),
        (185, "3 min 5 s"),
        (7_500, "2 h 5 min"),
        (7_200, "2 h"),
        (86_400, "1 d"),
        (273_600, "3 d 4 h"),
    ],
)
def test_duration_words_uses_two_units_at_most(seconds: float, expected: str) -> None:
    assert duration_words(timedelta(seconds=seconds)) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0"),
        (999, "999"),
        (1_000, "1K"),
        (56_789, "56.8K"),
        (999_949, "999.9K"),
        (999_950, "1M"),
        (1_234_567, "1.2M"),
        (3_000_000_000, "3B"),
    ],
)
def test_count_short_moves_up_a_unit_instead_of_printing_1000k(count: int, expected: str) -> None:
    assert count_short(count) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", "100%"), ("99.5", "99.5%"), ("99.96", "100%"), ("97.04", "97%"), ("0", "0%")],
)
def test_percent_keeps_one_decimal_at_most(value: str, expected: str) -> None:
    assert percent(Decimal(value)) == expected


def test_new_formatters_read_not_known_for_missing_values() -> None:
    assert duration_words(None) == count_short(None) == percent(None) == NOT_KNOWN
