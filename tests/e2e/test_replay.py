"""A visitor replays usage in a real browser: paste or upload, see each provider's cost, download.

The form is a plain multipart form (no JavaScript needed); the log is read by
the real server as it streams in.
"""

import json
import re
import time
import uuid

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


def test_an_uploaded_log_is_saved_as_a_workload_and_repriced(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    """Upload → result → sign in from the result's link → upload again → save → "My workloads"."""
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    log = {
        "name": "usage.csv",
        "mimeType": "text/csv",
        "buffer": (
            "date,model,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,requests\n"
            f"2026-09-10,{MODEL},3000000,1000000,900000,300000,1000\n"
            f"2026-11-20,{MODEL},1000000,0,300000,0,1000\n"
        ).encode(),
    }

    page.goto(live_server.url("/replay"))
    page.get_by_label("Or upload a file").set_input_files(log)
    page.get_by_role("button", name="Replay").click()
    keep = page.locator("#replay-save")
    expect(keep).to_contain_text("667 requests a month")
    keep.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create one").click()
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill("Replayer")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server.url("/replay"))

    page.get_by_label("Or upload a file").set_input_files(log)
    page.get_by_role("button", name="Replay").click()
    expect(mistral_total(page)).not_to_be_empty()
    keep.get_by_label("Save this usage as").fill("Autumn replay")
    assert_accessible(page, "the replay result, signed in")
    keep.get_by_role("button", name="Save workload").click()

    mine = page.locator("#my-workloads")
    saved = mine.locator("li", has=page.get_by_role("link", name="Autumn replay"))
    expect(saved).to_contain_text(
        "667 requests a month, 2,000 tokens in, 450 out; "
        "from a replay of 2 rows, 2026-09-10 to 2026-11-20"
    )
    mine.screenshot(path=artifact_path("replay-saved-workload.png"))
    saved.get_by_role("link", name="Autumn replay").click()
    expect(page).to_have_url(re.compile(r"/calculator\?.*requests_per_month=667"))
    expect(page.get_by_label("Input tokens per request")).to_have_value("2000")
    expect(page.get_by_label("Output tokens per request")).to_have_value("450")
    assert problems == []
