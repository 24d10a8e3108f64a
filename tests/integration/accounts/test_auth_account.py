"""The account page: change password (all sessions end), delete account; hash upgrade at sign-in."""

import pytest
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models import Model
from app.models.accounts import User, UserSession
from app.models.community import Comment, Rating
from tests.support.auth import (
    PASSWORD,
    form_token,
    other_client,
    session_token,
    sign_in,
    sign_out,
    sign_up,
    unique_email,
)

NEW_PASSWORD = "a brand new passphrase"


def _user(factory: sessionmaker[Session], email: str) -> User | None:
    with factory() as session:
        return session.scalars(select(User).where(User.email == email)).first()


def _session_count(factory: sessionmaker[Session], user_id: int) -> int:
    with factory() as session:
        return session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
        )


def _change_password(client: TestClient, token: str, current: str, new: str):
    return client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": current, "new_password": new},
        follow_redirects=False,
    )


def test_account_page_shows_the_user_and_both_forms(client: TestClient) -> None:
    email = unique_email()
    sign_up(client, email=email)

    page = client.get("/account")

    assert page.status_code == 200
    assert email in page.text
    assert 'action="http://testserver/account/password"' in page.text
    assert 'action="http://testserver/account/delete"' in page.text
    assert page.headers["cache-control"] == "private, no-store"


def test_change_password_ends_every_session_and_starts_a_new_one(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(client, email=email)
    laptop = other_client(client)
    sign_in(laptop, email=email)
    old_cookie = client.cookies["modelatlas_session"]
    user = _user(catalog_factory, email)
    assert _session_count(catalog_factory, user.id) == 2

    response = _change_password(client, token, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 303
    assert response.headers["location"] == "/account?done=password-changed"
    assert client.cookies["modelatlas_session"] != old_cookie
    assert _session_count(catalog_factory, user.id) == 1
    assert "Your password was changed" in client.get(response.headers["location"]).text
    assert "Sign in" in laptop.get("/account/menu").text
    changed = _user(catalog_factory, email)
    assert changed.password_changed_at > user.password_changed_at
    sign_out(client, session_token(client))
    sign_in(client, email=email, password=NEW_PASSWORD)


def test_change_password_needs_the_current_password(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(client, email=email)
    before = _user(catalog_factory, email)

    response = _change_password(client, token, "not my password", NEW_PASSWORD)

    assert response.status_code == 422
    assert "That is not your current password." in response.text
    assert _user(catalog_factory, email).password_hash == before.password_hash
    assert _session_count(catalog_factory, before.id) == 1


def test_change_password_applies_the_password_rules(client: TestClient) -> None:
    token = sign_up(client)

    response = _change_password(client, token, PASSWORD, "12345678")

    assert response.status_code == 422
    assert "most common" in response.text


def test_delete_account_keeps_comments_as_deleted_user_and_drops_ratings(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(client, email=email)
    user = _user(catalog_factory, email)
    with catalog_factory() as session:
        model_id = session.scalars(select(Model.id).limit(1)).one()
        session.add(Rating(model_id=model_id, user_id=user.id, stars=4))
        comment = Comment(model_id=model_id, user_id=user.id, body="Fast and cheap.")
        session.add(comment)
        session.commit()
        comment_id = comment.id

    response = client.post(
        "/account/delete", data={"csrf_token": token, "password": PASSWORD}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert _user(catalog_factory, email) is None
    with catalog_factory() as session:
        kept = session.get(Comment, comment_id)
        assert kept is not None
        assert kept.user_id is None
        assert kept.body == "Fast and cheap."
        assert session.scalars(select(Rating).where(Rating.user_id == user.id)).all() == []
    assert _session_count(catalog_factory, user.id) == 0
    assert "Sign in" in client.get("/account/menu").text


def test_delete_account_needs_the_password(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    token = sign_up(client, email=email)

    response = client.post("/account/delete", data={"csrf_token": token, "password": "nope"})

    assert response.status_code == 422
    assert "That is not your current password." in response.text
    assert _user(catalog_factory, email) is not None


@pytest.mark.production_password_cost
def test_sign_in_upgrades_a_hash_made_with_old_parameters(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    sign_out(client, sign_up(client, email=email))
    old_hash = Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with catalog_factory() as session:
        session.execute(update(User).where(User.email == email).values(password_hash=old_hash))
        session.commit()

    sign_in(client, email=email)

    upgraded = _user(catalog_factory, email).password_hash
    assert upgraded != old_hash
    assert "$m=65536,t=3,p=4$" in upgraded


def test_a_failed_sign_in_leaves_an_old_hash_alone(
    client: TestClient, catalog_factory: sessionmaker[Session]
) -> None:
    email = unique_email()
    sign_out(client, sign_up(client, email=email))
    old_hash = Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with catalog_factory() as session:
        session.execute(update(User).where(User.email == email).values(password_hash=old_hash))
        session.commit()
    token = form_token(client.get("/login").text)

    client.post("/login", data={"csrf_token": token, "email": email, "password": "wrong one"})

    assert _user(catalog_factory, email).password_hash == old_hash


def test_account_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/account", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
