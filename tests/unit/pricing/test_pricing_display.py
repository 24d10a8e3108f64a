"""How estimates print: to the cent, with enough digits below a cent, "not known" for None."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.render.formatting import money, token_count


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.938", "$0.94"),
        ("0.75", "$0.75"),
        ("0.0042", "$0.0042"),
        ("0.00419", "$0.0042"),
        ("0.000938", "$0.00094"),
        ("0.000000000001", "$0.000000000001"),
        ("0.000999", "$0.001"),
        ("0.00101", "$0.001"),
        ("0.00995", "$0.01"),
        ("0", "$0.00"),
        ("57.375", "$57.38"),
        ("1234.567", "$1,234.57"),
        ("1E+3", "$1,000.00"),
        ("0.0250000000000000000000000000000000000000000000000000000000000", "$0.03"),
    ],
)
def test_money(value: str, shown: str) -> None:
    assert money(Decimal(value)) == shown


def test_money_not_known() -> None:
    assert money(None) == "not known"


@given(st.decimals(min_value=0, max_value=Decimal("1e15"), places=12))
def test_a_positive_amount_never_prints_as_zero(value: Decimal) -> None:
    shown = money(value)

    assert shown.startswith("$")
    assert "-" not in shown
    assert (shown == "$0.00") == (value == 0)


def test_token_count() -> None:
    assert token_count(Decimal("1080000000")) == "1,080,000,000"
    assert token_count(Decimal("312.5")) == "313"
    assert token_count(None) == "not known"
