"""In a real browser: sign up, sign out, sign in; and no page breaks the Content-Security-Policy.

CSP violations are caught twice: the `securitypolicyviolation` DOM event
(recorded by an init script in every page) and console errors. A control
check injects an inline style to prove the recorder sees violations at all.
"""

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.support.served_app import LiveServer

pytestmark = pytest.mark.e2e

MODEL_PATH = "/models/mistral/mistral-small-2603"
PASSWORD = "a long and unusual passphrase"
HTTP_STATUS_NOTICE = "Failed to load resource: the server responded with a status of"
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


class BrowserProblems:
    """Console errors, uncaught page errors and CSP violations seen while a test runs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        # Chrome reports a 4xx page (a refused form, a 404) as a failed load of the page
        # itself; the tests check those statuses on purpose, so only other errors count.
        page_status = message.text.startswith(HTTP_STATUS_NOTICE) and (
            message.location.get("url") == self.page.url
        )
        if message.type == "error" and not page_status:
            self.console.append(message.text)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.cspViolations || []")

    def assert_none(self, where: str) -> None:
        assert self.csp_violations() == [], f"CSP violations on {where}"
        assert self.console == [], f"console errors on {where}"


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, BrowserProblems]]:
    context: BrowserContext = page.context
    context.add_init_script(RECORD_VIOLATIONS)
    yield page, BrowserProblems(page)


def test_sign_up_sign_out_and_sign_in_again(
    live_server: LiveServer, watched: tuple[Page, BrowserProblems], artifact_path
) -> None:
    page, problems = watched
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    name = f"Browser {uuid.uuid4().hex[:6]}"

    page.goto(live_server.url(MODEL_PATH))
    account_area = page.locator("#account-menu")
    expect(account_area).to_contain_text("Sign in · Sign up")
    account_area.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(live_server.url("/signup"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_contain_text("most common")
    expect(page.get_by_label("Display name")).to_have_value(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(live_server.url("/"))
    expect(page.locator("#account-menu .account-name")).to_have_text(name)
    page.screenshot(path=artifact_path("signed-in-header.png"))

    page.locator("#account-menu").get_by_role("button", name="Sign out").click()
    expect(page.locator("#account-menu")).to_contain_text("Sign in · Sign up")

    page.goto(live_server.url(MODEL_PATH))
    page.locator("#account-menu").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/models/mistral/mistral-small-2603$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The email or password is not right.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(live_server.url(MODEL_PATH))
    expect(page.locator("#account-menu .account-name")).to_have_text(name)
    page.locator("#account-menu").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    page.screenshot(path=artifact_path("account-page.png"), full_page=True)
    problems.assert_none("the sign-up and sign-in flow")


def test_pages_raise_no_csp_violation(
    live_server: LiveServer, watched: tuple[Page, BrowserProblems]
) -> None:
    page, problems = watched

    page.goto(live_server.url("/"))
    page.locator('input[name="q"]').press_sequentially("mistral small 4", delay=30)
    expect(page).to_have_url(re.compile(r"[?&]q=mistral(\+|%20)small(\+|%20)4(&|$)"))
    expect(page.get_by_role("link", name="Mistral Small 4", exact=True)).to_be_visible()
    problems.assert_none("the catalog with an htmx filter")

    page.goto(live_server.url(MODEL_PATH))
    switch = page.locator(".snippet-providers a").first
    other_provider = switch.inner_text()
    switch.click()
    expect(page).to_have_url(re.compile(r"[?&]snippet="))
    expect(page.locator("#quick-start")).to_contain_text(other_provider)
    expect(page.locator("button.copy-button").first).to_be_attached()
    problems.assert_none("the model page with a quick-start provider switch")

    page.goto(live_server.url("/docs"))
    operation = page.locator("#swagger-ui").get_by_text("/api/v1/models", exact=True).first
    expect(operation).to_be_visible()
    operation.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".responses-table .response-col_status").first).to_be_visible()
    title_size = page.locator(".swagger-ui .info .title").evaluate(
        "(element) => getComputedStyle(element).fontSize"
    )
    assert title_size == "36px", "Swagger UI's stylesheet did not apply"
    problems.assert_none("/docs (Swagger UI)")

    for path in ("/login", "/signup", "/providers", "/authors", "/no/such/page"):
        page.goto(live_server.url(path))
        expect(page.locator("#account-menu")).to_be_attached()
        problems.assert_none(path)


def test_the_violation_recorder_catches_a_violation(
    live_server: LiveServer, watched: tuple[Page, BrowserProblems]
) -> None:
    page, problems = watched
    page.goto(live_server.url("/login"))

    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')"""
    )

    page.wait_for_function("window.cspViolations.length > 0")
    assert any(entry.startswith("style-src") for entry in problems.csp_violations())
