"""A visitor estimates a monthly bill on the model page, in a real browser.

Choosing a preset refills the form; editing a field updates the estimate in
place (HTMX, no page load) and the address bar follows; reloading that address
shows the same estimate with the same fields.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from app.web.render.formatting import money
from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
# The reference entry's Venice offer (standard tier only), USD per 1M tokens.
VENICE_INPUT = Decimal("0.188")
VENICE_OUTPUT = Decimal("0.75")


def _number(page: Page, field: str) -> int:
    return int(page.locator(f"#workload-{field}").input_value())


def test_choose_a_preset_edit_a_field_and_reload_the_same_estimate(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    page.goto(live_server.url(MODEL_PATH))
    page.evaluate("window.modelAtlasTestDocument = 'model page'")
    venice_monthly = page.locator(
        '#calculator-result tr[data-provider="venice"] td[data-column="per_month"]'
    )

    page.get_by_role("link", name="Batch summarization", exact=True).click()

    expect(page).to_have_url(live_server.url(f"{MODEL_PATH}?preset=batch-summarization"))
    expect(page.locator('.preset-link[aria-current="true"]')).to_have_text("Batch summarization")
    expect(page.locator("#workload-batch")).to_be_checked()
    requests_per_day = _number(page, "requests")
    input_tokens = _number(page, "input_tokens")
    assert page.locator("#workload-per").input_value() == "day"
    assert page.locator("#workload-cache_share").input_value() == "0"
    wait_until_settled(page)

    page.locator("#workload-output_tokens").fill("1000")

    expect(page).to_have_url(
        re.compile(re.escape(MODEL_PATH) + r"\?preset=batch-summarization&output_tokens=1000$")
    )
    # Venice has no batch price, so the standard one applies; 30 days a month.
    per_request = (input_tokens * VENICE_INPUT + 1_000 * VENICE_OUTPUT) / 1_000_000
    expected = money(per_request * requests_per_day * 30)
    expect(venice_monthly).to_have_text(expected)
    assert page.evaluate("window.modelAtlasTestDocument") == "model page", (
        "editing a field reloaded the page instead of updating the estimate in place"
    )
    page.screenshot(path=artifact_path("calculator.png"), full_page=True)

    page.reload()

    expect(venice_monthly).to_have_text(expected)
    expect(page.locator("#workload-output_tokens")).to_have_value("1000")
    expect(page.locator('.preset-link[aria-current="true"]')).to_have_text("Batch summarization")
    assert page.evaluate("window.modelAtlasTestDocument") is None


def test_an_invalid_field_gets_its_message_in_place(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.url(f"{MODEL_PATH}?preset=chatbot"))
    page.evaluate("window.modelAtlasTestDocument = 'model page'")

    page.locator("#workload-input_tokens").fill("300000")

    message = page.locator("#workload-input_tokens-error")
    expect(message).to_have_text("Enter at most 262,144 tokens (the model's context window).")
    expect(page.locator("#workload-input_tokens")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#workload-output_tokens")).to_have_value("350")
    expect(page.locator(".calculator-invalid")).to_be_visible()

    page.locator("#workload-input_tokens").fill("3000")

    expect(message).to_have_text("")
    expect(page.locator("#workload-input_tokens")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator('#calculator-result tr[data-provider="mistral"]')).to_be_visible()
    assert page.evaluate("window.modelAtlasTestDocument") == "model page"


def test_a_comparable_model_opens_with_a_held_click_right_after_an_edit(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url(f"{MODEL_PATH}?preset=chatbot"))
    page.locator("#workload-output_tokens").fill("1000")
    expect(page).to_have_url(re.compile(r"&output_tokens=1000$"))
    comparable = page.locator("table.comparables tbody a").first
    expect(comparable).to_have_attribute("href", re.compile(r"output_tokens=1000#cost-calculator$"))
    href = comparable.get_attribute("href")

    # Held as a person holds a click: leaving the edited field must not swap the estimate
    # (and the link in it) away between the press and the release.
    comparable.click(delay=250)

    expect(page).to_have_url(live_server.url(href or ""))
