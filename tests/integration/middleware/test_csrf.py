"""CSRF: every unsafe route, found from the app's route table, refuses a request without the token.

The table is read at test time, so a route added later (in any router) is
checked without anyone remembering to list it here.
"""

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.convertors import IntegerConvertor

from app.config import Settings
from app.main import create_app
from app.models.accounts import User
from app.web.middleware.csrf import MISSING_OR_WRONG
from tests.support.auth import (
    PASSWORD,
    form_token,
    htmx_headers,
    other_client,
    sign_up,
    unique_email,
)

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
KNOWN_UNSAFE = {
    ("POST", "/signup"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/account/password"),
    ("POST", "/account/delete"),
}


def _unsafe_routes() -> list[tuple[str, str, APIRoute]]:
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted((route.methods or set()) & UNSAFE_METHODS):
            found.append((method, route.path, route))
    return found


def _concrete_path(route: APIRoute) -> str:
    """The route's path with each parameter filled in by a value its convertor accepts."""
    values = {
        name: "1" if isinstance(convertor, IntegerConvertor) else "x"
        for name, convertor in route.param_convertors.items()
    }
    return route.path_format.format(**values)


UNSAFE_ROUTES = _unsafe_routes()
ROUTE_IDS = [f"{method} {path}" for method, path, _ in UNSAFE_ROUTES]


def test_the_route_table_lists_the_known_unsafe_routes() -> None:
    assert {(method, path) for method, path, _ in UNSAFE_ROUTES} >= KNOWN_UNSAFE


def test_no_plain_starlette_route_accepts_unsafe_methods() -> None:
    """Only FastAPI routes get the app-wide CSRF dependency; a bare Route would skip it."""
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    unprotected = [
        route.path
        for route in iter_route_contexts(app.routes)
        if not isinstance(route.original_route, APIRoute)
        and (getattr(route, "methods", None) or set()) & UNSAFE_METHODS
    ]
    assert unprotected == []


@pytest.fixture
def signed_in_client(client: TestClient) -> Iterator[TestClient]:
    sign_up(client)
    yield client


@pytest.mark.parametrize(("method", "path", "route"), UNSAFE_ROUTES, ids=ROUTE_IDS)
def test_every_unsafe_route_refuses_a_signed_in_request_without_the_token(
    signed_in_client: TestClient, method: str, path: str, route: APIRoute
) -> None:
    response = signed_in_client.request(
        method, _concrete_path(route), data={"body": "x", "stars": "4"}, follow_redirects=False
    )

    assert response.status_code == 403
    assert MISSING_OR_WRONG in response.text


@pytest.mark.parametrize(("method", "path", "route"), UNSAFE_ROUTES, ids=ROUTE_IDS)
def test_every_unsafe_route_refuses_an_anonymous_request_without_the_token(
    client: TestClient, method: str, path: str, route: APIRoute
) -> None:
    client.get("/login")  # has the anonymous cookie, but sends no token

    response = client.request(method, _concrete_path(route), follow_redirects=False)

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path", "route"), UNSAFE_ROUTES, ids=ROUTE_IDS)
def test_every_unsafe_route_refuses_a_wrong_token(
    signed_in_client: TestClient, method: str, path: str, route: APIRoute
) -> None:
    response = signed_in_client.request(
        method,
        _concrete_path(route),
        headers=htmx_headers("0" * 64),
        data={"csrf_token": "0" * 64},
        follow_redirects=False,
    )

    assert response.status_code == 403


def test_a_refused_sign_up_writes_nothing(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    client.get("/signup")

    response = client.post(
        "/signup", data={"email": email, "display_name": "No Token", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "Reload the page and try again." in response.text
    with catalog_factory() as session:
        assert session.scalars(select(User).where(User.email == email)).first() is None


def test_another_sessions_token_is_refused(client: TestClient) -> None:
    sign_up(client)
    someone_else = other_client(client)
    their_token = sign_up(someone_else)

    response = client.post("/logout", data={"csrf_token": their_token}, follow_redirects=False)

    assert response.status_code == 403


def test_the_anonymous_token_is_refused_once_signed_in(client: TestClient) -> None:
    anonymous_token = form_token(client.get("/login").text)
    session_token = sign_up(client)
    assert anonymous_token != session_token

    response = client.post("/logout", data={"csrf_token": anonymous_token}, follow_redirects=False)

    assert response.status_code == 403


def test_an_anonymous_token_without_its_cookie_is_refused(client: TestClient) -> None:
    token = form_token(client.get("/login").text)
    client.cookies.clear()

    response = client.post("/login", data={"csrf_token": token, "email": "a@b.c", "password": "x"})

    assert response.status_code == 403


def test_the_token_works_from_the_form_field_and_from_the_header(client: TestClient) -> None:
    token = sign_up(client)
    assert client.post("/logout", headers=htmx_headers(token)).status_code == 200

    token = sign_up(client)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_the_token_is_read_from_a_multipart_form(client: TestClient) -> None:
    token = sign_up(client)

    response = client.post("/logout", files={"csrf_token": (None, token)}, follow_redirects=False)

    assert response.status_code == 303


@pytest.mark.parametrize(
    ("headers", "status_code"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, 303),
        ({"Sec-Fetch-Site": "none"}, 303),
        ({"Origin": "http://testserver"}, 303),
        ({"Origin": "http://testserver:80"}, 303),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "http://testserver.evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Origin": "https://testserver"}, 403),
        ({"Origin": "http://testserver:8080"}, 403),
        ({"Origin": "http://testserver:port"}, 403),
    ],
)
def test_requests_from_other_sites_are_refused_even_with_the_token(
    client: TestClient, headers: dict[str, str], status_code: int
) -> None:
    token = sign_up(client)

    response = client.post(
        "/logout", data={"csrf_token": token}, headers=headers, follow_redirects=False
    )

    assert response.status_code == status_code


@pytest.mark.parametrize(
    ("origin", "status_code"),
    [("https://testserver", 303), ("https://testserver:443", 303), ("http://testserver", 403)],
)
def test_an_https_site_accepts_only_its_own_https_origin(
    client: TestClient, origin: str, status_code: int
) -> None:
    client.base_url = "https://testserver"
    token = sign_up(client)

    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": origin}, follow_redirects=False
    )

    assert response.status_code == status_code


def test_a_cross_site_refusal_says_why(client: TestClient) -> None:
    token = sign_up(client)

    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )

    assert "Requests from other sites are not accepted here." in response.text


def test_an_htmx_refusal_is_a_short_message_for_the_message_region(client: TestClient) -> None:
    sign_up(client)

    response = client.post("/logout", headers=htmx_headers())

    assert response.status_code == 403
    assert MISSING_OR_WRONG in response.text
    assert "<html" not in response.text
    assert response.headers["HX-Retarget"] == "#flash"


def test_safe_methods_need_no_token(client: TestClient) -> None:
    sign_up(client)

    assert client.get("/account").status_code == 200
    assert client.get("/account/menu").status_code == 200
