"""Sparkline geometry on hand-checked input, and the chart's accessible description.

The box is 120 x 30 with 2 px padding, so over a 4-hour window the hours sit
at x = 2, 31, 60, 89, 118; with values from 10 to 36, y = 38 - value
(36 at the top, y = 2; 10 at the bottom, y = 28); a flat series sits at y = 15.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bs4 import BeautifulSoup, Tag

from app.services.metrics.metric_history_reader import EndpointHistory, HistoryPoint
from app.services.metrics.sparkline_geometry import path_data
from app.web.render.sparkline import endpoint_sparklines, sparkline

T0 = datetime(2026, 4, 1, tzinfo=UTC)
END = T0 + timedelta(hours=4)


def hour(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def chart(series, **overrides) -> str:
    options = {"start": T0, "end": END, "label": "Venice throughput", "unit": "tok/s"}
    options |= {"css_class": "sparkline-throughput", **overrides}
    return sparkline(series, **options)


def svg_of(markup: str) -> Tag:
    svg = BeautifulSoup(markup, "html.parser").find("svg")
    assert isinstance(svg, Tag)
    return svg


def geometry(markup: str) -> tuple[str | None, list[tuple[str, str]]]:
    svg = svg_of(markup)
    path = svg.find("path")
    dots = [(c["cx"], c["cy"]) for c in svg.find_all("circle")]
    return (path["d"] if path else None), dots


def test_no_series_or_only_unknown_values_draw_nothing() -> None:
    assert chart([]) == ""
    assert chart([(hour(0), None), (hour(1), None)]) == ""


def test_one_point_is_a_dot_in_the_middle() -> None:
    markup = chart([(hour(1), Decimal(20))])

    assert geometry(markup) == (None, [("31", "15")])
    assert svg_of(markup)["aria-label"] == (
        "Venice throughput: lowest 20\u202ftok/s, highest 20\u202ftok/s, latest 20\u202ftok/s"
    )


def test_a_flat_line_runs_across_the_middle() -> None:
    markup = chart([(hour(0), Decimal(5)), (hour(1), Decimal(5)), (hour(2), Decimal(5))])

    assert geometry(markup) == ("M2 15 L31 15 L60 15", [])


def test_values_are_scaled_between_lowest_at_the_bottom_and_highest_at_the_top() -> None:
    markup = chart(
        [(hour(0), Decimal(10)), (hour(1), Decimal(36)), (hour(4), Decimal("23.5"))],
        max_gap=timedelta(hours=3),
    )

    assert geometry(markup) == ("M2 28 L31 2 L118 14.5", [])


def test_an_unknown_value_breaks_the_line_and_a_lone_point_becomes_a_dot() -> None:
    markup = chart(
        [
            (hour(0), Decimal(10)),
            (hour(1), Decimal(36)),
            (hour(2), None),
            (hour(3), Decimal(23)),
        ]
    )

    assert geometry(markup) == ("M2 28 L31 2", [("89", "15")])
    assert "latest 23\u202ftok/s" in svg_of(markup)["aria-label"]


def test_a_time_gap_longer_than_max_gap_breaks_the_line() -> None:
    markup = chart(
        [(hour(0), Decimal(10)), (hour(1), Decimal(36)), (hour(3), Decimal(23)), (hour(4), 10)],
        max_gap=timedelta(hours=1),
    )

    assert geometry(markup) == ("M2 28 L31 2 M89 15 L118 28", [])


def test_latest_is_the_last_known_value() -> None:
    markup = chart([(hour(0), Decimal(10)), (hour(1), Decimal(36)), (hour(2), None)])

    assert svg_of(markup)["aria-label"] == (
        "Venice throughput: lowest 10\u202ftok/s, highest 36\u202ftok/s, latest 36\u202ftok/s"
    )


def test_the_svg_is_an_accessible_image_without_inline_styles() -> None:
    markup = chart([(hour(0), Decimal(10)), (hour(1), Decimal(36))], label="<b>Evil & co</b>")
    svg = svg_of(markup)

    assert svg["role"] == "img"
    assert svg["class"] == ["sparkline", "sparkline-throughput"]
    assert svg["viewbox"] == "0 0 120 30"
    title = svg.find("title")
    assert title is not None
    assert title.get_text() == svg["aria-label"]
    assert svg["aria-label"].startswith("<b>Evil & co</b>: lowest")
    assert "<b>" not in markup
    assert "style" not in markup
    assert "<script" not in markup


def test_path_data_starts_each_run_with_a_move() -> None:
    assert path_data([[(1.0, 2.0), (3.25, 4.0)], [(5.0, 6.0), (7.0, 8.0)]]) == (
        "M1 2 L3.2 4 M5 6 L7 8"
    )


def test_an_endpoint_gets_a_throughput_and_a_latency_chart() -> None:
    history = EndpointHistory(
        start=T0,
        end=END,
        points=(
            HistoryPoint(at=hour(0), throughput_p50=Decimal(90), ttft_p50_ms=Decimal(700)),
            HistoryPoint(at=hour(1), throughput_p50=Decimal(96), ttft_p50_ms=None),
        ),
    )

    charts = BeautifulSoup(endpoint_sparklines(history, "Venice"), "html.parser")

    throughput, latency = charts.find_all("svg")
    assert throughput["class"] == ["sparkline", "sparkline-throughput"]
    assert throughput["aria-label"] == (
        "Venice throughput, last 7 days: lowest 90\u202ftok/s"
        ", highest 96\u202ftok/s, latest 96\u202ftok/s"
    )
    assert throughput.find("path")["d"] == "M2 28 L31 2"
    assert latency["aria-label"] == (
        "Venice latency (TTFT), last 7 days: lowest 700\u202fms"
        ", highest 700\u202fms, latest 700\u202fms"
    )
    assert (latency.find("circle")["cx"], latency.find("circle")["cy"]) == ("2", "15")
