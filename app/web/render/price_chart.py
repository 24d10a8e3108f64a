"""A small server-rendered SVG step chart of one offer's input and output price over time.

Prices change in steps, so they are drawn as steps: flat while a price is in
force, vertical where it changed. Like `web.render.sparkline`, there is no chart
JavaScript and no `style` attribute (the CSP allows neither); colours come
from the stylesheet through classes and `currentColor`, and the output line
is also dashed, so the two lines differ without colour. The chart is an
image to assistive technology, named by a sentence with the first and the
latest price of each kind and the number of changes.

Geometry: time runs left to right from the first recorded price to `end`
(now); prices run from zero at the bottom to the highest input or output
price at the top, so the height of a step is its size relative to the price
(an axis cut above zero would make a 1% change look like a halving). A price
not known breaks its line, and so does a time with no price recorded.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from markupsafe import Markup

from app.services.metrics.sparkline_geometry import path_data
from app.services.pricing.price_history_section import ModelPriceHistory, PriceSpan
from app.web.render.formatting import iso_date, price

WIDTH = 240
HEIGHT = 48
PAD = 2  # keeps the strokes inside the box at the extremes
# A chart over no time at all (every change at the same instant) still needs a width.
MIN_SPAN = timedelta(seconds=1)

Point = tuple[float, float]
Pick = Callable[[PriceSpan], Decimal | None]


def price_chart(spans: Sequence[PriceSpan], *, end: datetime, label: str) -> Markup:
    """An inline `<svg>` of the spans' input and output price up to `end`; empty if none known."""
    known = [value for span in spans for value in (span.input, span.output) if value is not None]
    if not known:
        return Markup("")
    start = spans[0].start
    end = max(end, spans[-1].start)
    high = float(max(known))
    description = _description(spans, label)
    parts = [
        Markup(
            '<svg class="price-chart" role="img" aria-label="{}" viewBox="0 0 {} {}"'
            ' width="{}" height="{}"><title>{}</title>'
            '<path class="price-chart-axis" d="M{} {} H{}" stroke="currentColor"'
            ' stroke-width="0.5"/>'
        ).format(
            description, WIDTH, HEIGHT, WIDTH, HEIGHT, description, PAD, HEIGHT - PAD, WIDTH - PAD
        )
    ]
    for kind, pick, dashes in (
        ("input", _input, None),
        ("output", _output, "4 2"),
    ):
        lines = step_points(spans, pick, start=start, end=end, high=high)
        if not lines:
            continue
        parts.append(
            Markup(
                '<path class="price-chart-{}" d="{}" fill="none" stroke="currentColor"'
                ' stroke-width="1.5"{}/>'
            ).format(
                kind,
                path_data(lines),
                Markup(' stroke-dasharray="{}"').format(dashes) if dashes else "",
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def price_charts(history: ModelPriceHistory) -> tuple[Markup, ...]:
    """The chart of each offer whose price changed, in the order of `history.changed`.

    Drawn per request, as they end at `history.now`: they are the only part
    of the price history section that depends on the clock, so the model
    page remembers the rest of the section's HTML under them (`web.routes.model_pages`).
    """
    return tuple(
        price_chart(offer.spans, end=history.now, label=offer.label) for offer in history.changed
    )


def step_points(
    spans: Sequence[PriceSpan], pick: Pick, *, start: datetime, end: datetime, high: float
) -> list[list[Point]]:
    """The chart's lines for one kind of price: each run of known, adjoining spans.

    Every span contributes its start and its end (`end` while in force) at
    its price's height; adjoining spans share an x, which draws the vertical
    step. A span whose price is not known, or that does not begin where the
    one before it ended, starts a new line.
    """
    duration = max(end - start, MIN_SPAN)
    inner_width = WIDTH - 2 * PAD
    inner_height = HEIGHT - 2 * PAD

    def x(at: datetime) -> float:
        return PAD + (at - start) / duration * inner_width

    def y(value: Decimal) -> float:
        if high == 0:
            return HEIGHT - PAD
        return PAD + (high - float(value)) / high * inner_height

    lines: list[list[Point]] = []
    current: list[Point] = []
    previous_end: datetime | None = None
    for span in spans:
        value = pick(span)
        if current and (value is None or span.start != previous_end):
            lines.append(current)
            current = []
        if value is not None:
            current += [(x(span.start), y(value)), (x(span.end or end), y(value))]
        previous_end = span.end
    if current:
        lines.append(current)
    return lines


def _input(span: PriceSpan) -> Decimal | None:
    return span.input


def _output(span: PriceSpan) -> Decimal | None:
    return span.output


def _description(spans: Sequence[PriceSpan], label: str) -> str:
    """The chart in words: first and latest price of each kind, and how many changes."""
    first, latest = spans[0], spans[-1]
    changes = len(spans) - 1
    return (
        f"{label} price per 1M tokens since {iso_date(first.start)}: "
        f"input {price(first.input)} to {price(latest.input)}, "
        f"output {price(first.output)} to {price(latest.output)}; "
        f"{changes} change{'' if changes == 1 else 's'}"
    )
