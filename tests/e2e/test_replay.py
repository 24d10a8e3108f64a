"""A visitor replays usage in a real browser: paste or upload, see each provider's cost, download.

The form is a plain multipart form (no JavaScript needed); the log is read by
the real server as it streams in.
"""

import json
import time

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import assert_accessible
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL = "mistral/mistral-small-2603"


def contract_line() -> str:
    return json.dumps(
        {
            "model": "mistralai/mistral-small-2603",
            "created": int(time.time()) - 86_400,
            "usage": {"prompt_tokens": 1000000, "completion_tokens": 1000000},
        }
    )


def mistral_total(page: Page):
    return page.locator(
        f'details[data-model="{MODEL}"] tr[data-provider="mistral"] td[data-column="total"]'
    )


def test_pasted_usage_is_priced_at_every_provider_and_downloads_as_csv(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    page.goto(live_server.url("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Replay usage").click()
    expect(page).to_have_url(live_server.url("/replay"))
    assert_accessible(page, "the replay form")

    page.get_by_label("Paste usage").fill(contract_line() + "\n{not json}\n")
    page.get_by_role("button", name="Replay").click()

    expect(mistral_total(page)).to_have_text("$0.75")
    expect(page.locator("ul.replay-malformed li")).to_have_text(["Line 2: not valid JSON"])
    expect(page.locator("svg.replay-chart")).to_be_visible()
    assert_accessible(page, "the replay result")
    page.screenshot(path=artifact_path("replay.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the result (CSV)").click()
    rows = download_info.value.path().read_text().splitlines()
    assert rows[0].startswith("month,model,model_name,provider")
    assert any(",Mistral,yes,yes," in row and ",0.75," in row for row in rows)


def test_an_uploaded_csv_file_is_priced(live_server: LiveServer, page: Page) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86_400))
    log = (
        "date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests\n"
        f"{day},{MODEL},2000000,0,0,0,10\n"
    )
    page.goto(live_server.url("/replay"))

    page.get_by_label("Or upload a file").set_input_files(
        {"name": "usage.csv", "mimeType": "text/csv", "buffer": log.encode()}
    )
    page.get_by_role("button", name="Replay").click()

    expect(mistral_total(page)).to_have_text("$0.30")
    expect(page.locator("#replay-cheapest-total")).to_have_text("$0.30")
