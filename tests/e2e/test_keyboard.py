"""The calculator, the star rating and the comment forms, used with the keyboard alone.

Nothing here clicks or focuses an element by script: every control is reached
with Tab / Shift+Tab from where focus already is, and used with Enter, Space,
arrow keys and typing, as a visitor without a mouse would. Reaching a control
this way is part of the check (a control Tab never lands on fails `_tab_to`).

After each htmx swap, focus must stay somewhere sensible rather than fall back
to the top of the page: on the same control when it is swapped for a new copy
(htmx restores focus by id), otherwise where the control's `data-focus-after`
says (static/js/app.js). The focused control must also show a visible focus
indicator (the `:focus-visible` outline in static/css/app.css).
"""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
# Rated and commented on here only: other browser tests count the reference model's comments.
COMMUNITY_PATH = "/models/mistral/codestral-2508"
MAX_TAB_PRESSES = 400
FOCUSED = "document.activeElement"


def _tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TAB_PRESSES):
        page.keyboard.press(key)
        if page.evaluate(f"(selector) => {FOCUSED}.matches(selector)", selector):
            return
    raise AssertionError(f"{MAX_TAB_PRESSES} presses of {key} never reached {selector}")


def _settled(page: Page) -> None:
    """Wait until htmx has finished its requests and settled what they swapped in.

    htmx wires up swapped-in controls (their hx-get, hx-post) as the swap settles, a few
    milliseconds after they appear; a key pressed before that would follow the plain link.
    """
    wait_until_settled(page)


def _focused(page: Page, property_name: str) -> str:
    return page.evaluate(f"(name) => {FOCUSED}[name]", property_name)


def _assert_focus_visible(page: Page) -> None:
    """The focused element draws an outline of at least 2px that is not transparent."""
    style = page.evaluate(
        """() => {
          const element = document.activeElement;
          const style = getComputedStyle(element);
          return {visible: element.matches(":focus-visible"), outline: style.outlineStyle,
                  width: parseFloat(style.outlineWidth), colour: style.outlineColor};
        }"""
    )
    assert style["visible"], "the keyboard-focused element does not match :focus-visible"
    assert style["outline"] not in ("none", "hidden"), style
    assert style["width"] >= 2, style
    assert style["colour"] not in ("transparent", "rgba(0, 0, 0, 0)"), style


def test_skip_link_is_first_and_moves_focus_into_the_content(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(live_server.url("/"))
    page.keyboard.press("Tab")

    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    _assert_focus_visible(page)
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"skip link off-screen: {box}"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    expect(page.get_by_label("Search")).to_be_focused()


def test_next_catalog_page_by_keyboard_keeps_focus_on_the_results(
    live_server: LiveServer, page: Page
) -> None:
    """The pager sits below 50 rows; after the swap focus is on the new count, not the top."""
    page.goto(live_server.url("/"))
    _tab_to(page, "nav.pagination a[rel=next]")
    _assert_focus_visible(page)
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url("/?page=2"))
    count = page.locator("#catalog-results .catalog-count")
    expect(count).to_contain_text("page 2 of")
    expect(count).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => document.querySelector('#catalog-results').contains(document.activeElement)"
    ), "Tab after the swap left the results"


def test_calculator_preset_and_fields_by_keyboard(live_server: LiveServer, page: Page) -> None:
    page.goto(live_server.url(MODEL_PATH))
    page.evaluate("window.modelAtlasTestDocument = 'model page'")
    monthly = page.locator(
        '#calculator-result tr[data-provider="venice"] td[data-column="per_month"]'
    )

    _tab_to(page, "a.preset-link#workload-preset-batch-summarization")
    _assert_focus_visible(page)
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url(f"{MODEL_PATH}?preset=batch-summarization"))
    preset = page.locator("#workload-preset-batch-summarization")
    expect(preset).to_have_attribute("aria-current", "true")
    expect(preset).to_be_focused()
    expect(page.locator("#workload-batch")).to_be_checked()
    before = monthly.inner_text()
    _settled(page)

    _tab_to(page, "#workload-output_tokens")
    page.keyboard.press("Control+A")
    page.keyboard.type("1000")

    expect(page).to_have_url(re.compile(r"\?preset=batch-summarization&output_tokens=1000$"))
    expect(monthly).not_to_have_text(before)
    expect(page.locator("#workload-output_tokens")).to_be_focused()
    expect(page.locator("#workload-output_tokens")).to_have_value("1000")
    after_output = monthly.inner_text()

    _tab_to(page, "#workload-input_tokens", backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type("100")
    expect(page).to_have_url(re.compile(r"[?&]input_tokens=100(&|$)"))
    expect(monthly).not_to_have_text(after_output)

    _tab_to(page, "#workload-batch")
    _assert_focus_visible(page)
    page.keyboard.press("Space")
    expect(page.locator("#workload-batch")).not_to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]batch=0(&|$)"))
    assert page.evaluate("window.modelAtlasTestDocument") == "model page", (
        "using the calculator by keyboard reloaded the page instead of updating it in place"
    )


def _sign_up_by_keyboard(live_server: LiveServer, page: Page) -> str:
    name = f"Keys {uuid.uuid4().hex[:6]}"
    page.goto(live_server.url(f"/signup?next={COMMUNITY_PATH}"))
    _tab_to(page, "#signup-email")
    page.keyboard.type(f"{uuid.uuid4().hex[:10]}@example.com")
    _tab_to(page, "#signup-display-name")
    page.keyboard.type(name)
    _tab_to(page, "#signup-password")
    page.keyboard.type("a long and unusual passphrase")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url(COMMUNITY_PATH))
    return name


def test_rate_and_comment_by_keyboard(live_server: LiveServer, page: Page) -> None:
    name = _sign_up_by_keyboard(live_server, page)
    expect(page.locator("#rating-me form")).to_be_visible()
    _settled(page)
    page.evaluate("window.modelAtlasTestDocument = 'model page'")

    # The stars are a native radio group: Tab enters it, arrow keys choose, Tab leaves it.
    _tab_to(page, "#rating-me input[name=stars]")
    _assert_focus_visible(page)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_label("4 stars")).to_be_checked()
    expect(page.get_by_label("4 stars")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#rating-submit")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#rating-summary .rating-average")).to_contain_text(
        "4.0 out of 5 · 1 rating"
    )
    submit = page.locator("#rating-submit")
    expect(submit).to_have_text("Change rating")
    expect(submit).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("4 stars")).to_be_focused()

    _tab_to(page, "#comment-body")
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    expect(page.locator("#comment-submit")).to_be_focused()
    page.keyboard.press("Enter")

    comment = page.locator("#comment-thread .comment").first
    expect(comment.locator(".comment-body")).to_have_text("Typed without a mouse.")
    expect(comment.locator(".comment-author")).to_have_text(name)
    expect(page.get_by_label(f"Your comment as {name}")).to_have_value("")
    expect(page.locator("#comment-submit")).to_be_focused()

    # Edit: the editor takes focus; saving puts focus on the edited comment.
    expect(comment.get_by_role("link", name="Edit")).to_be_visible()
    _settled(page)
    _tab_to(page, "#comment-thread .comment a.button")
    page.keyboard.press("Enter")
    editor = comment.get_by_label("Edit your comment")
    expect(editor).to_be_focused()
    # The editor is focused as it is swapped in, before htmx has wired up its form.
    _settled(page)
    page.keyboard.press("End")
    page.keyboard.type(" Edited too.")
    page.keyboard.press("Tab")
    expect(comment.get_by_role("button", name="Save changes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(comment.locator(".comment-body")).to_have_text("Typed without a mouse. Edited too.")
    _settled(page)
    comment_id = comment.get_attribute("id")
    assert _focused(page, "id") == comment_id, "focus left the comment that was just saved"

    # Delete: the comment is gone, focus lands on the thread's count.
    count = page.locator("#comment-thread .comment-count")
    expect(count).to_have_text("1 comment")
    page.once("dialog", lambda dialog: dialog.accept())
    _tab_to(page, f"#{comment_id} button")
    expect(page.locator(f"#{comment_id}").get_by_role("button", name="Delete")).to_be_focused()
    page.keyboard.press("Enter")
    expect(count).to_have_text("0 comments")
    expect(count).to_be_focused()
    assert page.evaluate("window.modelAtlasTestDocument") == "model page"
