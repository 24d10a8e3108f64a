"""A visitor finds Mistral Small 4 from the catalog and reads its providers table.

Drives the real server in a real browser: the search box updates the result
list in place (HTMX) and keeps the query in the URL; the model page lists the
two reference providers sorted by throughput.
"""

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, Request, Response, expect

from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
EXPECTED_PROVIDER_ROWS = [
    {"Provider": "Venice", "Throughput": "96tok/s", "Latency": "666ms"},
    {"Provider": "Mistral", "Throughput": "29tok/s", "Latency": "440ms"},
]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _column_index(headers: list[str], title: str) -> int:
    matches = [index for index, header in enumerate(headers) if header.strip().startswith(title)]
    assert len(matches) == 1, f"expected one '{title}' column in {headers}"
    return matches[0]


def _providers_table(page: Page) -> Locator:
    return page.locator("table").filter(
        has=page.get_by_role("columnheader", name="Throughput", exact=False)
    )


def test_search_the_catalog_then_read_the_providers_table(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    page.goto(live_server.url("/"))
    unrelated = page.locator('a[href*="/models/"]').filter(has_not_text="Mistral").first
    expect(unrelated).to_be_visible()
    unrelated_href = unrelated.get_attribute("href")
    page.evaluate("window.modelAtlasTestDocument = 'catalog'")

    page.locator('input[name="q"]').press_sequentially("mistral small 4", delay=40)

    expect(page.locator(f'a[href="{unrelated_href}"]')).to_have_count(0)
    result = page.get_by_role("link", name="Mistral Small 4", exact=True)
    expect(result).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=mistral(\+|%20)small(\+|%20)4(&|$)"))
    assert page.evaluate("window.modelAtlasTestDocument") == "catalog", (
        "typing reloaded the page instead of updating the results in place"
    )

    catalog_requests: list[str] = []

    def note_catalog_request(request: Request) -> None:
        if urlsplit(request.url).path == "/":
            catalog_requests.append(request.url)

    page.on("request", note_catalog_request)
    # Held as a person holds a click: leaving the search box must not swap the link away
    # between the press and the release (the click would then open nothing).
    result.click(delay=250)

    expect(page).to_have_url(live_server.url(MODEL_PATH))
    assert catalog_requests == [], (
        "leaving the search box asked the catalog again, swapping the results under the click"
    )
    table = _providers_table(page)
    expect(table).to_have_count(1)
    headers = table.locator("thead th").all_inner_texts()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(EXPECTED_PROVIDER_ROWS))
    for position, expected in enumerate(EXPECTED_PROVIDER_ROWS):
        cells = rows.nth(position).locator("th, td").all_inner_texts()
        shown = {column: _compact(cells[_column_index(headers, column)]) for column in expected}
        assert shown["Provider"].startswith(expected["Provider"])
        assert shown["Throughput"] == expected["Throughput"]
        assert shown["Latency"] == expected["Latency"]

    page.screenshot(path=artifact_path("model-page.png"), full_page=True)


def test_a_typed_filter_applies_when_the_visitor_leaves_it(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url("/"))
    total = page.locator("#catalog-total")
    every_model = total.inner_text()
    page.evaluate("window.modelAtlasTestDocument = 'catalog'")

    page.locator("#catalog-min-context").fill("1000000")
    page.locator("#catalog-min-context").press("Tab")

    expect(page).to_have_url(re.compile(r"[?&]min_context=1000000(&|$)"))
    expect(total).not_to_have_text(every_model)
    assert page.evaluate("window.modelAtlasTestDocument") == "catalog", (
        "leaving the field reloaded the page instead of updating the results in place"
    )


def _search_answer(query: str) -> Callable[[Response], bool]:
    """Whether a response is the catalog's answer to the search `query`."""
    wanted = [query]

    def is_answer(response: Response) -> bool:
        parts = urlsplit(response.url)
        return parts.path == "/" and parse_qs(parts.query).get("q") == wanted

    return is_answer


def _press_a_result_while_the_search_is_answered(page: Page, live_server: LiveServer) -> Locator:
    """Type "mistral small", then " 4" and press on the Mistral Small 4 result at once,
    holding it while the answer to the whole query arrives (it would replace the result)."""
    page.goto(live_server.url("/"))
    search = page.locator('input[name="q"]')
    search.press_sequentially("mistral small", delay=40)
    result = page.get_by_role("link", name="Mistral Small 4", exact=True)
    expect(result).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=mistral(\+|%20)small(&|$)"))

    with page.expect_response(_search_answer("mistral small 4")):
        search.press_sequentially(" 4")
        result.hover()
        page.mouse.down()
    # Still held a moment after the answer: its swap, had it run, has run by now.
    page.wait_for_timeout(200)
    return result


def test_a_result_pressed_while_its_search_is_answered_still_opens(
    live_server: LiveServer, page: Page
) -> None:
    _press_a_result_while_the_search_is_answered(page, live_server)

    page.mouse.up()

    expect(page).to_have_url(live_server.url(MODEL_PATH))


def test_a_press_that_opens_nothing_lets_the_results_catch_up(
    live_server: LiveServer, page: Page
) -> None:
    _press_a_result_while_the_search_is_answered(page, live_server)
    heading = page.get_by_role("heading", level=1)
    box = heading.bounding_box()
    assert box is not None

    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.up()

    expect(page).to_have_url(re.compile(r"[?&]q=mistral(\+|%20)small(\+|%20)4(&|$)"))
    expect(page.locator("#catalog-q")).to_have_value("mistral small 4")
