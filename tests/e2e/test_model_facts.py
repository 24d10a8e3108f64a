"""A visitor reads a model's key facts at the top of its page, and where its facts come from.

Drives the real server in a real browser: the header's key facts sit in one
row under the name, and a fact further down names its source.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"


def test_the_header_shows_the_key_facts_in_one_row_and_facts_name_their_source(
    live_server: LiveServer, page: Page
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url(MODEL_PATH))

    header = page.locator("#model-header")
    glance = header.get_by_label("At a glance")
    expect(glance).to_be_visible()
    terms = glance.locator("dt")
    expect(terms).to_have_text(
        ["Released", "Weights", "Context", "Input / output from", "Providers"]
    )
    expect(glance.locator("dd")).to_have_text(
        ["2026-03-16", "closed", "262K tokens", "$0.15 / $0.60 per 1M", "2"]
    )
    tops = {round(terms.nth(n).bounding_box()["y"]) for n in range(terms.count())}
    assert len(tops) == 1, f"the key facts wrap over several rows: {tops}"
    expect(header.locator("#model-status")).to_have_text("Active")

    source = page.locator("#capabilities .fact-source").first
    expect(source).to_be_visible()
    expect(source).to_have_text("[Model Atlas (curated)]")
    expect(source).to_have_attribute(
        "title", re.compile(r"^Source: Model Atlas \(curated\), as of \d{4}-\d\d-\d\d$")
    )
