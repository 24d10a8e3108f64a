"""Every write is committed before its response starts, on every unsafe route.

The routes are taken from the app's route table, as the CSRF tests do: a new
unsafe route fails here until it has a recipe below (a request that makes it
write). The order is read at the ASGI boundary: the app's `send` records when
`http.response.start` leaves, and the engine records each COMMIT, on a real
database (no rolled-back test transaction, so commits are real).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event, select, update

from app.config import Settings
from app.main import create_app
from app.models import Comment, SavedWorkload, User, Webhook
from app.web.routes.unit_of_work import UnitOfWorkRoute
from tests.support.auth import PASSWORD, form_token, sign_up, unique_email
from tests.support.metrics_refresh import MODEL_PAGE, SeededDatabase, seeded_database

SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}
HEADER_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')


@dataclass
class Recorder:
    """What happened, in order: "COMMIT" and "response.start"."""

    events: list[str] = field(default_factory=list)

    def wrap(self, app: FastAPI) -> Callable:
        async def recording_app(scope, receive, send) -> None:
            async def recording_send(message) -> None:
                if message["type"] == "http.response.start":
                    self.events.append("response.start")
                await send(message)

            await app(scope, receive, recording_send)

        return recording_app


@dataclass
class Site:
    app: FastAPI
    client: TestClient
    recorder: Recorder
    database: SeededDatabase

    def browser(self) -> TestClient:
        """A new browser (own cookies) on the recorded app."""
        return TestClient(self.client.app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with seeded_database(tmp_path_factory.mktemp("commit-order"), "commit_order") as database:
        app = create_app(Settings(environment="test", database_url=database.url, page_cache=False))
        recorder = Recorder()
        event.listen(app.state.engine, "commit", lambda _conn: recorder.events.append("COMMIT"))
        with TestClient(recorder.wrap(app), raise_server_exceptions=False) as client:
            yield Site(app=app, client=client, recorder=recorder, database=database)


def _token(browser: TestClient) -> str:
    return HEADER_TOKEN.search(browser.get("/account/menu").text).group(1)


def _signed_in(site: Site, *, admin: bool = False) -> tuple[TestClient, str, str]:
    browser = site.browser()
    email = unique_email()
    sign_up(browser, email=email)
    if admin:
        with site.database.factory() as session:
            session.execute(update(User).where(User.email == email).values(is_admin=True))
            session.commit()
    return browser, _token(browser), email


def _comment(site: Site, browser: TestClient, token: str) -> int:
    browser.post(
        f"{MODEL_PAGE}/comments",
        data={"csrf_token": token, "body": "A comment to act on."},
        follow_redirects=False,
    )
    with site.database.factory() as session:
        return session.scalars(select(Comment.id).order_by(Comment.id.desc())).first()


Request = Callable[[], Response]


def _post(browser: TestClient, path: str, token: str, **fields: str) -> Request:
    """The request to check, made later: a recipe's preparations are not recorded."""
    return lambda: browser.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


def signup(site: Site) -> Request:
    browser = site.browser()
    token = form_token(browser.get("/signup").text)
    return _post(
        browser,
        "/signup",
        token,
        email=unique_email(),
        display_name="Order Tester",
        password=PASSWORD,
    )


def login(site: Site) -> Request:
    _, _, email = _signed_in(site)
    browser = site.browser()
    token = form_token(browser.get("/login").text)
    return _post(browser, "/login", token, email=email, password=PASSWORD)


def logout(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, "/logout", token)


def change_password(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(
        browser,
        "/account/password",
        token,
        current_password=PASSWORD,
        new_password="a different passphrase entirely",
    )


def delete_account(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, "/account/delete", token, password=PASSWORD)


def rate(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, f"{MODEL_PAGE}/rating", token, stars="4")


def comment(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, f"{MODEL_PAGE}/comments", token, body="Committed before the answer.")


def edit(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    comment_id = _comment(site, browser, token)
    return _post(browser, f"/comments/{comment_id}/edit", token, body="Edited, then answered.")


def delete_comment(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    comment_id = _comment(site, browser, token)
    return _post(browser, f"/comments/{comment_id}/delete", token)


def hide(site: Site) -> Request:
    browser, token, _ = _signed_in(site, admin=True)
    comment_id = _comment(site, browser, token)
    return _post(browser, f"/comments/{comment_id}/hide", token)


def unhide(site: Site) -> Request:
    browser, token, _ = _signed_in(site, admin=True)
    comment_id = _comment(site, browser, token)
    _post(browser, f"/comments/{comment_id}/hide", token)()
    return _post(browser, f"/comments/{comment_id}/unhide", token)


def replay(site: Site) -> Request:
    """Reads only, but its transaction still ends (commits) before the answer starts."""
    browser = site.browser()
    token = form_token(browser.get("/replay").text)
    usage = "date,model,input_tokens,output_tokens\n2026-11-30,mistral/mistral-small-2603,10,1\n"
    return _post(browser, "/replay", token, usage=usage)


WORKLOAD = {"requests_per_day": "100", "input_tokens": "1000", "output_tokens": "100"}


def save_workload(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, "/workloads", token, name="Committed first", **WORKLOAD)


def _saved_workload(site: Site, browser: TestClient, token: str) -> int:
    _post(browser, "/workloads", token, name="To act on", **WORKLOAD)()
    with site.database.factory() as session:
        return session.scalars(select(SavedWorkload.id).order_by(SavedWorkload.id.desc())).first()


def rename_workload(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    workload_id = _saved_workload(site, browser, token)
    return _post(browser, f"/workloads/{workload_id}/rename", token, name="Renamed first")


def delete_workload(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    workload_id = _saved_workload(site, browser, token)
    return _post(browser, f"/workloads/{workload_id}/delete", token)


def watch(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, f"{MODEL_PAGE}/watch", token, watch="1")


def new_feed(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, "/account/watches/feed", token)


def revoke_feed(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    _post(browser, "/account/watches/feed", token)()
    return _post(browser, "/account/watches/feed/revoke", token)


# A public address written as such: adding a webhook needs no name lookup then.
WEBHOOK_URL = "https://93.184.215.14/model-atlas"


def add_webhook(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    return _post(browser, "/account/watches/webhooks", token, url=WEBHOOK_URL)


def _webhook(site: Site, browser: TestClient, token: str) -> int:
    _post(browser, "/account/watches/webhooks", token, url=WEBHOOK_URL)()
    with site.database.factory() as session:
        return session.scalars(select(Webhook.id).order_by(Webhook.id.desc())).first()


def remove_webhook(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    webhook_id = _webhook(site, browser, token)
    return _post(browser, f"/account/watches/webhooks/{webhook_id}/delete", token)


def enable_webhook(site: Site) -> Request:
    browser, token, _ = _signed_in(site)
    webhook_id = _webhook(site, browser, token)
    return _post(browser, f"/account/watches/webhooks/{webhook_id}/enable", token)


# Route name -> preparations, then the request that makes the route write.
RECIPES: dict[str, Callable[[Site], Request]] = {
    "auth.signup_submit": signup,
    "auth.login_submit": login,
    "auth.logout": logout,
    "account.change_password": change_password,
    "account.delete": delete_account,
    "community.rate": rate,
    "community.comment": comment,
    "community.edit": edit,
    "community.delete": delete_comment,
    "community.hide": hide,
    "community.unhide": unhide,
    "replay.submit": replay,
    "workloads.save": save_workload,
    "workloads.rename": rename_workload,
    "workloads.delete": delete_workload,
    "watches.toggle": watch,
    "watches.new_feed": new_feed,
    "watches.revoke_feed": revoke_feed,
    "watches.add_webhook": add_webhook,
    "watches.remove_webhook": remove_webhook,
    "watches.enable_webhook": enable_webhook,
}


def _unsafe_route_names() -> list[str]:
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    return sorted(
        context.original_route.name
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.original_route.methods - SAFE
    )


def test_every_route_commits_in_its_own_thread_and_checks_csrf() -> None:
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    plain = [
        context.original_route.path
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and not isinstance(context.original_route, UnitOfWorkRoute)
    ]
    assert plain == [], "make these routes with app.web.routes.unit_of_work.area_router"


def test_every_unsafe_route_has_a_recipe() -> None:
    assert set(_unsafe_route_names()) == set(RECIPES)


@pytest.mark.parametrize("name", _unsafe_route_names())
def test_the_commit_comes_before_the_response_starts(site: Site, name: str) -> None:
    request = RECIPES[name](site)
    site.recorder.events.clear()

    response = request()

    assert response.status_code in (200, 303), response.text[:300]
    events = site.recorder.events
    assert "COMMIT" in events, f"{name} wrote nothing: the recipe does not exercise it"
    last_commit = max(i for i, seen in enumerate(events) if seen == "COMMIT")
    assert events.index("response.start") > last_commit, (
        f"{name}: the response started before its commit: {events}"
    )
