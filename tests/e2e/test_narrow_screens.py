"""Phones: every kind of page fits a 390 px and a 320 px window, with its links in reach.

The header wraps its navigation under the brand and the account link; tables of
offers and models turn into one card per row; the compare matrix scrolls inside
its own box with the row labels pinned. What fails here is a page that scrolls
sideways as a whole (see tests/support/page_layout.py).
"""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.page_layout import assert_page_reads_well
from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
MODELS = "mistral/mistral-small-2603,openai/gpt-4o-mini"
PAGES = {
    "catalog": "/",
    "model page": MODEL_PATH,
    "calculator": f"/calculator?models={MODELS}",
    "compare": f"/compare?models={MODELS}",
    "API reference": "/docs",
    "sign-in": "/login",
    "sign-up": "/signup",
    "status": "/status",
    "providers": "/providers",
    "provider": "/providers/mistral",
    "labs": "/authors",
    "compare picker": "/compare/pick",
}
WIDTHS = (390, 320)


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def phone(browser: Browser, request: pytest.FixtureRequest) -> Page:
    context = browser.new_context(viewport={"width": request.param, "height": 844})
    context.set_default_timeout(10_000)
    request.addfinalizer(context.close)
    return context.new_page()


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_phone(live_server: LiveServer, phone: Page, name: str) -> None:
    response = phone.goto(live_server.url(PAGES[name]))
    assert response is not None and response.status == 200
    wait_until_settled(phone)

    assert_page_reads_well(phone, f"{name} ({PAGES[name]})")
    sign_in = phone.locator(".site-header").get_by_role("link", name="Sign in")
    expect(sign_in).to_be_in_viewport()


def test_tables_become_cards_on_a_phone(live_server: LiveServer, phone: Page) -> None:
    """Each provider is a card that shows every figure beside its column's name."""
    phone.goto(live_server.url(MODEL_PATH))

    venice = phone.locator("table.endpoints tbody tr").filter(has_text="Venice")
    throughput = venice.locator('td[data-label="Throughput"]')
    throughput.scroll_into_view_if_needed()
    expect(throughput).to_be_in_viewport(ratio=1)
    label = throughput.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Throughput"'
    box = venice.bounding_box()
    width = phone.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
