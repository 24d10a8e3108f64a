"""The usage replay's chart: cost per month at the cheapest providers and going to the labs.

A server-rendered SVG bar chart, two bars a month: the cheapest providers'
cost filled, the labs' own providers' outlined (see `Replay.by_month`), so
the two differ without colour. Like
the other charts there is no JavaScript and no `style` attribute (the CSP
allows neither); bars draw in `currentColor`. Bars start at zero, so their
heights compare as the amounts do. The chart is an image to assistive
technology, named by a sentence; the same figures are in the table beside it.
"""

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup

from app.web.render.formatting import money

HEIGHT = 160
PLOT_TOP = 8
PLOT_BOTTOM = 136  # the baseline; month labels go below it
BAR_WIDTH = 14
MONTH_WIDTH = 48
LEFT = 4

MonthCost = tuple[str, Decimal, Decimal]


def monthly_chart(months: Sequence[MonthCost]) -> Markup:
    """An inline `<svg>` of each month's cost (cheapest, labs' own); empty when no month."""
    if not months:
        return Markup("")
    high = max(max(cheapest, lab) for _, cheapest, lab in months)
    width = LEFT * 2 + MONTH_WIDTH * len(months)
    description = _description(months)
    parts = [
        Markup(
            '<svg class="replay-chart" role="img" aria-label="{}" viewBox="0 0 {} {}"'
            ' width="{}" height="{}"><title>{}</title>'
            '<path d="M{} {} H{}" stroke="currentColor" stroke-width="0.5"/>'
        ).format(
            description, width, HEIGHT, width, HEIGHT, description, LEFT, PLOT_BOTTOM, width - LEFT
        )
    ]
    for index, (month, cheapest, lab) in enumerate(months):
        x = LEFT + index * MONTH_WIDTH + (MONTH_WIDTH - 2 * BAR_WIDTH) / 2
        parts.append(_bar(x, cheapest, high, filled=True))
        parts.append(_bar(x + BAR_WIDTH, lab, high, filled=False))
        parts.append(
            Markup(
                '<text x="{:.1f}" y="{}" font-size="10" text-anchor="middle"'
                ' fill="currentColor">{}</text>'
            ).format(x + BAR_WIDTH, HEIGHT - 10, month)
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def bar_height(value: Decimal, high: Decimal) -> float:
    """A bar's height in the plot: proportional to `value`, the highest filling the plot."""
    if high <= 0:
        return 0.0
    return float(value / high) * (PLOT_BOTTOM - PLOT_TOP)


def _bar(x: float, value: Decimal, high: Decimal, *, filled: bool) -> Markup:
    height = bar_height(value, high)
    paint = (
        Markup('fill="currentColor"')
        if filled
        else Markup('fill="none" stroke="currentColor" stroke-width="1.5"')
    )
    return Markup(
        '<rect class="replay-chart-{}" x="{:.1f}" y="{:.1f}" width="{}" height="{:.1f}" {}/>'
    ).format(
        "cheapest" if filled else "lab",
        x,
        PLOT_BOTTOM - height,
        BAR_WIDTH - 2,
        height,
        paint,
    )


def _description(months: Sequence[MonthCost]) -> str:
    parts = [
        f"{month}: {money(cheapest)} at the cheapest providers, {money(lab)} going to the labs"
        for month, cheapest, lab in months
    ]
    return "Cost per month. " + "; ".join(parts)
