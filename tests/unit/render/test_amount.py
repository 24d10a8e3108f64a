"""`amount` prints a money figure exactly as the calculator's macro did, escaping included."""

from decimal import Decimal

import pytest
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
    reference = make_templates().env.from_string(_MACRO).render(value=value)

    assert isinstance(amount(value), Markup)
    assert str(amount(value)) == reference


def test_an_exact_value_is_a_plain_decimal_and_the_shown_one_is_rounded() -> None:
    assert amount(Decimal("1E+3")) == Markup('<data value="1000">$1,000.00</data>')
