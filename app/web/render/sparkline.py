"""Small server-rendered SVG line charts: how a provider's figures moved over the week.

No chart JavaScript and no `style` attributes (the CSP allows neither): the
geometry is worked out on the server, colours come from the stylesheet via classes and
`currentColor`. Each chart is an image to assistive technology, named by a
sentence with its lowest, highest and latest value, so the numbers the line
shows are available without seeing it.

The geometry (`services.metrics.sparkline_geometry`) is stored by the metrics
refresh or worked out from the hourly means; this module wraps it in markup.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from markupsafe import Markup, escape

from app.services.metrics.metric_history_reader import EndpointHistory
from app.services.metrics.sparkline_geometry import (
    HEIGHT,
    WIDTH,
    ChartShape,
    chart_shape,
)
from app.services.metrics.week_window import MAX_JOINED_GAP
from app.web.render.formatting import number_short

DOT_RADIUS = 1.5


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
    shape = chart_shape(series, start=start, end=end, max_gap=max_gap)
    return drawn_chart(shape, label=label, unit=unit, css_class=css_class)


def drawn_chart(shape: ChartShape | None, *, label: str, unit: str, css_class: str) -> Markup:
    """The `<svg>` of a chart's geometry, named by `label`; empty markup for no geometry."""
    if shape is None:
        return Markup("")
    description = escape(
        f"{label}: lowest {number_short(shape.low, unit)}, "
        f"highest {number_short(shape.high, unit)}, latest {number_short(shape.latest, unit)}"
    )
    return Markup(  # noqa: S704 - every inserted text is escaped or a number
        _SVG.format(
            css_class=escape(css_class),
            description=description,
            line=_LINE.format(shape.line) if shape.line else "",
            dots="".join(_DOT.format(x, y) for x, y in shape.dots),
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
    throughput, latency = history.shapes()
    return Markup("").join(
        (
            drawn_chart(
                throughput,
                label=f"{provider} throughput, last 7 days",
                unit="tok/s",
                css_class="sparkline-throughput",
            ),
            drawn_chart(
                latency,
                label=f"{provider} latency (TTFT), last 7 days",
                unit="ms",
                css_class="sparkline-latency",
            ),
        )
    )
