"""One money figure as the cost tables print it: the exact value for machines, rounded for people.

A template global, not a macro: the model page prints dozens of them, and a
Jinja macro call costs more than the formatting it wraps. The markup is built
with an f-string of escaped parts, since `Markup.format` escaping argument by
argument costs as much again.
"""

from decimal import Decimal

from markupsafe import Markup, escape

from app.web.render.formatting import NOT_KNOWN, money

_NOT_KNOWN = Markup(f'<span class="not-known">{escape(NOT_KNOWN)}</span>')  # noqa: S704 - escaped


def amount(value: Decimal | None) -> Markup:
    """`<data value="exact">$rounded</data>`, or the not-known marker for no value."""
    if value is None:
        return _NOT_KNOWN
    exact = escape(f"{value.normalize():f}")
    return Markup(f'<data value="{exact}">{escape(money(value))}</data>')  # noqa: S704 - escaped
