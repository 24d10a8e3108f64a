"""A visitor ticks two models in the catalog and compares them, in a real browser.

The catalog's Compare column leads to the side-by-side table; choosing a
preset, then editing a field, updates the workload's cost row in place (HTMX,
no page load) while the address bar follows; reloading that address shows the
same figures.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import assert_accessible
from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

REFERENCE = "mistral/mistral-small-2603"
OTHER = "mistral/mistral-small-3.2-24b-instruct"
# The two ticked models, in the catalog's order (most providers first), which follows the data.
BOTH = rf"(?:{REFERENCE},{OTHER}|{OTHER},{REFERENCE})"


def test_tick_two_models_compare_them_and_change_the_workload(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    page.goto(live_server.url("/"))
    page.locator("#catalog-q").fill("mistral small")
    expect(page).to_have_url(re.compile(r"/\?q=mistral\+small$"))
    # Leaving the search box fires its `change`, which reloads the results; let that reload
    # finish first, or it can swap the rows while a tick is being clicked.
    page.locator("#catalog-q").blur()
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.get_by_label("Compare Mistral Small 3.2 24B", exact=True).check()
    page.get_by_label("Compare Mistral Small 4", exact=True).check()
    page.get_by_role("button", name="Compare ticked models").click()

    # The catalog sends repeated `models` parameters in its order; the address bar shows the
    # canonical list.
    expect(page).to_have_url(re.compile(rf"/compare\?models={BOTH}$"))
    wait_until_settled(page)
    names = page.locator("table.compare-table thead a.compare-model")
    expect(names).to_have_count(2)
    assert sorted(names.all_inner_texts()) == ["Mistral Small 3.2 24B", "Mistral Small 4"]
    throughput = page.locator(f'tr[data-row="throughput"] td[data-model="{REFERENCE}"] .figure')
    expect(throughput).to_have_text(re.compile(r"^\d+\u202ftok/s$"))
    cost = page.locator(f'tr[data-row="cost"] td[data-model="{REFERENCE}"] strong')
    chatbot_cost = cost.inner_text()
    page.evaluate("window.modelAtlasTestDocument = 'compare page'")

    page.get_by_role("link", name="RAG / long documents", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/compare\?models={BOTH}&preset=rag$"))
    expect(page.locator('.preset-link[aria-current="true"]')).to_have_text("RAG / long documents")
    expect(cost).not_to_have_text(chatbot_cost)
    rag_cost = cost.inner_text()
    wait_until_settled(page)

    # A field edit swaps in only the cost rows: the field being typed in stays put.
    page.evaluate("document.querySelector('#workload-requests').dataset.testMark = 'kept'")
    page.locator("#workload-requests").fill("1")
    page.locator("#workload-per").select_option("month")

    expect(page).to_have_url(re.compile(r"&preset=rag&requests_per_month=1$"))
    expect(cost).not_to_have_text(rag_cost)
    expect(page.locator("#workload-requests")).to_have_attribute("data-test-mark", "kept")
    edited_cost = cost.inner_text()
    assert page.evaluate("window.modelAtlasTestDocument") == "compare page", (
        "changing the workload reloaded the page instead of updating the cost row in place"
    )
    page.screenshot(path=artifact_path("compare.png"), full_page=True)

    page.reload()

    expect(cost).to_have_text(edited_cost)
    expect(page.locator("#workload-requests")).to_have_value("1")
    expect(page.locator("#workload-per")).to_have_value("month")


def test_a_field_message_arrives_in_place(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.url(f"/compare?models={REFERENCE},openai/gpt-4o-mini&preset=chatbot"))

    page.locator("#workload-days").fill("40")

    expect(page.locator("#workload-days-error")).to_have_text("Enter at most 31 days.")
    expect(page.locator("#workload-days")).to_have_attribute("aria-invalid", "true")
    expect(page.locator('tr[data-row="cost"]')).to_contain_text("fix the marked field")
    expect(page.locator('tr[data-row="throughput"]')).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_compare_with_from_a_model_page_through_the_picker(
    live_server: LiveServer, page: Page, scheme: str, artifact_path
) -> None:
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url(f"/models/{REFERENCE}"))
    page.get_by_role("link", name="Compare with other models").click()

    chosen = page.get_by_role("checkbox", name=re.compile("^Mistral Small 4 "))
    expect(chosen).to_be_checked()
    assert_accessible(page, f"the compare picker ({scheme} scheme)")

    page.get_by_role("button", name="Compare the ticked models").click()  # one is not enough

    expect(page.get_by_role("alert")).to_contain_text(f"only {REFERENCE} was named")
    assert_accessible(page, f"the compare page's 400 ({scheme} scheme)")

    page.get_by_label("Find a model").fill("gpt-4o-mini")
    page.get_by_label("Find a model").press("Enter")  # Enter searches, keeping the tick

    expect(page).to_have_url(re.compile(r"/compare/pick\?models=.+&q=gpt-4o-mini$"))
    expect(chosen).to_be_checked()
    page.get_by_role("checkbox", name="GPT-4o mini openai/gpt-4o-mini · OpenAI").check()
    page.screenshot(path=artifact_path(f"compare-picker-{scheme}.png"), full_page=True)
    page.get_by_role("button", name="Compare the ticked models").click()

    expect(page).to_have_url(live_server.url(f"/compare?models={REFERENCE},openai/gpt-4o-mini"))
    expect(page.locator("table.compare-table thead a.compare-model")).to_have_text(
        ["Mistral Small 4", "GPT-4o mini"]
    )
