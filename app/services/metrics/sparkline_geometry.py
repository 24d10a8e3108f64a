"""Where a week's chart draws its line and dots: the numbers of a sparkline, without its markup.

The model page draws each provider's throughput and latency over the week
(`web.render.sparkline`). The geometry is the costly part of drawing, and it
depends only on the hourly means and the window, so the metrics refresh works
it out once when it writes the means (`services.metrics.metric_charts_writer`)
and the page only wraps it in markup; a page with nothing stored for its
window works it out from the means with the same function.

Geometry: time runs left to right across the whole window (so a provider
measured only lately has a short line at the right, not a stretched one);
values run bottom (lowest) to top (highest) of the series' own range, and a
flat series is drawn across the middle. A missing value, or a gap between
points longer than `max_gap`, breaks the line; a point with no neighbour on
either side is drawn as a dot.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

WIDTH = 120
HEIGHT = 30
PAD = 2  # keeps the stroke and dots inside the box at the extremes

Point = tuple[float, float]


class ChartShape(NamedTuple):
    """A drawn series: its lowest, highest and latest value (the chart's caption says them),
    the path data of its lines ("" when none) and the coordinates of its lone dots, as text."""

    low: Decimal | float
    high: Decimal | float
    latest: Decimal | float
    line: str
    dots: tuple[tuple[str, str], ...]


def chart_shape(
    series: Sequence[tuple[datetime, Decimal | float | None]],
    *,
    start: datetime,
    end: datetime,
    max_gap: timedelta,
) -> ChartShape | None:
    """The geometry of `series` over [start, end], or None when it has no known value."""
    known = [value for _, value in series if value is not None]
    if not known:
        return None
    low, high = min(known), max(known)
    scaled = _scaled(
        _segments(series, max_gap=max_gap), start=start, end=end, low=float(low), high=float(high)
    )
    lines = [segment for segment in scaled if len(segment) > 1]
    dots = [segment[0] for segment in scaled if len(segment) == 1]
    return ChartShape(
        low=low,
        high=high,
        latest=known[-1],
        line=path_data(lines) if lines else "",
        dots=tuple((_n(x), _n(y)) for x, y in dots),
    )


def path_data(lines: Sequence[Sequence[Point]]) -> str:
    """SVG path data drawing each run of points as its own polyline: `M x y L x y ...`.

    Coordinates get one decimal, and a whole number loses its `.0` as `_n`
    does; done once over the whole text, since every number in it is printed
    with exactly one decimal and followed by a space or the end.
    """
    text = " ".join("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in line) for line in lines)
    return text.replace(".0 ", " ").removesuffix(".0")


def _segments(
    series: Sequence[tuple[datetime, Decimal | float | None]], *, max_gap: timedelta
) -> list[list[tuple[datetime, Decimal | float]]]:
    """Runs of known values whose neighbours are at most `max_gap` apart."""
    segments: list[list[tuple[datetime, Decimal | float]]] = []
    current: list[tuple[datetime, Decimal | float]] = []
    for at, value in series:
        if value is None or (current and at - current[-1][0] > max_gap):
            if current:
                segments.append(current)
            current = []
        if value is not None:
            current.append((at, value))
    if current:
        segments.append(current)
    return segments


def _scaled(
    segments: list[list[tuple[datetime, Decimal | float]]],
    *,
    start: datetime,
    end: datetime,
    low: float,
    high: float,
) -> list[list[Point]]:
    """Each segment's points in the box: x by time across [start, end], y by value.

    Written as plain float arithmetic in one comprehension because a week has
    168 points per chart and two charts per provider: per-point function
    calls and Decimal division made this the model page's slowest template code.
    """
    span = end - start
    inner_width = WIDTH - 2 * PAD
    inner_height = HEIGHT - 2 * PAD
    if high == low:
        middle = HEIGHT / 2
        return [
            [(PAD + (at - start) / span * inner_width, middle) for at, _ in segment]
            for segment in segments
        ]
    value_range = high - low
    return [
        [
            (
                PAD + (at - start) / span * inner_width,
                PAD + (high - float(value)) / value_range * inner_height,
            )
            for at, value in segment
        ]
        for segment in segments
    ]


def _n(coordinate: float) -> str:
    """A coordinate with at most one decimal, without a trailing `.0`."""
    text = f"{coordinate:.1f}"
    return text.removesuffix(".0")
