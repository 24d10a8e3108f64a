"""In a real browser: save the calculator's workload on one model, re-price it on another.

Sign up, change the workload on a model page, save it under a name in "My
workloads" (which arrives by htmx, since the page itself is the same for
everyone), open another model's page and click the saved workload: that
page's calculator shows the saved inputs, with the strict Content-Security-
Policy in force and no error in the console.
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
OTHER_MODEL_PATH = "/models/openai/gpt-4o-mini"


def test_save_a_workload_and_reprice_it_on_another_model(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url(f"/signup?next={MODEL_PATH}"))
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill("Saver")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server.url(MODEL_PATH))
    wait_until_settled(page)

    page.get_by_label("Input tokens per request").fill("12345")
    expect(page).to_have_url(re.compile(r"input_tokens=12345"))
    page.get_by_label("Output tokens per request").fill("678")
    expect(page).to_have_url(re.compile(r"output_tokens=678"))
    mine = page.locator("#my-workloads")
    mine.get_by_label("Save the workload above as").fill("Long prompts")
    mine.get_by_role("button", name="Save workload").click()
    expect(mine.get_by_role("status")).to_have_text("Saved “Long prompts”.")
    mine.screenshot(path=artifact_path("my-workloads.png"))
    mine.get_by_text("Rename or delete").click()
    assert_accessible(page, "a model page with My workloads")

    page.goto(live_server.url(OTHER_MODEL_PATH))
    wait_until_settled(page)
    expect(page.get_by_label("Input tokens per request")).not_to_have_value("12345")
    page.evaluate("window.modelAtlasTestDocument = 'other model'")
    page.locator("#my-workloads").get_by_role("link", name="Long prompts").click()

    expect(page.get_by_label("Input tokens per request")).to_have_value("12345")
    expect(page.get_by_label("Output tokens per request")).to_have_value("678")
    expect(page).to_have_url(re.compile(rf"{OTHER_MODEL_PATH}\?.*input_tokens=12345"))
    expect(page.locator("#calculator .calculator-summary")).to_contain_text("Custom workload")
    assert page.evaluate("window.modelAtlasTestDocument") == "other model"
    assert problems == []


def test_rename_then_delete_in_place(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.url(f"/signup?next={MODEL_PATH}"))
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill("Renamer")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    mine = page.locator("#my-workloads")
    mine.get_by_label("Save the workload above as").fill("Draft")
    wait_until_settled(page)
    mine.get_by_role("button", name="Save workload").click()
    expect(mine.get_by_role("link", name="Draft")).to_be_visible()
    wait_until_settled(page)

    mine.get_by_text("Rename or delete").click()
    mine.get_by_label("New name").fill("Final")
    mine.get_by_role("button", name="Rename").click()
    expect(mine.get_by_role("status")).to_have_text("Renamed “Final”.")
    wait_until_settled(page)
    mine.get_by_text("Rename or delete").click()
    mine.get_by_role("button", name="Delete Final").click()

    expect(mine.get_by_role("status")).to_have_text("Deleted.")
    expect(mine.get_by_text("No saved workloads yet.")).to_be_visible()
