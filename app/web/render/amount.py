"""One money figure as the cost tables print it: the exact value for machines, rounded for people.

A template global, not a macro: the model page prints dozens of them, and a
Jinja macro call costs more than the formatting it wraps. The markup is built
with an f-string, since `Markup.format` escaping argument by argument costs as
much again; neither part is escaped, as a Decimal formats to digits, signs,
separators and a dollar sign only, which HTML never escapes (a property test
holds it to the escaping macro it replaced).
"""

from decimal import Decimal

from markupsafe import Markup, escape

from app.web.render.formatting import NOT_KNOWN, money

_NOT_KNOWN = Markup(f'<span class="not-known">{escape(NOT_KNOWN)}</span>')  # noqa: S704 - escaped


def amount(value: Decimal | None) -> Markup:
    """`<data value="exact">$rounded</data>`, or the not-known marker for no value."""
    if value is None:
        return _NOT_KNOWN
    return Markup(f'<data value="{value.normalize():f}">{money(value)}</data>')  # noqa: S704 - a number
