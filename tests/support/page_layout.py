"""Checks every browser test can make of the page it is on: it fits, and it writes figures one way.

A page wider than its window makes a phone scroll the whole page sideways and
hides whatever sits past the edge (the account links, a table's totals), so the
document must never be wider than the viewport; a wide table scrolls inside its
own box instead. Figures come out of one formatter per kind (app/web/render/formatting.py),
so the text a visitor reads shows a unit after a space ("96 tok/s", "666 ms") and
a price to the cent or with all of its digits ("$0.15", "$0.188"), never "96tok/s",
"$0.1500" or "$0.6".
"""

import re

from playwright.sync_api import Page

UNIT_WITHOUT_SPACE = re.compile(r"\d(?:tok/s|ms)\b")
PRICE_WITH_PADDING = re.compile(r"\$[\d,]*\.\d{2,}0(?!\d)")
PRICE_WITHOUT_CENTS = re.compile(r"\$[\d,]+\.\d(?!\d)")


def assert_fits_the_window(page: Page, what: str) -> None:
    """The document is no wider than the viewport (nothing makes the page scroll sideways)."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    document_width, window_width = widths
    assert document_width <= window_width, (
        f"{what} is {document_width} px wide in a {window_width} px window: "
        f"{', '.join(_overflowing(page)) or 'no single element found'}"
    )


def assert_figures_formatted(page: Page, what: str) -> None:
    """No unit glued to its number and no price with padding zeros or a missing cent digit."""
    text = page.locator("body").inner_text()
    for pattern, problem in (
        (UNIT_WITHOUT_SPACE, "a unit without a space before it"),
        (PRICE_WITH_PADDING, "a price padded with zeros"),
        (PRICE_WITHOUT_CENTS, "a price without its cents"),
    ):
        found = sorted({match.group(0) for match in pattern.finditer(text)})
        assert not found, f"{what} shows {problem}: {found}"


def assert_page_reads_well(page: Page, what: str) -> None:
    """Both checks above, for a test to call on each page it visits."""
    assert_fits_the_window(page, what)
    assert_figures_formatted(page, what)


def _overflowing(page: Page) -> list[str]:
    """The outermost elements past the window's right edge, to name in a failure."""
    return page.evaluate(
        """() => {
          const edge = window.innerWidth;
          const past = [...document.body.querySelectorAll("*")].filter(
            (element) => element.getBoundingClientRect().right > edge
          );
          return past
            .filter((element) => !past.includes(element.parentElement))
            .slice(0, 6)
            .map((element) => element.tagName.toLowerCase()
              + (element.className && typeof element.className === "string"
                 ? "." + element.className.trim().split(/\\s+/).join(".") : "")
              + ` (${Math.round(element.getBoundingClientRect().right)} px)`);
        }"""
    )
