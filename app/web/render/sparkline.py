"""Small server-rendered SVG line charts: how a provider's figures moved over the week.

No chart JavaScript and no `style` attributes (the CSP allows neither): the
geometry is computed here, colours come from the stylesheet via classes and
`currentColor`. Each chart is an image to assistive technology, named by a
sentence with its lowest, highest and latest value, so the numbers the line
shows are available without seeing it.

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

from markupsafe import Markup, escape

from app.services.metrics.metric_history_reader import MAX_JOINED_GAP, EndpointHistory
from app.web.render.formatting import number_short

WIDTH = 120
HEIGHT = 30
PAD = 2  # keeps the stroke and dots inside the box at the extremes
DOT_RADIUS = 1.5

Point = tuple[float, float]


def sparkline(
    series: Sequence[tuple[datetime, Decimal | float | None]],
    *,
    start: datetime,
    end: datetime,
    label: str,
    unit: str,
    css_class: str,
    max_gap: timedelta = MAX_JOINED_GAP,
) -> Markup:
    """An inline `<svg>` of `series` over [start, end], or empty markup when nothing is known."""
    known = [value for _, value in series if value is not None]
    if not known:
        return Markup("")
    low, high = min(known), max(known)
    scaled = _scaled(
        _segments(series, max_gap=max_gap), start=start, end=end, low=float(low), high=float(high)
    )
    description = escape(
        f"{label}: lowest {number_short(low, unit)}, highest {number_short(high, unit)}, "
        f"latest {number_short(known[-1], unit)}"
    )
    lines = [segment for segment in scaled if len(segment) > 1]
    dots = [segment[0] for segment in scaled if len(segment) == 1]
    return Markup(  # noqa: S704 - every inserted text is escaped or a number
        _SVG.format(
            css_class=escape(css_class),
            description=description,
            line=_LINE.format(path_data(lines)) if lines else "",
            dots="".join(_DOT.format(_n(x), _n(y)) for x, y in dots),
        )
    )


# The chart's markup, filled by `str.format`: Markup's own `format` escaped
# each number and coordinate one by one, a third of drawing a chart.
_SVG = (
    f'<svg class="sparkline {{css_class}}" role="img" aria-label="{{description}}"'
    f' viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
    "<title>{description}</title>{line}{dots}</svg>"
)
_LINE = (
    '<path class="sparkline-line" d="{}" fill="none" stroke="currentColor"'
    ' stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
)
_DOT = f'<circle class="sparkline-dot" cx="{{}}" cy="{{}}" r="{DOT_RADIUS}" fill="currentColor"/>'


def endpoint_sparklines(history: EndpointHistory, provider: str) -> Markup:
    """The throughput and the latency chart of one provider's week, side by side.

    Drawn once per history and caption: a history remembered across requests
    keeps its charts (`EndpointHistory.charts`), so a page view after the first
    in the same hour and content version pays no geometry or formatting.
    """
    charts = history.charts.get(provider)
    if charts is None:
        charts = history.charts[provider] = _draw_endpoint(history, provider)
    return charts


def _draw_endpoint(history: EndpointHistory, provider: str) -> Markup:
    return Markup("").join(
        (
            sparkline(
                history.throughput,
                start=history.start,
                end=history.end,
                label=f"{provider} throughput, last 7 days",
                unit="tok/s",
                css_class="sparkline-throughput",
            ),
            sparkline(
                history.latency,
                start=history.start,
                end=history.end,
                label=f"{provider} latency (TTFT), last 7 days",
                unit="ms",
                css_class="sparkline-latency",
            ),
        )
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
