"""Sign up, sign in, sign out through the real forms; and the open-redirect-safe `next`."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.accounts import User, UserSession
from app.web.routes.auth import safe_next
from tests.support.auth import (
    PASSWORD,
    form_token,
    session_token,
    sign_in,
    sign_out,
    sign_up,
    unique_email,
)


def _signup(client: TestClient, **fields: str):
    token = form_token(client.get("/signup").text)
    return client.post("/signup", data={"csrf_token": token, **fields}, follow_redirects=False)


def _login(client: TestClient, **fields: str):
    token = form_token(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, **fields}, follow_redirects=False)


def _user(factory: sessionmaker[Session], email: str) -> User | None:
    with factory() as session:
        return session.scalars(select(User).where(User.email == email)).first()


def test_sign_up_creates_a_normalised_account_and_signs_it_in(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email("Ann")

    response = _signup(
        client,
        email=f"  {email.upper()} ",
        display_name="  Ann Example  ",
        password=PASSWORD,
        next="/models/mistral/mistral-small-2603",
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/models/mistral/mistral-small-2603"
    user = _user(catalog_factory, email.lower())
    assert user is not None
    assert user.display_name == "Ann Example"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert not user.is_admin
    menu = client.get("/account/menu")
    assert "Ann Example" in menu.text
    assert "Sign out" in menu.text


def test_a_new_account_is_welcomed_once_and_a_returning_one_is_not(client: TestClient) -> None:
    email = unique_email()
    _signup(client, email=email, display_name="Test Person", password=PASSWORD)

    first = BeautifulSoup(client.get("/account/menu").text, "html.parser")
    again = client.get("/account/menu").text
    sign_out(client, session_token(client))
    _login(client, email=email, password=PASSWORD, next="/")
    returning = client.get("/account/menu").text

    welcome = first.select_one('#flash[hx-swap-oob="true"] [role="status"]')
    assert welcome is not None
    assert welcome.get_text(" ", strip=True).startswith("Welcome to Model Atlas, Test Person!")
    assert "Welcome" not in again
    assert "Welcome" not in returning


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "", "display_name": "Ann"}, "email", "Enter your email address."),
        ({"email": "not-an-email", "display_name": "Ann"}, "email", "like name@example.com"),
        ({"email": "a@b", "display_name": "Ann"}, "email", "like name@example.com"),
        ({"email": "a b@example.com", "display_name": "Ann"}, "email", "like name@example.com"),
        ({"display_name": "   "}, "display_name", "Enter the name"),
        ({"display_name": "x" * 81}, "display_name", "at most 80"),
        ({"display_name": "Ann\u202eevil"}, "display_name", "visible characters"),
        ({"display_name": "Ann\x07"}, "display_name", "visible characters"),
        ({"password": "short"}, "password", "at least 8"),
        ({"password": "x" * 129}, "password", "at most 128"),
        ({"password": "password123"}, "password", "most common"),
    ],
)
def test_sign_up_explains_each_refused_field(
    client: TestClient,
    catalog_factory: sessionmaker[Session],
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    email = unique_email()
    submitted = {"email": email, "display_name": "Ann", "password": PASSWORD, **fields}

    response = _signup(client, **submitted)

    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert _user(catalog_factory, email) is None
    assert "modelatlas_session" not in response.cookies


def test_sign_up_refuses_the_email_as_password(client: TestClient) -> None:
    email = unique_email()

    response = _signup(client, email=email, display_name="Ann", password=email.upper())

    assert response.status_code == 422
    assert "must not be your email" in response.text


def test_sign_up_keeps_what_was_typed_except_the_password(client: TestClient) -> None:
    response = _signup(client, email="typo@", display_name="Ann Example", password=PASSWORD)

    assert 'value="typo@"' in response.text
    assert 'value="Ann Example"' in response.text
    assert PASSWORD not in response.text


def test_a_64_character_passphrase_is_accepted(client: TestClient) -> None:
    response = _signup(
        client, email=unique_email(), display_name="Long", password="long passphrase " * 4
    )

    assert response.status_code == 303


def test_duplicate_email_is_refused_with_a_clear_message(client: TestClient) -> None:
    email = unique_email()
    sign_up(client, email=email)
    sign_out(client, session_token(client))

    response = _signup(client, email=email.upper(), display_name="Twin", password=PASSWORD)

    assert response.status_code == 409
    assert "An account with this email already exists" in response.text


def test_sign_in_with_the_right_password_starts_a_session(client: TestClient) -> None:
    email = unique_email()
    sign_up(client, email=email)
    sign_out(client, session_token(client))

    response = _login(client, email=f" {email.upper()} ", password=PASSWORD, next="/providers")

    assert response.status_code == 303
    assert response.headers["location"] == "/providers"
    assert "Test Person" in client.get("/account/menu").text


def test_unknown_email_and_wrong_password_get_the_same_answer(client: TestClient) -> None:
    email = unique_email()
    sign_up(client, email=email)
    sign_out(client, session_token(client))

    wrong_password = _login(client, email=email, password="not the password")
    unknown_email = _login(client, email=unique_email(), password="not the password")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert "The email or password is not right." in wrong_password.text
    strip = lambda html: html.replace(email, "").replace("value=", "")  # noqa: E731
    assert len(strip(wrong_password.text)) - len(strip(unknown_email.text)) in range(-60, 60)
    assert "modelatlas_session" not in client.cookies


def test_unknown_email_costs_one_password_verification_like_a_wrong_password(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.accounts import passwords

    email = unique_email()
    sign_up(client, email=email)
    sign_out(client, session_token(client))
    calls: list[str] = []
    real_verify = passwords._hasher.verify

    def counting_verify(password: str, stored: str) -> bool:
        calls.append(password)
        return real_verify(password, stored)

    monkeypatch.setattr(passwords._hasher, "verify", counting_verify)
    monkeypatch.setattr(
        passwords._hasher,
        "verify_and_update",
        lambda password, stored: (counting_verify(password, stored), None),
    )

    _login(client, email=email, password="wrong password 1")
    _login(client, email=unique_email(), password="wrong password 2")

    assert calls == ["wrong password 1", "wrong password 2"]


def test_sign_out_deletes_the_session_row(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(client, email=email)
    user = _user(catalog_factory, email)
    assert user is not None

    sign_out(client, token)

    with catalog_factory() as session:
        remaining = session.scalars(select(UserSession).where(UserSession.user_id == user.id))
        assert remaining.all() == []
    assert "Sign in" in client.get("/account/menu").text


def test_signed_in_visitors_skip_the_forms(client: TestClient) -> None:
    sign_up(client)

    for path in ("/login?next=/providers", "/signup?next=/providers"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/providers"


def test_forms_carry_next_and_link_to_each_other(client: TestClient) -> None:
    page = client.get("/login?next=/models/mistral/mistral-small-2603")

    assert 'name="next" value="/models/mistral/mistral-small-2603"' in page.text
    assert "/signup?next=/models/mistral/mistral-small-2603" in page.text


def test_anonymous_menu_links_back_to_the_current_page(client: TestClient) -> None:
    menu = client.get(
        "/account/menu",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/providers?page=2"},
    )

    assert 'href="/login?next=/providers%3Fpage%3D2"' in menu.text
    assert "Sign up" in menu.text
    assert "X-CSRF-Token" not in menu.text


def test_menu_ignores_a_foreign_current_url(client: TestClient) -> None:
    menu = client.get(
        "/account/menu", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.test/x"}
    )

    assert 'href="/login"' in menu.text


def test_sign_in_twice_replaces_the_session(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    first_token = sign_up(client, email=email)
    first_cookie = client.cookies["modelatlas_session"]

    second_token = sign_in(client, email=email)

    assert client.cookies["modelatlas_session"] != first_cookie
    assert second_token != first_token
    user = _user(catalog_factory, email)
    with catalog_factory() as session:
        rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 1


@pytest.mark.parametrize(
    "candidate",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\x00evil",
        "/ /evil",
        "/\x85evil",
        "evil.example",
        "",
        "/" + "a" * 2001,
    ],
)
def test_next_refuses_anything_but_a_local_path(candidate: str) -> None:
    assert safe_next(candidate) == "/"


@pytest.mark.parametrize(
    "candidate",
    ["/", "/models/mistral/mistral-small-2603", "/?q=mistral&page=2", "/providers#top"],
)
def test_next_keeps_local_paths(candidate: str) -> None:
    assert safe_next(candidate) == candidate


@pytest.mark.parametrize("evil", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(client: TestClient, evil: str) -> None:
    email = unique_email()
    sign_up(client, email=email)
    sign_out(client, session_token(client))

    response = _login(client, email=email, password=PASSWORD, next=evil)

    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_forms_do_not_echo_a_foreign_next(client: TestClient) -> None:
    page = client.get("/login", params={"next": "https://evil.example/"})

    assert "evil.example" not in page.text


def test_sign_in_with_a_nul_in_the_email_is_a_failed_sign_in(client: TestClient) -> None:
    page = client.get("/login")

    response = client.post(
        "/login",
        data={
            "csrf_token": form_token(page.text),
            "email": "a\x00b@example.com",
            "password": "whatever it is",
        },
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert "not right" in response.text
