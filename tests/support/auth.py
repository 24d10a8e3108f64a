"""Signing people up and in through the real forms, for tests of any area.

Everything goes through the pages a browser uses (GET the form, POST it with
the CSRF token from the page), so a test that signs in also exercises the
sign-in path. Typical use with the `client` fixture:

    token = sign_up(client)                      # new account, signed in
    client.post(url, data={"csrf_token": token, ...})
    client.post(url, data={...}, headers=htmx_headers(token))

For a second person on the same app, `other_client(client)` gives a client with
its own cookie jar. `make_admin(client, email)` promotes an account.
"""

import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.models.accounts import User

PASSWORD = "correct horse battery staple"
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')


@dataclass(frozen=True)
class SignedInUser:
    """Who a test signed in as, and the CSRF token of that session."""

    email: str
    display_name: str
    password: str
    csrf_token: str


def unique_email(prefix: str = "user") -> str:
    """An address no other test uses (tests share one database per run)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def form_token(html: str) -> str:
    """The CSRF token written into the first form of a page."""
    match = FORM_TOKEN.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def session_token(client: TestClient) -> str:
    """The signed-in session's CSRF token, as htmx gets it (the account menu's hx-headers)."""
    menu = client.get("/account/menu")
    match = HEADER_TOKEN.search(menu.text)
    assert match, f"not signed in: {menu.text[:200]}"
    return match.group(1)


def htmx_headers(csrf_token: str | None = None) -> dict[str, str]:
    """Headers of an htmx request (with the token htmx would send from hx-headers)."""
    headers = {"HX-Request": "true"}
    if csrf_token:
        headers["X-CSRF-Token"] = csrf_token
    return headers


def sign_up(
    client: TestClient,
    *,
    email: str | None = None,
    display_name: str = "Test Person",
    password: str = PASSWORD,
) -> str:
    """Create an account through /signup (which signs it in); return the session's token."""
    page = client.get("/signup")
    response = client.post(
        "/signup",
        data={
            "csrf_token": form_token(page.text),
            "email": email or unique_email(),
            "display_name": display_name,
            "password": password,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return session_token(client)


def sign_in(client: TestClient, *, email: str, password: str = PASSWORD) -> str:
    """Sign in through /login (again, if already signed in); return the new session's token."""
    page = client.get("/login", follow_redirects=False)
    token = form_token(page.text) if page.status_code == 200 else session_token(client)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return session_token(client)


def sign_out(client: TestClient, csrf_token: str) -> None:
    """Sign out through the header's form."""
    response = client.post("/logout", data={"csrf_token": csrf_token}, follow_redirects=False)
    assert response.status_code == 303


def other_client(client: TestClient) -> TestClient:
    """A second browser on the same app: same database, its own cookies."""
    return TestClient(client.app, raise_server_exceptions=False)


def make_admin(client: TestClient, email: str) -> None:
    """Give an existing account administrator rights."""
    with client.app.state.session_factory() as session:
        session.execute(update(User).where(User.email == email).values(is_admin=True))
        session.commit()


@pytest.fixture
def signed_in(client: TestClient) -> SignedInUser:
    """`client` signed in as a new account (import this fixture into the test module)."""
    email = unique_email()
    token = sign_up(client, email=email)
    return SignedInUser(
        email=email, display_name="Test Person", password=PASSWORD, csrf_token=token
    )
