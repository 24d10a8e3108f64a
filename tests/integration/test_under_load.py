"""The write path under concurrency, over real HTTP to a real uvicorn server.

- A sign-in's 303 leaves only once its session row is committed: the page the
  browser asks for next always finds it.
- A mix of page views and signed-in writes from many connections at once gets
  no 5xx and loses no acknowledged write, with few turns at the database.
- Parallel wrong passwords cannot pass the failed-sign-in limit, and no more
  hashes run at once than the setting allows.
"""

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.config import Settings
from app.main import create_app
from app.models import Comment, Rating, User
from app.services.accounts import passwords
from tests.support.auth import PASSWORD, form_token, unique_email
from tests.support.live_server import live_server
from tests.support.metrics_refresh import MODEL_PAGE, SeededDatabase, seeded_database

HEADER_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')
CLIENT_TIMEOUT = httpx.Timeout(30.0)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "under_load") as seeded:
        yield seeded


def _app(database: SeededDatabase, **overrides: object) -> FastAPI:
    return create_app(
        Settings(environment="test", database_url=database.url, page_cache=False, **overrides)
    )


def _browser(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=CLIENT_TIMEOUT, follow_redirects=False)


def _sign_up(browser: httpx.Client, email: str) -> str:
    token = form_token(browser.get("/signup").text)
    response = browser.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": email,
            "display_name": "Load Tester",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 303, response.text[:300]
    return HEADER_TOKEN.search(browser.get("/account/menu").text).group(1)


def test_the_page_after_a_sign_in_always_finds_the_session(database: SeededDatabase) -> None:
    email = unique_email("signin")
    with live_server(_app(database)) as base_url:
        with _browser(base_url) as first:
            _sign_up(first, email)

        def sign_in_then_look() -> bool:
            with _browser(base_url) as browser:
                token = form_token(browser.get("/login").text)
                signed_in = browser.post(
                    "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
                )
                assert signed_in.status_code == 303, signed_in.text[:300]
                menu = browser.get("/account/menu")
                return HEADER_TOKEN.search(menu.text) is not None

        with ThreadPoolExecutor(max_workers=4) as pool:
            found = list(pool.map(lambda _: sign_in_then_look(), range(100)))

    assert found.count(False) == 0, f"{found.count(False)} of 100 sign-ins were lost"


@dataclass
class Acknowledged:
    """What the server said it saved."""

    last_stars: dict[str, int]
    comments: int
    statuses: list[int]


def test_a_mix_of_views_and_writes_gets_no_5xx_and_loses_no_write(
    database: SeededDatabase,
) -> None:
    app = _app(database, database_max_concurrency=2, database_queue_timeout_seconds=20)
    lock = threading.Lock()
    seen = Acknowledged(last_stars={}, comments=0, statuses=[])

    with live_server(app) as base_url:

        def person(index: int) -> None:
            with _browser(base_url) as browser:
                email = unique_email(f"mix{index}")
                token = _sign_up(browser, email)
                for step in range(12):
                    if step % 10 < 7:
                        response = browser.get(MODEL_PAGE)
                        with lock:
                            seen.statuses.append(response.status_code)
                        continue
                    if step % 2:
                        stars = 1 + (index + step) % 5
                        response = browser.post(
                            f"{MODEL_PAGE}/rating", data={"csrf_token": token, "stars": stars}
                        )
                    else:
                        response = browser.post(
                            f"{MODEL_PAGE}/comments",
                            data={"csrf_token": token, "body": f"Comment {step} by {index}."},
                        )
                    with lock:
                        seen.statuses.append(response.status_code)
                        if response.status_code == 303 and "rating" in str(response.request.url):
                            seen.last_stars[email] = stars
                        elif response.status_code == 303:
                            seen.comments += 1

        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(person, range(12)))

    assert [status for status in seen.statuses if status >= 500] == []
    assert all(status in (200, 303) for status in seen.statuses), sorted(set(seen.statuses))
    with database.factory() as session:
        ratings = select(User.email, Rating.stars).join(Rating, Rating.user_id == User.id)
        stored = {email: stars for email, stars in session.execute(ratings)}
        comments = session.scalar(select(func.count()).select_from(Comment))
    assert stored == seen.last_stars
    assert comments == seen.comments


@dataclass
class HashWatch:
    """How many password checks ran, and the most that ran at once."""

    checked: int = 0
    running: int = 0
    most_at_once: int = 0


@pytest.fixture
def hash_watch(monkeypatch: pytest.MonkeyPatch) -> HashWatch:
    """Count the real password verifications the app makes (they still run)."""
    watch = HashWatch()
    lock = threading.Lock()
    real_verify = passwords.verify_password

    def counted(password: str, password_hash: str) -> tuple[bool, str | None]:
        with lock:
            watch.checked += 1
            watch.running += 1
            watch.most_at_once = max(watch.most_at_once, watch.running)
        try:
            return real_verify(password, password_hash)
        finally:
            with lock:
                watch.running -= 1

    monkeypatch.setattr(passwords, "verify_password", counted)
    return watch


def _wrong_passwords(base_url: str, emails: list[str]) -> list[int]:
    def attempt(email: str) -> int:
        with _browser(base_url) as browser:
            token = form_token(browser.get("/login").text)
            return browser.post(
                "/login",
                data={"csrf_token": token, "email": email, "password": "not the password"},
            ).status_code

    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        return list(pool.map(attempt, emails))


@pytest.mark.production_password_cost
def test_parallel_wrong_passwords_for_one_account_are_checked_at_most_ten_times(
    database: SeededDatabase, hash_watch: HashWatch
) -> None:
    app = _app(database, password_check_concurrency=2, database_queue_timeout_seconds=20)
    email = unique_email("target")
    with live_server(app) as base_url:
        with _browser(base_url) as owner:
            _sign_up(owner, email)

        statuses = _wrong_passwords(base_url, [email] * 30)

    assert hash_watch.checked <= 10
    assert statuses.count(400) == hash_watch.checked
    assert statuses.count(429) == 30 - hash_watch.checked
    assert hash_watch.most_at_once <= 2


@pytest.mark.production_password_cost
def test_parallel_wrong_passwords_from_one_address_are_checked_at_most_ten_times(
    database: SeededDatabase,
) -> None:
    app = _app(
        database,
        rate_limit_login_failures_per_account="100/15 minutes",
        database_queue_timeout_seconds=20,
    )
    with live_server(app) as base_url:
        statuses = _wrong_passwords(base_url, [unique_email("nobody") for _ in range(40)])

    # Unknown addresses cost a hash too (timing must not tell them apart), not a verification.
    assert statuses.count(400) <= 10
    assert statuses.count(429) >= 30
