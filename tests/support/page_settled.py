"""Waiting, after a page load, until the page shows what a visitor's browser shows.

Playwright's "networkidle" waits for half a second without requests after
every load, however quickly the page was done. The pages here request more
after loading only through htmx (the account menu, a signed-in visitor's
rating and comment forms, the watch button, saved workloads), and htmx sends
those load-time requests before the `load` event: from then until each
answer is swapped in and settled, some element carries one of BUSY, so the
page is done when none does. The API reference (/docs) is the exception:
Swagger UI fetches the OpenAPI document and draws it, done once an
operation is drawn.

A request htmx sends later, on a delay after a keystroke (the catalog search
waits 400 ms for typing to stop), is not covered: wait for what it shows.
"""

from playwright.sync_api import Page, expect

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def wait_until_settled(page: Page) -> None:
    """Return once the page has loaded and drawn everything it loads by itself."""
    page.wait_for_load_state("load")
    page.wait_for_function("(busy) => !document.querySelector(busy)", arg=BUSY)
    if page.locator("#swagger-ui").count():
        expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
