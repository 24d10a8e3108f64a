"""Rate limits: failed sign-ins per account and per IP, sign-ups per IP, per-user rules.

The same checks run against Redis (the production storage) at 127.0.0.1:6379.
Without a Redis server those tests are skipped locally and fail in CI (where
`CI` is set), which must run them.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from limits.errors import ConfigurationError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.web.middleware import rate_limit
from app.web.routes.auth import RequiredUserDep
from tests.support.auth import (
    PASSWORD,
    form_token,
    htmx_headers,
    session_token,
    sign_out,
    sign_up,
    unique_email,
)

REDIS_URL = "redis://127.0.0.1:6379"


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture(params=["memory://", REDIS_URL], ids=["memory", "redis"])
def storage_url(request: pytest.FixtureRequest) -> str:
    if request.param == REDIS_URL and not _redis_available():
        reason = "no Redis at 127.0.0.1:6379"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the Redis rate-limit tests")
        pytest.skip(reason)
    return request.param


def _app(settings: Settings, factory: sessionmaker[Session], **overrides: str) -> FastAPI:
    app = create_app(settings.model_copy(update=overrides))
    app.state.session_factory = factory

    @app.post("/test/comment")
    def comment(request: Request, user: RequiredUserDep) -> dict:
        rate_limit.enforce(request, "comments_per_user", str(user.id))
        return {"ok": True}

    return app


@pytest.fixture
def client_ip() -> str:
    """An address of this test's own, so runs sharing one Redis never share a counter."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def limited(
    settings: Settings, catalog_factory: sessionmaker[Session], storage_url: str, client_ip: str
) -> Iterator[TestClient]:
    """A client from `client_ip` whose app counts in `storage_url`."""
    app = _app(settings, catalog_factory, rate_limit_storage_url=storage_url)
    with TestClient(app, raise_server_exceptions=False, client=(client_ip, 50000)) as test_client:
        yield test_client
    for rule in ("login_failures_per_ip", "signups_per_ip"):
        app.state.rate_limiter.clear(rule, client_ip)


def _login(client: TestClient, email: str, password: str):
    token = form_token(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )


def _account(client: TestClient) -> str:
    email = unique_email()
    sign_out(client, sign_up(client, email=email))
    return email


def test_the_eleventh_failed_sign_in_for_an_account_gets_429(limited: TestClient) -> None:
    email = _account(limited)

    statuses = [_login(limited, email, f"wrong {attempt}").status_code for attempt in range(10)]
    eleventh = _login(limited, email, "wrong again")

    assert statuses == [400] * 10
    assert eleventh.status_code == 429
    assert 1 <= int(eleventh.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins for this account." in eleventh.text
    assert "Please try again in 15 minutes." in eleventh.text
    assert 'name="email"' in eleventh.text  # shown in the sign-in page itself


def test_once_limited_even_the_right_password_waits(limited: TestClient) -> None:
    email = _account(limited)
    for attempt in range(10):
        _login(limited, email, f"wrong {attempt}")

    response = _login(limited, email, PASSWORD)

    assert response.status_code == 429
    assert "modelatlas_session" not in limited.cookies


def test_failures_are_counted_per_ip_across_accounts(limited: TestClient) -> None:
    for attempt in range(10):
        assert _login(limited, unique_email(), f"guess {attempt}").status_code == 400

    response = _login(limited, unique_email(), "one more guess")

    assert response.status_code == 429
    assert "Too many failed sign-ins from your network." in response.text


def test_a_successful_sign_in_clears_the_accounts_failures(
    limited: TestClient, client_ip: str
) -> None:
    email = _account(limited)
    for attempt in range(9):
        _login(limited, email, f"wrong {attempt}")
    assert _login(limited, email, PASSWORD).status_code == 303
    sign_out(limited, session_token(limited))
    limited.app.state.rate_limiter.clear("login_failures_per_ip", client_ip)

    statuses = [_login(limited, email, f"again {attempt}").status_code for attempt in range(10)]

    assert statuses == [400] * 10


def test_signups_per_ip_are_limited(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    app = _app(settings, catalog_factory, rate_limit_signups_per_ip="2/hour")
    client = TestClient(app, raise_server_exceptions=False)
    sign_out(client, sign_up(client))
    sign_out(client, sign_up(client))
    token = form_token(client.get("/signup").text)

    response = client.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": unique_email(),
            "display_name": "Third",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 429
    assert "Too many accounts were created from your network." in response.text
    assert int(response.headers["Retry-After"]) > 0


def test_enforce_limits_a_users_comments_with_a_page_or_a_fragment(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    app = _app(settings, catalog_factory, rate_limit_comments_per_user="2/minute")
    client = TestClient(app, raise_server_exceptions=False)
    token = sign_up(client)

    first = client.post("/test/comment", data={"csrf_token": token})
    second = client.post("/test/comment", headers=htmx_headers(token))
    third_plain = client.post("/test/comment", data={"csrf_token": token})
    third_htmx = client.post("/test/comment", headers=htmx_headers(token))

    assert (first.status_code, second.status_code) == (200, 200)
    assert third_plain.status_code == 429
    assert "You are commenting faster than this site allows." in third_plain.text
    assert "<html" in third_plain.text
    assert 1 <= int(third_plain.headers["Retry-After"]) <= 60
    assert third_htmx.status_code == 429
    assert "<html" not in third_htmx.text
    assert third_htmx.headers["HX-Retarget"] == "#flash"
    assert "Retry-After" in third_htmx.headers


def test_each_user_has_their_own_allowance(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> None:
    app = _app(settings, catalog_factory, rate_limit_comments_per_user="1/minute")
    ann, bob = TestClient(app), TestClient(app)
    ann_token, bob_token = sign_up(ann), sign_up(bob)

    assert ann.post("/test/comment", headers=htmx_headers(ann_token)).status_code == 200
    assert ann.post("/test/comment", headers=htmx_headers(ann_token)).status_code == 429
    assert bob.post("/test/comment", headers=htmx_headers(bob_token)).status_code == 200


def test_several_limits_in_one_setting_all_apply(settings: Settings) -> None:
    limiter = rate_limit.make_rate_limiter(
        settings.model_copy(update={"rate_limit_ratings_per_user": "5/minute;2/second"})
    )
    key = uuid.uuid4().hex

    results = [limiter.hit("ratings_per_user", key) for _ in range(3)]

    assert results[:2] == [None, None]
    assert results[2] is not None and 1 <= results[2] <= 1


def test_a_malformed_limit_stops_the_app_at_start(settings: Settings) -> None:
    with pytest.raises(ValueError, match="couldn't parse"):
        create_app(settings.model_copy(update={"rate_limit_ratings_per_user": "lots"}))


def test_an_unknown_storage_stops_the_app_at_start(settings: Settings) -> None:
    with pytest.raises(ConfigurationError):
        create_app(settings.model_copy(update={"rate_limit_storage_url": "carrier-pigeon://x"}))
