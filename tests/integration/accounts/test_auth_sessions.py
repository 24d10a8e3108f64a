"""Server-side sessions: cookies and their flags, expiry, revocation, and the user dependencies."""

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.main import create_app
from app.models.accounts import User, UserSession
from app.services.accounts import sessions
from app.web.routes.auth import AdminUserDep, CurrentUserDep, RequiredUserDep
from tests.support.auth import (
    form_token,
    htmx_headers,
    make_admin,
    sign_out,
    sign_up,
    unique_email,
)

POLICY = sessions.SessionPolicy(idle=timedelta(hours=2), absolute=timedelta(hours=24))


def _set_cookies(response) -> dict[str, SimpleCookie]:
    """Each Set-Cookie header of a response, parsed, by cookie name."""
    parsed = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            parsed[name] = cookie
    return parsed


def _signup_response(client: TestClient, email: str):
    token = form_token(client.get("/signup").text)
    return client.post(
        "/signup",
        data={
            "csrf_token": token,
            "email": email,
            "display_name": "Cookie Tester",
            "password": "correct horse battery staple",
        },
        follow_redirects=False,
    )


def _session_rows(factory: sessionmaker[Session], email: str) -> list[UserSession]:
    with factory() as session:
        return list(
            session.scalars(select(UserSession).join(UserSession.user).where(User.email == email))
        )


def test_the_cookie_before_sign_in_differs_from_the_one_after(client: TestClient) -> None:
    client.get("/signup")
    before = dict(client.cookies)

    response = _signup_response(client, unique_email())

    after = dict(client.cookies)
    assert "modelatlas_session" not in before
    assert set(before) == {"modelatlas_csrf"}
    session_cookie = after["modelatlas_session"]
    assert session_cookie not in before.values()
    assert len(session_cookie) >= 22  # 128 bits in URL-safe base64
    assert "modelatlas_session" in _set_cookies(response)


def test_session_cookie_flags_over_http(client: TestClient) -> None:
    client.get("/signup")
    response = _signup_response(client, unique_email())

    morsel = _set_cookies(response)["modelatlas_session"]["modelatlas_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == str(720 * 3600)
    assert not morsel["secure"]
    assert not morsel["domain"]


def test_anonymous_csrf_cookie_flags(client: TestClient) -> None:
    response = client.get("/login")

    morsel = _set_cookies(response)["modelatlas_csrf"]["modelatlas_csrf"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert response.headers["cache-control"] == "private, no-store"


@pytest.fixture
def https_client(client: TestClient) -> Iterator[TestClient]:
    with TestClient(client.app, base_url="https://testserver") as secure:
        yield secure


def test_over_https_cookies_are_secure_and_host_prefixed(https_client: TestClient) -> None:
    https_client.get("/signup")
    response = _signup_response(https_client, unique_email())

    cookies = _set_cookies(response)
    assert set(cookies) == {"__Host-modelatlas_session", "__Host-modelatlas_welcome"}
    for name in cookies:
        morsel = cookies[name][name]
        assert morsel["secure"] is True
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["path"] == "/"
        assert not morsel["domain"]
    assert "__Host-modelatlas_csrf" in https_client.cookies
    assert "Cookie Tester" in https_client.get("/account/menu").text


def test_over_https_a_cookie_without_the_prefix_is_ignored(
    client: TestClient, https_client: TestClient
) -> None:
    sign_up(client)
    plain_cookie = client.cookies["modelatlas_session"]
    https_client.cookies.set("modelatlas_session", plain_cookie)

    assert "Sign in" in https_client.get("/account/menu").text


def test_a_cookie_replayed_after_sign_out_is_anonymous(client: TestClient) -> None:
    token = sign_up(client)
    stolen = client.cookies["modelatlas_session"]

    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)

    expired = _set_cookies(response)["modelatlas_session"]["modelatlas_session"]
    assert expired.value == ""
    assert expired["max-age"] == "0"
    replay = TestClient(client.app, cookies={"modelatlas_session": stolen})
    assert "Sign in" in replay.get("/account/menu").text
    assert replay.get("/account", follow_redirects=False).status_code == 303


def test_the_database_keeps_only_a_digest_of_the_cookie(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    sign_up(client, email=email)
    cookie = client.cookies["modelatlas_session"]

    (row,) = _session_rows(catalog_factory, email)

    assert row.token_hash == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in (row.token_hash, row.csrf_token)
    assert len(row.csrf_token) == 64


def test_an_idle_session_ends(client: TestClient, catalog_factory: sessionmaker[Session]) -> None:
    email = unique_email()
    sign_up(client, email=email)
    with catalog_factory() as session:
        session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=169)))
        session.commit()

    menu = client.get("/account/menu")

    assert "Sign in" in menu.text
    assert _set_cookies(menu)["modelatlas_session"]["modelatlas_session"]["max-age"] == "0"
    assert _session_rows(catalog_factory, email) == []


def test_a_session_ends_at_its_absolute_expiry_even_when_active(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    sign_up(client, email=email)
    with catalog_factory() as session:
        session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()

    assert "Sign in" in client.get("/account/menu").text
    assert _session_rows(catalog_factory, email) == []


def _user(session: Session) -> User:
    user = User(email=unique_email(), display_name="S", password_hash="x")
    session.add(user)
    session.flush()
    return user


def test_load_session_applies_idle_and_absolute_limits(session: Session) -> None:
    start = utcnow()
    issued = sessions.create_session(session=session, user=_user(session), policy=POLICY, now=start)

    def alive_at(moment) -> bool:
        return (
            sessions.load_session(session=session, token=issued.token, policy=POLICY, now=moment)
            is not None
        )

    assert issued.row.expires_at == start + POLICY.absolute
    assert alive_at(start + timedelta(hours=1, minutes=59))
    assert alive_at(start + timedelta(hours=3, minutes=58))  # touched at 1:59, so still fresh
    assert not alive_at(start + timedelta(hours=6))  # idle since 3:58
    session.flush()
    assert session.get(UserSession, issued.row.token_hash) is None


def test_a_new_sign_in_clears_ended_sessions_and_keeps_live_ones(session: Session) -> None:
    start = utcnow()
    user = _user(session)
    idle = sessions.create_session(session=session, user=user, policy=POLICY, now=start)
    live = sessions.create_session(session=session, user=user, policy=POLICY, now=start)
    just_before_idle = start + POLICY.idle - timedelta(minutes=1)
    assert sessions.load_session(
        session=session, token=live.token, policy=POLICY, now=just_before_idle
    )
    session.flush()

    sessions.create_session(
        session=session, user=_user(session), policy=POLICY, now=start + POLICY.idle
    )

    assert session.get(UserSession, idle.row.token_hash) is None
    assert session.get(UserSession, live.row.token_hash) is not None


def test_load_session_touches_at_most_once_a_minute(session: Session) -> None:
    start = utcnow()
    issued = sessions.create_session(session=session, user=_user(session), policy=POLICY, now=start)

    sessions.load_session(session=session, token=issued.token, policy=POLICY, now=start)
    assert issued.row.last_seen_at == start
    sessions.load_session(
        session=session, token=issued.token, policy=POLICY, now=start + timedelta(seconds=59)
    )
    assert issued.row.last_seen_at == start
    later = start + timedelta(minutes=5)
    sessions.load_session(session=session, token=issued.token, policy=POLICY, now=later)
    assert issued.row.last_seen_at == later


def test_absolute_expiry_is_not_extended_by_activity(session: Session) -> None:
    start = utcnow()
    issued = sessions.create_session(session=session, user=_user(session), policy=POLICY, now=start)

    for hour in range(1, 24):
        moment = start + timedelta(hours=hour)
        assert sessions.load_session(session=session, token=issued.token, policy=POLICY, now=moment)
    at_expiry = start + POLICY.absolute
    assert not sessions.load_session(
        session=session, token=issued.token, policy=POLICY, now=at_expiry
    )


def test_tokens_are_unique_and_long(session: Session) -> None:
    user = _user(session)
    tokens = {
        sessions.create_session(session=session, user=user, policy=POLICY).token for _ in range(20)
    }

    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes


def test_current_user_costs_one_query_and_none_without_a_cookie(
    client: TestClient, count_queries
) -> None:
    anonymous = TestClient(client.app)
    count_queries.statements.clear()
    anonymous.get("/account/menu")
    assert count_queries.statements == []

    sign_up(client)
    count_queries.statements.clear()
    client.get("/account/menu")
    selects = [s for s in count_queries.statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(selects) == 1, selects
    assert "user_sessions" in selects[0] and "users" in selects[0]


@pytest.fixture
def guarded_app(settings: Settings, catalog_factory: sessionmaker[Session]) -> FastAPI:
    """The real app plus routes that exist only to exercise the user dependencies."""
    app = create_app(settings)
    app.state.session_factory = catalog_factory
    app.state.writes = []

    @app.get("/test/whoami")
    def whoami(user: CurrentUserDep) -> dict:
        return {"user": user.email if user else None}

    @app.post("/test/write")
    def write(user: RequiredUserDep) -> dict:
        app.state.writes.append(user.email)
        return {"ok": True}

    @app.get("/test/admin")
    def admin_only(user: AdminUserDep) -> dict:
        return {"admin": user.email}

    return app


@pytest.fixture
def guarded(guarded_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(guarded_app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_current_user_is_none_or_the_user(guarded: TestClient) -> None:
    assert guarded.get("/test/whoami").json() == {"user": None}
    email = unique_email()
    sign_up(guarded, email=email)
    assert guarded.get("/test/whoami").json() == {"user": email}


def test_anonymous_post_goes_to_sign_in_back_to_the_referring_page(guarded: TestClient) -> None:
    token = form_token(guarded.get("/login").text)

    response = guarded.post(
        "/test/write",
        data={"csrf_token": token},
        headers={"Referer": "http://testserver/models/mistral/mistral-small-2603?tab=x"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert (
        response.headers["location"] == "/login?next=/models/mistral/mistral-small-2603%3Ftab%3Dx"
    )
    assert guarded.app.state.writes == []


def test_a_foreign_referer_is_not_a_return_address(guarded: TestClient) -> None:
    token = form_token(guarded.get("/login").text)

    response = guarded.post(
        "/test/write",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/models"},
        follow_redirects=False,
    )

    assert response.headers["location"] == "/login"


def test_anonymous_htmx_post_gets_401_with_a_sign_in_link(guarded: TestClient) -> None:
    token = form_token(guarded.get("/login").text)

    response = guarded.post(
        "/test/write",
        headers={
            **htmx_headers(token),
            "HX-Current-URL": "http://testserver/models/mistral/mistral-small-2603",
        },
    )

    assert response.status_code == 401
    assert "Sign in to do that." in response.text
    assert 'href="/login?next=/models/mistral/mistral-small-2603"' in response.text
    assert "<html" not in response.text
    assert response.headers["HX-Retarget"] == "#flash"
    assert guarded.app.state.writes == []


def test_a_page_that_needs_a_user_returns_to_itself(guarded: TestClient) -> None:
    response = guarded.get("/account?done=x", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account%3Fdone%3Dx"


def test_signed_in_post_reaches_the_route(guarded: TestClient) -> None:
    email = unique_email()
    token = sign_up(guarded, email=email)

    response = guarded.post("/test/write", headers=htmx_headers(token))

    assert response.status_code == 200
    assert guarded.app.state.writes == [email]


def test_admin_routes_refuse_other_users_and_send_anonymous_to_sign_in(
    guarded: TestClient,
) -> None:
    assert guarded.get("/test/admin", follow_redirects=False).status_code == 303
    email = unique_email()
    sign_up(guarded, email=email)
    refused = guarded.get("/test/admin")
    assert refused.status_code == 403
    assert "Only administrators" in refused.text

    make_admin(guarded, email)

    assert guarded.get("/test/admin").json() == {"admin": email}


def test_sign_out_then_the_old_csrf_token_is_useless(guarded: TestClient) -> None:
    token = sign_up(guarded)
    sign_out(guarded, token)

    response = guarded.post("/test/write", headers=htmx_headers(token))

    assert response.status_code == 403
