"""In a real browser: watch a model from its page, then unwatch it, under the page's CSP.

The button arrives by htmx into a slot that is the same for every visitor;
clicking it swaps in the other state without a page load.
"""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import assert_accessible
from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"


def test_watch_then_unwatch_a_model_in_place(live_server: LiveServer, page: Page) -> None:
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url(f"/signup?next={MODEL_PATH}"))
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill("Watcher")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server.url(MODEL_PATH))
    wait_until_settled(page)
    page.evaluate("window.modelAtlasTestDocument = 'model page'")
    slot = page.locator("#watch-model")

    slot.get_by_role("button", name="Watch Mistral Small 4").click()

    expect(slot.get_by_role("status")).to_contain_text("Watching")
    expect(slot.get_by_role("button", name="Unwatch Mistral Small 4")).to_be_visible()
    wait_until_settled(page)
    slot.get_by_role("button", name="Unwatch Mistral Small 4").click()
    expect(slot.get_by_role("status")).to_have_text("Not watching.")
    assert page.evaluate("window.modelAtlasTestDocument") == "model page"
    assert problems == []


def test_the_watches_page_with_a_feed_and_a_webhook_is_accessible(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url(f"/signup?next={MODEL_PATH}"))
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill("Hooked")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server.url(MODEL_PATH))
    wait_until_settled(page)
    page.locator("#watch-model").get_by_role("button", name="Watch Mistral Small 4").click()
    expect(page.locator("#watch-model").get_by_role("status")).to_contain_text("Watching")

    page.locator("#watch-model").get_by_role("link", name="Your watches").click()
    page.get_by_role("button", name="Turn the feed on").click()
    expect(page.get_by_label("Feed address (shown only now)")).to_have_value(
        re.compile(r"/feeds/watched/[\w-]{40,}\.atom$")
    )
    page.get_by_label("Add a webhook (https:// address)").fill("https://hooks.example.com/in")
    page.get_by_role("button", name="Add webhook").click()

    expect(page.get_by_label("Secret (shown only now)")).to_have_value(re.compile("^whsec_"))
    expect(page.locator("#watched-models")).to_contain_text("Mistral Small 4")
    assert_accessible(page, "the watches page with a feed and a webhook")
