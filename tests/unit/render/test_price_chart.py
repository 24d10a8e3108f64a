"""The price step chart: geometry of a hand-made history, breaks, and the chart in words."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.services.pricing.price_history_section import PriceSpan
from app.web.render.price_chart import HEIGHT, PAD, WIDTH, price_chart, step_points

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(days=20)


def at(days: int) -> datetime:
    return START + timedelta(days=days)


def inputs(span: PriceSpan) -> Decimal | None:
    return span.input


# Input $2 for ten days, then $1 until now (day 20). Box 240 x 48, padding 2:
# x = 2 + days / 20 * 236, y = 2 + (2 - price) / 2 * 44.
HISTORY = (
    PriceSpan(at(0), at(10), Decimal("2"), Decimal("6")),
    PriceSpan(at(10), None, Decimal("1"), Decimal("3")),
)


def test_a_price_cut_is_a_step_down_at_its_date() -> None:
    lines = step_points(HISTORY, inputs, start=START, end=END, high=2.0)
    assert lines == [[(2.0, 2.0), (120.0, 2.0), (120.0, 24.0), (238.0, 24.0)]]


def test_prices_are_drawn_from_zero_so_the_step_shows_its_real_size() -> None:
    lines = step_points(HISTORY, inputs, start=START, end=END, high=6.0)
    # $2 is a third of the way up from the bottom, $1 a sixth.
    heights = [HEIGHT - PAD - y for _, y in lines[0]]
    assert [round(h, 3) for h in heights] == [
        round(44 / 3, 3),
        round(44 / 3, 3),
        round(44 / 6, 3),
        round(44 / 6, 3),
    ]


def test_an_unknown_price_or_a_gap_breaks_the_line() -> None:
    spans = (
        PriceSpan(at(0), at(5), Decimal("2"), None),
        PriceSpan(at(5), at(8), None, None),
        PriceSpan(at(8), at(10), Decimal("2"), None),
        PriceSpan(at(15), None, Decimal("1"), None),  # nothing recorded from day 10 to 15
    )
    lines = step_points(spans, inputs, start=START, end=END, high=2.0)
    assert [[x for x, _ in line] for line in lines] == [[2.0, 61.0], [96.4, 120.0], [179.0, 238.0]]


def test_all_free_prices_lie_on_the_axis() -> None:
    spans = (PriceSpan(at(0), at(10), Decimal(0), None), PriceSpan(at(10), None, Decimal(0), None))
    lines = step_points(spans, inputs, start=START, end=END, high=0.0)
    assert {y for _, y in lines[0]} == {HEIGHT - PAD}


def test_chart_is_a_named_image_with_one_path_per_price_kind() -> None:
    # Inline SVG in HTML needs no namespace; it parses as plain XML, escapes and all.
    markup = str(price_chart(HISTORY, end=END, label="Host <A&B>"))
    svg = ET.fromstring(markup)  # noqa: S314 - our own output
    words = (
        "Host <A&B> price per 1M tokens since 2026-01-01: input $2.00 to $1.00, "
        "output $6.00 to $3.00; 1 change"
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == words
    assert svg.findtext("title") == words
    assert (svg.get("width"), svg.get("height")) == (str(WIDTH), str(HEIGHT))
    paths = {path.get("class"): path.get("d") for path in svg.iter("path")}
    # Output: $6 -> $3 against a top of $6: y 2 then 24.
    assert paths["price-chart-output"] == "M2 2 L120 2 L120 24 L238 24"
    assert paths["price-chart-input"] == "M2 31.3 L120 31.3 L120 38.7 L238 38.7"
    assert "price-chart-axis" in paths


def test_no_known_price_draws_nothing() -> None:
    assert str(price_chart((PriceSpan(at(0), None, None, None),), end=END, label="X")) == ""
