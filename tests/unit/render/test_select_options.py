"""A long select's options are escaped once; each request only marks its selected one."""

from bs4 import BeautifulSoup

from app.web.render.select_options import SelectOptions

CHOICES = [("acme", "Acme (2)"), ("b&b", 'B&B "Labs" <x> (1)'), ("zeta", "Zeta (3)")]


def _parsed(html: str) -> list[tuple[str, str, bool]]:
    soup = BeautifulSoup(f"<select>{html}</select>", "html.parser")
    return [
        (str(option["value"]), option.get_text(), option.has_attr("selected"))
        for option in soup.select("option")
    ]


def test_every_option_in_order_escaped_none_selected() -> None:
    options = SelectOptions.of(CHOICES)

    html = options.html(None)

    assert _parsed(html) == [(value, label, False) for value, label in CHOICES]
    assert "<x>" not in html and "b&amp;b" in html


def test_the_selected_value_alone_is_marked() -> None:
    options = SelectOptions.of(CHOICES)

    assert _parsed(options.html("b&b")) == [
        ("acme", "Acme (2)", False),
        ("b&b", 'B&B "Labs" <x> (1)', True),
        ("zeta", "Zeta (3)", False),
    ]
    assert options.html("b&b").count(" selected") == 1


def test_an_unknown_value_selects_nothing() -> None:
    options = SelectOptions.of(CHOICES)

    assert options.html("nobody") == options.html(None)
    assert SelectOptions.of([]).html("acme") == ""
