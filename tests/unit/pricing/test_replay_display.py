"""How the usage replay shows its figures: counts, and the monthly bar chart."""

from decimal import Decimal

from bs4 import BeautifulSoup

from app.web.render.formatting import NOT_KNOWN, whole_count
from app.web.render.replay_chart import PLOT_BOTTOM, PLOT_TOP, bar_height, monthly_chart


def test_whole_counts_get_thousands_separators() -> None:
    assert whole_count(100_000) == "100,000"
    assert whole_count(7) == "7"
    assert whole_count(None) == NOT_KNOWN


def test_bars_are_proportional_to_the_amount_from_zero() -> None:
    full = PLOT_BOTTOM - PLOT_TOP

    assert bar_height(Decimal(10), Decimal(10)) == full
    assert bar_height(Decimal(5), Decimal(10)) == full / 2
    assert bar_height(Decimal(0), Decimal(0)) == 0


def test_the_chart_draws_two_bars_a_month_and_names_them_in_words() -> None:
    chart = BeautifulSoup(
        monthly_chart(
            [("2026-10", Decimal("1.5"), Decimal(3)), ("2026-11", Decimal("0.75"), Decimal("0.75"))]
        ),
        "html.parser",
    )

    svg = chart.find("svg")
    assert svg["role"] == "img"
    assert svg["aria-label"] == (
        "Cost per month. 2026-10: $1.50 at the cheapest providers, $3.00 going to the labs; "
        "2026-11: $0.75 at the cheapest providers, $0.75 going to the labs"
    )
    assert len(chart.select("rect.replay-chart-cheapest")) == 2
    assert len(chart.select("rect.replay-chart-lab")) == 2
    assert [text.get_text() for text in chart.find_all("text")] == ["2026-10", "2026-11"]
    assert monthly_chart([]) == ""
