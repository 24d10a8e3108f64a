"""The price-vs-quality chart's arithmetic on hand-checked numbers.

The frontier set below was worked out on paper: for each point, is there
another at most as expensive and at least as good, and strictly better on
one of the two? The expected frontier is written out by hand, not computed.
"""

from decimal import Decimal
from typing import NamedTuple

import pytest

from app.services.model_page.quality_chart import (
    Candidate,
    blended_price,
    build_chart,
    linear_scale,
    log_scale,
    nice_step,
    pareto_frontier,
    staircase_path,
)


class P(NamedTuple):
    name: str
    price: Decimal
    score: Decimal


def p(name: str, price: str, score: str) -> P:
    return P(name, Decimal(price), Decimal(score))


HAND_CHECKED = [
    p("A", "1", "50"),  # B costs the same and scores more: dominated
    p("B", "1", "60"),  # frontier: nothing at $1 or less reaches 60
    p("C", "2", "60"),  # B scores the same for less: dominated
    p("D", "3", "70"),  # frontier
    p("E", "3", "70"),  # equal to D on both axes: neither dominates, both stay
    p("F", "0.5", "40"),  # frontier: the cheapest
    p("G", "5", "65"),  # D is cheaper and better: dominated
    p("H", "10", "90"),  # frontier: the best
    p("I", "0.5", "30"),  # F costs the same and scores more: dominated
    p("J", "10", "90.0"),  # equal to H (90 = 90.0): stays
    p("K", "12", "90"),  # H scores the same for less: dominated
]


def test_pareto_frontier_of_a_hand_checked_set() -> None:
    frontier = pareto_frontier(HAND_CHECKED)

    assert [point.name for point in frontier] == ["F", "B", "D", "E", "H", "J"]


def test_pareto_frontier_does_not_depend_on_input_order() -> None:
    frontier = pareto_frontier(list(reversed(HAND_CHECKED)))

    assert sorted(point.name for point in frontier) == ["B", "D", "E", "F", "H", "J"]


def test_pareto_frontier_edge_cases() -> None:
    assert pareto_frontier([]) == []
    only = p("only", "2", "10")
    assert pareto_frontier([only]) == [only]
    # The more expensive model is also the worse one: only the cheap one is on the frontier.
    assert [x.name for x in pareto_frontier([p("x", "5", "10"), p("y", "1", "20")])] == ["y"]


def test_blended_price_weights_input_three_to_one() -> None:
    assert blended_price(Decimal("0.15"), Decimal("0.6")) == Decimal("0.2625")
    assert blended_price(Decimal(3), Decimal(15)) == Decimal(6)
    assert blended_price(Decimal(0), Decimal(0)) == Decimal(0)
    assert blended_price(None, Decimal(1)) is None
    assert blended_price(Decimal(1), None) is None


def test_log_scale_spans_whole_decades_and_ticks_them() -> None:
    scale = log_scale(Decimal("0.15"), Decimal(30), start=0, end=300)

    assert (scale.low, scale.high) == (Decimal("0.1"), Decimal(100))
    assert scale(Decimal("0.1")) == 0
    assert scale(Decimal(1)) == pytest.approx(100)
    assert scale(Decimal(100)) == pytest.approx(300)
    assert [(str(t.value), round(t.position)) for t in scale.ticks()] == [
        ("0.1", 0),
        ("1", 100),
        ("1E+1", 200),
        ("1E+2", 300),
    ]


def test_log_scale_ticks_2_and_5_within_a_short_span() -> None:
    scale = log_scale(Decimal("0.15"), Decimal("0.6"), start=0, end=100)

    assert (scale.low, scale.high) == (Decimal("0.1"), Decimal(1))
    assert [t.value for t in scale.ticks()] == [Decimal(v) for v in ("0.1", "0.2", "0.5", "1")]


def test_log_scale_of_one_value_on_a_decade_still_spans_a_decade() -> None:
    scale = log_scale(Decimal(1000), Decimal(1000), start=0, end=100)

    assert (scale.low, scale.high) == (Decimal(1000), Decimal(10000))


def test_log_scale_refuses_zero() -> None:
    with pytest.raises(ValueError):
        log_scale(Decimal(0), Decimal(1), start=0, end=100)


def test_linear_scale_rounds_out_to_nice_ticks() -> None:
    scale = linear_scale(Decimal("61.3"), Decimal("88.9"), start=300, end=0)

    assert [str(t.value) for t in scale.ticks()] == ["60", "70", "80", "90"]
    assert [t.position for t in scale.ticks()] == [300, 200, 100, 0]


def test_linear_scale_of_elo_like_and_fractional_scores() -> None:
    elo = linear_scale(Decimal(1210), Decimal(1395), start=100, end=0)
    fraction = linear_scale(Decimal("0.5"), Decimal("0.5"), start=100, end=0)

    assert [str(t.value) for t in elo.ticks()] == ["1200", "1250", "1300", "1350", "1400"]
    assert [str(t.value) for t in fraction.ticks()] == ["0.4", "0.45", "0.5", "0.55", "0.6"]


@pytest.mark.parametrize(
    ("rough", "nice"),
    [("6.9", "10"), ("0.3", "0.5"), ("2", "2"), ("2.1", "2.5"), ("46.25", "50"), ("0.05", "0.05")],
)
def test_nice_step(rough: str, nice: str) -> None:
    assert nice_step(Decimal(rough)) == Decimal(nice)


def test_staircase_path_steps_level_then_up() -> None:
    assert staircase_path([]) == ""
    assert staircase_path([(10, 50)]) == "M10.0 50.0"
    assert staircase_path([(10, 50), (20, 40), (30.25, 10)]) == "M10.0 50.0H20.0V40.0H30.2V10.0"


def candidate(slug: str, score: str, price_in: str | None, price_out: str | None) -> Candidate:
    return Candidate(
        slug=f"lab/{slug}",
        author_slug="lab",
        name=slug.title(),
        score=Decimal(score),
        input_price=Decimal(price_in) if price_in is not None else None,
        output_price=Decimal(price_out) if price_out is not None else None,
    )


def test_build_chart_counts_what_it_leaves_off_and_marks_this_model() -> None:
    candidates = [
        candidate("cheap", "40", "0.1", "0.1"),
        candidate("this", "60", "1", "1"),
        candidate("best", "90", "10", "10"),
        candidate("worse", "50", "2", "2"),
        candidate("unpriced", "70", None, "1"),
        candidate("free", "30", "0", "0"),
    ]

    chart = build_chart(candidates, current_slug="lab/this")

    assert {point.name for point in chart.points} == {"Cheap", "This", "Best", "Worse"}
    assert [point.name for point in chart.frontier] == ["Cheap", "This", "Best"]
    assert (chart.scored, chart.priced, chart.unpriced, chart.free, chart.omitted) == (
        6,
        4,
        1,
        1,
        0,
    )
    assert chart.current is not None and chart.current.name == "This"
    assert chart.points[-1].is_current, "this model is drawn last, on top"
    # $0.1 to $10 on a log scale from 0.1 to 10: this model's $1 sits halfway across.
    assert chart.current.x == pytest.approx((chart.left + chart.right) / 2)
    assert [str(t.value) for t in chart.x_ticks] == ["0.1", "0.2", "0.5", "1", "2", "5", "1E+1"]


def test_build_chart_without_a_price_for_this_model_still_charts_the_others() -> None:
    chart = build_chart(
        [candidate("this", "60", None, None), candidate("other", "50", "1", "2")],
        current_slug="lab/this",
    )

    assert chart.current is None
    assert chart.current_price is None
    assert [point.name for point in chart.points] == ["Other"]


def test_build_chart_keeps_the_frontier_and_the_nearest_scores_when_capped() -> None:
    candidates = [
        candidate("this", "50", "5", "5"),
        candidate("frontier-low", "20", "0.1", "0.1"),
        candidate("frontier-high", "95", "50", "50"),
        candidate("near", "52", "20", "20"),
        candidate("nearish", "45", "30", "30"),
        candidate("far", "10", "40", "40"),
    ]

    chart = build_chart(candidates, current_slug="lab/this", max_points=5)

    assert {point.name for point in chart.points} == {
        "This",
        "Frontier-Low",
        "Frontier-High",
        "Near",
        "Nearish",
    }
    assert chart.omitted == 1


def test_a_frontier_longer_than_the_cap_is_drawn_whole_as_a_line() -> None:
    rising = [candidate(f"m{n}", str(10 * n), str(n), str(n)) for n in range(1, 7)]

    chart = build_chart(rising, current_slug="lab/m1", max_points=3)

    assert [point.name for point in chart.points] == ["M2", "M3", "M1"]
    assert len(chart.frontier) == 6
    assert chart.frontier_path.count("H") == 5
    assert chart.omitted == 3


def test_build_chart_needs_this_model_among_the_candidates() -> None:
    with pytest.raises(ValueError):
        build_chart([candidate("other", "50", "1", "1")], current_slug="lab/this")
