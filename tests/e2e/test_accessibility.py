"""axe-core over every kind of page, in the light and the dark colour scheme.

Each page is checked as a visitor's browser shows it: after htmx has loaded the
per-visitor parts (the account menu, the rating and comment forms) and, on
/docs, after Swagger UI has drawn the reference. Running both schemes matters
because colour contrast is computed from the colours actually painted, and dark
mode swaps every colour variable. Only serious and critical findings fail (see
tests/support/axe.py, which also explains how axe runs under the strict CSP).
"""

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import assert_accessible
from tests.support.page_layout import assert_page_reads_well
from tests.support.page_settled import wait_until_settled
from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
OTHER_MODEL = "mistral/mistral-large-2512"
SCHEMES = ("light", "dark")
PASSWORD = "a long and unusual passphrase"


def _catalog_filtered(page: Page) -> None:
    """The catalog after a search and a filter applied through the form (an htmx swap)."""
    page.get_by_label("Search").fill("mistral")
    page.locator("#catalog-author").select_option("mistral")
    expect(page).to_have_url(re.compile(r"[?&]author=mistral(&|$)"))
    expect(page.locator("#catalog-results")).not_to_have_class(re.compile(r"htmx-request"))


def _swagger_drawn(page: Page) -> None:
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()


PUBLIC_PAGES: dict[str, tuple[str, Callable[[Page], None] | None]] = {
    "catalog": ("/", None),
    "catalog searched and filtered": ("/", _catalog_filtered),
    "catalog second page": ("/?page=2", None),
    "catalog with a refused filter": ("/?max_price=cheap&min_context=huge", None),
    "model page": (MODEL_PATH, None),
    "calculator": (f"/calculator?models=mistral/mistral-small-2603,{OTHER_MODEL}", None),
    "compare": (f"/compare?models=mistral/mistral-small-2603,{OTHER_MODEL}", None),
    "sign-in": ("/login", None),
    "sign-up": ("/signup", None),
    "providers": ("/providers", None),
    "provider": ("/providers/mistral", None),
    "provider with a refused page number": ("/providers/mistral?page=first", None),
    "labs": ("/authors", None),
    "lab": ("/authors/mistral", None),
    "status": ("/status", None),
    "status with a refused page number": ("/status?page=first", None),
    "API reference": ("/docs", _swagger_drawn),
    "not found": ("/no-such-page", None),
}


def _open(page: Page, url: str, scheme: str) -> int:
    """Load `url` in `scheme` and wait for htmx's load-time requests to finish."""
    page.emulate_media(color_scheme=scheme)
    response = page.goto(url)
    assert response is not None
    wait_until_settled(page)
    return response.status


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_page_has_no_serious_violation(
    live_server: LiveServer, page: Page, name: str, scheme: str
) -> None:
    path, prepare = PUBLIC_PAGES[name]
    status = _open(page, live_server.url(path), scheme)
    assert status == (404 if name == "not found" else 200), f"{path} answered {status}"
    if prepare is not None:
        prepare(page)
    assert_accessible(page, f"{name} ({path}, {scheme} scheme)")
    assert_page_reads_well(page, f"{name} ({path})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_signed_in_pages_have_no_serious_violation(
    live_server: LiveServer, page: Page, scheme: str
) -> None:
    """The model page with the visitor's forms; then a rating, a comment and its editor.

    The rating and the comment go on another model than the reference one, whose counts
    tests/e2e/test_community.py asserts on the same server.
    """
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url(f"/signup?next={MODEL_PATH}"))
    name = f"Axe {uuid.uuid4().hex[:6]}"
    page.get_by_label("Email").fill(f"{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server.url(MODEL_PATH))
    expect(page.locator("#rating-me form")).to_be_visible()
    wait_until_settled(page)
    assert_accessible(page, f"the model page signed in ({scheme} scheme)")

    _open(page, live_server.url(f"/models/{OTHER_MODEL}"), scheme)
    page.locator("#rating-me").get_by_label("5 stars").check()
    page.locator("#rating-me").get_by_role("button", name="Rate").click()
    expect(page.locator("#rating-me legend")).to_contain_text("Your rating: 5 stars")
    page.get_by_label(f"Your comment as {name}").fill("Checked by *axe*.")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator("#comment-thread .comment").first
    expect(comment.get_by_role("link", name="Edit")).to_be_visible()
    wait_until_settled(page)
    assert_accessible(page, f"a model page with one's rating and comment ({scheme} scheme)")

    comment.get_by_role("link", name="Edit").click()
    expect(comment.get_by_label("Edit your comment")).to_be_visible()
    assert_accessible(page, f"a model page editing a comment ({scheme} scheme)")

    assert _open(page, live_server.url("/account"), scheme) == 200
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert_accessible(page, f"the account page ({scheme} scheme)")


def test_form_errors_have_no_serious_violation(live_server: LiveServer, page: Page) -> None:
    """A refused sign-in shows its alert and marked fields; those must stay accessible too."""
    _open(page, live_server.url("/login"), "light")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "the sign-in page after a refused sign-in")


def test_dark_mode_follows_the_system_setting(live_server: LiveServer, page: Page) -> None:
    """The page declares both schemes and repaints itself when the system prefers dark."""
    colours: dict[str, tuple[str, str]] = {}
    for scheme in SCHEMES:
        _open(page, live_server.url(MODEL_PATH), scheme)
        colours[scheme] = tuple(
            page.evaluate(
                "[getComputedStyle(document.body).backgroundColor,"
                " getComputedStyle(document.body).color]"
            )
        )
    assert page.locator('meta[name="color-scheme"]').get_attribute("content") == "light dark"
    assert colours["light"] == ("rgb(255, 255, 255)", "rgb(26, 29, 35)")
    background, text = colours["dark"]
    assert _luminance(background) < 0.05 < 0.6 < _luminance(text), colours["dark"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_fields_and_focus_ring_stand_out_in_both_schemes(
    live_server: LiveServer, page: Page, scheme: str
) -> None:
    """Non-text contrast (WCAG 1.4.11), which axe does not measure: 3:1 at least.

    A text field is found by its border, drawn on the page and on the filter panel;
    the keyboard focus ring must show on the page and on the panels too.
    """
    _open(page, live_server.url("/"), scheme)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    colours = page.evaluate(
        """() => {
          const style = (selector) => getComputedStyle(document.querySelector(selector));
          return {
            field: style("#catalog-q").borderTopColor,
            focus: getComputedStyle(document.activeElement).outlineColor,
            ring: getComputedStyle(document.activeElement).outlineStyle,
            page: style("body").backgroundColor,
            panel: style(".catalog-filters").backgroundColor,
          };
        }"""
    )
    assert colours["ring"] not in ("none", "hidden"), "the focused link shows no outline"
    for ground in ("page", "panel"):
        for part in ("field", "focus"):
            ratio = _contrast(colours[part], colours[ground])
            assert ratio >= 3, f"{part} on the {ground} in {scheme}: {ratio:.2f}:1 ({colours})"


def _contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(css_rgb: str) -> float:
    """WCAG relative luminance of an `rgb(r, g, b)` colour."""
    channels = [int(part) / 255 for part in css_rgb[css_rgb.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
