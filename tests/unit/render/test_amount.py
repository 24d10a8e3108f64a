"""`amount` prints a money figure exactly as the calculator's macro did, escaping included."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from app.web.render.amount import amount
from app.web.render.templating import make_templates

# The macro `amount` replaced, kept here as the reference output.
_MACRO = (
    "{% macro amount(value) -%}\n"
    '{% if value is none %}<span class="not-known">{{ NOT_KNOWN }}</span>{% else %}'
    '<data value="{{ "{:f}".format(value.normalize()) }}">{{ value | money }}</data>{% endif %}\n'
    "{%- endmacro %}{{ amount(value) }}"
)


_TEMPLATES = make_templates()


@pytest.mark.parametrize(
    "value",
    [
        None,
        Decimal("0"),
        Decimal("0.0042"),
        Decimal("12.3450"),
        Decimal("1234567.891"),
        Decimal("1E+3"),
    ],
)
def test_amount_prints_what_the_macro_printed(value: Decimal | None) -> None:
    reference = _TEMPLATES.env.from_string(_MACRO).render(value=value)

    assert isinstance(amount(value), Markup)
    assert str(amount(value)) == reference


@given(st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False))
def test_no_amount_has_anything_to_escape(value: Decimal) -> None:
    """`amount` writes its parts unescaped; whatever the value, the escaping macro agrees.

    Up to a quadrillion dollars either way: past Decimal's 28 digits rounding to the cent
    is an error, in the macro as here."""
    assert str(amount(value)) == _TEMPLATES.env.from_string(_MACRO).render(value=value)


def test_an_exact_value_is_a_plain_decimal_and_the_shown_one_is_rounded() -> None:
    assert amount(Decimal("1E+3")) == Markup('<data value="1000">$1,000.00</data>')
