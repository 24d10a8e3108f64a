"""The price-vs-quality scatter's arithmetic: blended price, Pareto frontier, scales, ticks.

Pure functions over plain values, so every rule here is unit-tested on
hand-checked numbers; loading is `services.model_page.quality_scores`, drawing is the
`models/_price_vs_quality.html` template.

- **Blended price** is (3 x input + 1 x output) / 4 per 1M tokens: the usual
  way to put a model's two prices on one axis, weighted as typical chat and
  retrieval traffic is (about three input tokens per output token). It uses
  the model's cheapest current standard prices; a model missing either price,
  or free (a log axis has no zero), is left off the chart and counted.
- **Frontier**: the models cheapest for their quality, i.e. those no other
  model beats on one axis without losing on the other. It is drawn as a
  staircase, because between two frontier models nothing on the chart
  reaches the quality a straight line would promise at that price.
- **Price axis is logarithmic**: blended prices span three or four orders of
  magnitude ($0.02 to $75), so on a linear axis every cheap model would sit
  in one pile by the left edge. Ticks fall on decades, with 2 and 5 between
  them when the chart spans fewer than three decades.
- **Quality axis is linear** over the scores' own range with round ticks
  (benchmarks score 0-100, 0-1 or Elo-like 1000-1400, so no fixed range fits).
- **At most `MAX_POINTS` points**: the page must stay small. This model and
  the frontier come first; the rest are those closest to this model in
  score, the alternatives a reader is weighing it against. The frontier's
  line always runs through all of its models, drawn as points or not.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol, TypeVar

from app.db import without_trailing_zeros

WIDTH = 640
HEIGHT = 360
# Room for the y tick labels and axis title at the left, the x ones at the bottom.
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 12, 52
MAX_POINTS = 30
Y_TICKS_WANTED = 5
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))

INPUT_WEIGHT = 3
OUTPUT_WEIGHT = 1


class Priced(Protocol):
    """Anything with a price and a score: what the frontier compares."""

    @property
    def price(self) -> Decimal: ...

    @property
    def score(self) -> Decimal: ...


_P = TypeVar("_P", bound=Priced)


def blended_price(input_price: Decimal | None, output_price: Decimal | None) -> Decimal | None:
    """(3 x input + 1 x output) / 4 per 1M tokens, or None when either price is not known."""
    if input_price is None or output_price is None:
        return None
    return (INPUT_WEIGHT * input_price + OUTPUT_WEIGHT * output_price) / (
        INPUT_WEIGHT + OUTPUT_WEIGHT
    )


def pareto_frontier(points: Sequence[_P]) -> list[_P]:
    """The points no other point dominates, cheapest first.

    A point dominates another when it is cheaper or equally priced and scores
    better or equally, and is strictly better on at least one of the two. So,
    at equal prices only the best score survives; at equal scores only the
    cheapest; two points equal on both axes dominate neither and both stay.
    """
    ordered = sorted(points, key=lambda p: (p.price, -p.score))
    frontier: list[_P] = []
    for point in ordered:
        best = frontier[-1] if frontier else None
        better = best is None or point.score > best.score
        same = best is not None and (point.price, point.score) == (best.price, best.score)
        if better or same:
            frontier.append(point)
    return frontier


@dataclass(frozen=True)
class Tick:
    """An axis tick: its value and where it sits along the axis, in SVG units."""

    value: Decimal
    position: float


@dataclass(frozen=True)
class LogScale:
    """Values in [low, high] (both > 0) onto pixels [start, end], logarithmically."""

    low: Decimal
    high: Decimal
    start: float
    end: float

    def __call__(self, value: Decimal) -> float:
        span = math.log10(self.high) - math.log10(self.low)
        share = (math.log10(value) - math.log10(self.low)) / span
        return self.start + share * (self.end - self.start)

    def ticks(self) -> list[Tick]:
        """Decades, with 2 and 5 between them when the scale spans fewer than three."""
        low_exponent = _exponent(self.low)
        high_exponent = _exponent(self.high)
        mantissas = (1,) if high_exponent - low_exponent >= 3 else (1, 2, 5)
        values = [
            Decimal(mantissa).scaleb(exponent)
            for exponent in range(low_exponent, high_exponent + 1)
            for mantissa in mantissas
        ]
        return [Tick(v, self(v)) for v in values if self.low <= v <= self.high]


@dataclass(frozen=True)
class LinearScale:
    """Values in [low, high] onto pixels [start, end], with ticks every `step`."""

    low: Decimal
    high: Decimal
    step: Decimal
    start: float
    end: float

    def __call__(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return self.start + share * (self.end - self.start)

    def ticks(self) -> list[Tick]:
        """Every multiple of `step` from `low` to `high` inclusive."""
        count = int((self.high - self.low) / self.step)
        values = [self.low + n * self.step for n in range(count + 1)]
        return [Tick(without_trailing_zeros(v), self(v)) for v in values]


def log_scale(low: Decimal, high: Decimal, *, start: float, end: float) -> LogScale:
    """A log scale from the decade at or below `low` to the one at or above `high`.

    A chart whose prices fall within one decade boundary still spans a whole
    decade, so there are ticks at both ends to read positions against.
    """
    if low <= 0:
        raise ValueError("a log scale needs positive values")
    low_exponent = _exponent(low)
    high_exponent = _exponent(high, rounding=ROUND_CEILING)
    if high_exponent == low_exponent:
        high_exponent += 1
    return LogScale(
        low=Decimal(1).scaleb(low_exponent),
        high=Decimal(1).scaleb(high_exponent),
        start=start,
        end=end,
    )


def linear_scale(low: Decimal, high: Decimal, *, start: float, end: float) -> LinearScale:
    """A linear scale widened to round numbers, about `Y_TICKS_WANTED` ticks apart.

    A single value gets a range of one unit of its own magnitude around it.
    """
    if low == high:
        unit = Decimal(1).scaleb(_exponent(abs(low))) if low else Decimal(1)
        low, high = low - unit, high + unit
    step = nice_step((high - low) / (Y_TICKS_WANTED - 1))
    floor = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    ceiling = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    return LinearScale(low=floor, high=ceiling, step=step, start=start, end=end)


def nice_step(rough: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `rough`."""
    magnitude = Decimal(1).scaleb(_exponent(rough))
    return next(step * magnitude for step in NICE_STEPS if step * magnitude >= rough)


def _exponent(value: Decimal, *, rounding: str = ROUND_FLOOR) -> int:
    """floor (or ceiling) of log10(value), exact: Decimal's log10 of 1000 is 3, float's is not."""
    return int(value.log10().to_integral_value(rounding=rounding))


@dataclass(frozen=True)
class Candidate:
    """A model scored on the chart's benchmark, with its cheapest current standard prices."""

    slug: str
    author_slug: str
    name: str
    score: Decimal
    input_price: Decimal | None
    output_price: Decimal | None


@dataclass(frozen=True)
class ChartPoint:
    """A model drawn on the chart."""

    slug: str
    author_slug: str
    name: str
    score: Decimal
    price: Decimal
    x: float
    y: float
    on_frontier: bool
    is_current: bool

    @property
    def model_slug(self) -> str:
        """The model's part of the slug, as it appears in its page's URL."""
        return self.slug.removeprefix(f"{self.author_slug}/")


@dataclass(frozen=True)
class Chart:
    """Everything the template draws, in SVG units, with the counts its caption states."""

    points: tuple[ChartPoint, ...]
    frontier: tuple[ChartPoint, ...]
    frontier_path: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    scored: int
    priced: int
    unpriced: int
    free: int
    current_price: Decimal | None
    current_score: Decimal
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def current(self) -> ChartPoint | None:
        """This model's point, when it has a price and so is drawn."""
        return next((point for point in self.points if point.is_current), None)

    @property
    def omitted(self) -> int:
        """Priced models left out to keep the chart (and the page) small."""
        return self.priced - len(self.points)


@dataclass(frozen=True)
class _Priced:
    candidate: Candidate
    price: Decimal

    @property
    def score(self) -> Decimal:
        return self.candidate.score


def build_chart(
    candidates: Sequence[Candidate], *, current_slug: str, max_points: int = MAX_POINTS
) -> Chart:
    """Lay out the scatter of `candidates`, the model `current_slug` among them.

    Raises ValueError when `current_slug` is not a candidate: a model's chart
    is always of a benchmark it has a score on.
    """
    current = next((c for c in candidates if c.slug == current_slug), None)
    if current is None:
        raise ValueError(f"{current_slug} has no score on this benchmark")
    priced: list[_Priced] = []
    unpriced = free = 0
    for candidate in candidates:
        price = blended_price(candidate.input_price, candidate.output_price)
        if price is None:
            unpriced += 1
        elif price <= 0:
            free += 1
        else:
            priced.append(_Priced(candidate, price))
    frontier = pareto_frontier(priced)
    shown = _chosen(priced, frontier, current=current, max_points=max_points)
    on_frontier = {id(item) for item in frontier}
    current_price = blended_price(current.input_price, current.output_price)
    if not shown:
        return Chart(
            points=(),
            frontier=(),
            frontier_path="",
            x_ticks=(),
            y_ticks=(),
            scored=len(candidates),
            priced=0,
            unpriced=unpriced,
            free=free,
            current_price=current_price,
            current_score=current.score,
        )
    # The scales cover the whole frontier too, so its line is whole even past the cap.
    shown_ids = {id(item) for item in shown}
    placed = shown + [item for item in frontier if id(item) not in shown_ids]
    x_scale = log_scale(
        min(item.price for item in placed),
        max(item.price for item in placed),
        start=LEFT,
        end=WIDTH - RIGHT,
    )
    y_scale = linear_scale(
        min(item.score for item in placed),
        max(item.score for item in placed),
        start=HEIGHT - BOTTOM,
        end=TOP,
    )
    points = {
        id(item): ChartPoint(
            slug=item.candidate.slug,
            author_slug=item.candidate.author_slug,
            name=item.candidate.name,
            score=item.score,
            price=item.price,
            x=x_scale(item.price),
            y=y_scale(item.score),
            on_frontier=id(item) in on_frontier,
            is_current=item.candidate is current,
        )
        for item in placed
    }
    drawn = sorted(
        (points[id(item)] for item in shown),
        key=lambda p: (p.is_current, p.on_frontier, p.price, p.name),
    )
    frontier_points = tuple(points[id(item)] for item in frontier)
    return Chart(
        points=tuple(drawn),
        frontier=frontier_points,
        frontier_path=staircase_path([(p.x, p.y) for p in frontier_points]),
        x_ticks=tuple(x_scale.ticks()),
        y_ticks=tuple(y_scale.ticks()),
        scored=len(candidates),
        priced=len(priced),
        unpriced=unpriced,
        free=free,
        current_price=current_price,
        current_score=current.score,
    )


def _chosen(
    priced: list[_Priced], frontier: list[_Priced], *, current: Candidate, max_points: int
) -> list[_Priced]:
    """At most `max_points`: this model, then the frontier, then the rest, closest in score first.

    Frontier models come before others, and within each group those closest
    to this model's score first, so a long frontier is cut where it matters least.
    """
    on_frontier = {id(item) for item in frontier}
    ranked = sorted(
        priced,
        key=lambda item: (
            item.candidate is not current,
            id(item) not in on_frontier,
            abs(item.score - current.score),
            item.price,
            item.candidate.name,
        ),
    )
    return ranked[:max_points]


def staircase_path(corners: Sequence[tuple[float, float]]) -> str:
    """SVG path data for a step line through points sorted left to right.

    From each point the line runs level to the next point's x, then up (or
    down) to it: the best quality reachable at each price.
    """
    if not corners:
        return ""
    (x, y), *rest = corners
    return f"M{x:.1f} {y:.1f}" + "".join(f"H{nx:.1f}V{ny:.1f}" for nx, ny in rest)
