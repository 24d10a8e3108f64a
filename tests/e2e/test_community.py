"""In a real browser: sign up from the model page, rate it 4 stars, comment, edit, delete.

The sign-in link brings the visitor back to the model page; the star form and
the compose form arrive by htmx; the new average and the new comment appear
in place, without loading the page again (a marker on `window` survives),
with the strict Content-Security-Policy in force and no error in the console.
"""

import re
import uuid

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from app.services.community.community_page import COMMENTS_PER_PAGE
from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
COMMENT = "Quick and *cheap* for tool calls."


def test_sign_up_rate_and_comment_without_reload(
    live_server: LiveServer, page: Page, artifact_path
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: _record_error(message, problems))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url(MODEL_PATH))
    wait_until_settled(page)

    page.locator("#rating-me").get_by_role("link", name="Sign in to rate and review.").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/models/mistral/mistral-small-2603$"))
    page.get_by_role("link", name="Create one").click()
    name = f"Tester {uuid.uuid4().hex[:6]}"
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(live_server.url(MODEL_PATH))
    wait_until_settled(page)
    page.evaluate("window.modelAtlasTestDocument = 'model page'")
    rating_form = page.locator("#rating-me form")
    expect(rating_form).to_be_visible()
    rating_form.get_by_label("4 stars").check()
    rating_form.get_by_role("button", name="Rate").click()

    summary = page.locator("#rating-summary .rating-average")
    expect(summary).to_contain_text("4.0 out of 5 · 1 rating")
    expect(page.locator("#rating-me legend")).to_have_text("Your rating: 4 stars. Change it?")

    page.get_by_label(f"Your comment as {name}").fill(COMMENT)
    page.get_by_role("button", name="Post comment").click()

    comment = page.locator("#comment-thread .comment").first
    expect(comment.locator(".comment-body")).to_have_text("Quick and cheap for tool calls.")
    expect(comment.locator(".comment-body em")).to_have_text("cheap")
    expect(comment.locator(".comment-author")).to_have_text(name)
    expect(comment.get_by_role("link", name="Edit")).to_be_visible()
    expect(page.locator("#comment-thread .comment-count")).to_have_text("1 comment")
    expect(page.get_by_label(f"Your comment as {name}")).to_have_value("")

    assert page.evaluate("window.modelAtlasTestDocument") == "model page", (
        "rating or commenting reloaded the page instead of updating it in place"
    )
    page.locator("#ratings").screenshot(path=artifact_path("community-ratings.png"))
    page.locator("#comments").screenshot(path=artifact_path("community-comments.png"))

    wait_until_settled(page)
    comment.get_by_role("link", name="Edit").click()
    editor = comment.get_by_label("Edit your comment")
    expect(editor).to_have_value(COMMENT)
    editor.fill("Quick, cheap and `exact`.")
    wait_until_settled(page)
    comment.get_by_role("button", name="Save changes").click()
    expect(comment.locator(".comment-body")).to_have_text("Quick, cheap and exact.")
    expect(comment.locator(".comment-edited")).to_have_text("edited")

    wait_until_settled(page)
    page.once("dialog", lambda dialog: dialog.accept())
    comment.get_by_role("button", name="Delete").click()
    expect(page.locator("#comment-thread .comment-count")).to_have_text("0 comments")
    assert page.evaluate("window.modelAtlasTestDocument") == "model page"
    assert problems == []


def _record_error(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type == "error":
        problems.append(message.text)


def test_paging_keeps_the_visitors_controls_and_draft(live_server: LiveServer, page: Page) -> None:
    """Another page of comments swaps in place with the controls of one's own comments.

    A half-typed comment is left alone, and the back button returns to the first page.
    """
    problems: list[str] = []
    page.on("console", lambda message: _record_error(message, problems))
    page.goto(live_server.url(f"/signup?next={MODEL_PATH}"))
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill("Pager")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server.url(MODEL_PATH))
    compose = page.locator("#comment-compose form")
    token = compose.locator("input[name=csrf_token]").get_attribute("value")
    for number in range(COMMENTS_PER_PAGE + 2):
        posted = page.request.post(
            live_server.url(f"{MODEL_PATH}/comments"),
            form={"body": f"paged {number}", "csrf_token": token or ""},
            max_redirects=0,
        )
        assert posted.status == 303, posted.text()
    page.reload()
    wait_until_settled(page)
    page.evaluate("window.modelAtlasTestDocument = 'model page'")
    page.get_by_label("Your comment as Pager").fill("a draft")

    page.locator("#comment-thread nav.pagination").get_by_role("link", name="Next").click()

    expect(page).to_have_url(live_server.url(f"{MODEL_PATH}?comments_page=2"))
    first = page.locator("#comment-thread .comment").first
    expect(first.locator(".comment-body")).to_have_text(re.compile(r"^paged 1\s*$"))
    expect(first.get_by_role("link", name="Edit")).to_be_visible()
    expect(page.get_by_label("Your comment as Pager")).to_have_value("a draft")
    page.go_back()
    expect(page).to_have_url(live_server.url(MODEL_PATH))
    expect(page.locator("#comment-thread .comment").first.locator(".comment-body")).to_have_text(
        re.compile(rf"^paged {COMMENTS_PER_PAGE + 1}\s*$")
    )
    assert page.evaluate("window.modelAtlasTestDocument") == "model page"
    assert problems == []
