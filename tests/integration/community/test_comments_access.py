"""Who may do what to a comment, what refused input gets back, and the unknown-thing answers."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Comment, User
from tests.support.auth import make_admin, other_client, sign_up, unique_email
from tests.support.community_pages import (
    ME_PATH,
    MODEL_PATH,
    find,
    htmx_get,
    htmx_submit,
    oob_ids,
    parse,
    per_user_parts,
    submit,
)
from tests.support.page_text import text_of


def post_comment(client: TestClient, body: str) -> int:
    """Post through the compose form; the new comment's id."""
    response = htmx_submit(client, find(per_user_parts(client), "#comment-compose form"), body=body)
    assert response.status_code == 200, response.text[:300]
    return int(find(parse(response), ".comment")["id"].removeprefix("comment-"))


@pytest.fixture
def ada(client: TestClient) -> TestClient:
    sign_up(client, display_name="Ada")
    return client


@pytest.fixture
def bob(client: TestClient) -> TestClient:
    other = other_client(client)
    sign_up(other, display_name="Bob")
    return other


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    other = other_client(client)
    email = unique_email("admin")
    sign_up(other, email=email, display_name="Root")
    make_admin(other, email)
    return other


def body_of(session: Session, comment_id: int) -> tuple[str, bool]:
    session.expire_all()
    comment = session.get(Comment, comment_id)
    assert comment is not None
    return comment.body, comment.hidden_at is not None


def test_b_cannot_edit_or_delete_as_comment(
    ada: TestClient, bob: TestClient, catalog_session: Session
) -> None:
    comment_id = post_comment(ada, "Ada's words")
    token = find(parse(bob.get(ME_PATH)), "form.comment-form input[name=csrf_token]")["value"]
    for path, data in (
        (f"/comments/{comment_id}/edit", {"body": "Bob's words"}),
        (f"/comments/{comment_id}/delete", {}),
        (f"/comments/{comment_id}/hide", {}),
        (f"/comments/{comment_id}/unhide", {}),
    ):
        plain = bob.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert plain.status_code == 403, path
        htmx = bob.post(path, data=data, headers={"HX-Request": "true", "X-CSRF-Token": token})
        assert htmx.status_code == 403, path
    assert bob.get(f"/comments/{comment_id}/edit").status_code == 403
    assert "You can only edit your own comments." in bob.get(f"/comments/{comment_id}/edit").text
    assert body_of(catalog_session, comment_id) == ("Ada's words", False)


def test_controls_are_offered_only_where_they_work(
    ada: TestClient, bob: TestClient, admin: TestClient
) -> None:
    ada_comment = post_comment(ada, "from Ada")
    bob_comment = post_comment(bob, "from Bob")

    def controls(client: TestClient) -> dict[str, list[str]]:
        parts = per_user_parts(client)
        return {
            element["id"]: [text_of(b) for b in element.select("a, button")]
            for element in parts.select(".comment-controls")
        }

    assert controls(ada) == {f"comment-{ada_comment}-controls": ["Edit", "Delete"]}
    assert controls(bob) == {f"comment-{bob_comment}-controls": ["Edit", "Delete"]}
    assert controls(admin) == {
        f"comment-{bob_comment}-controls": ["Hide"],
        f"comment-{ada_comment}-controls": ["Hide"],
    }


def test_admin_hides_and_unhides(
    ada: TestClient, admin: TestClient, catalog_session: Session
) -> None:
    comment_id = post_comment(ada, "something *rude*")
    hide = find(per_user_parts(admin), f"#comment-{comment_id}-controls form[hx-post$='/hide']")
    response = htmx_submit(admin, hide)
    assert response.status_code == 200
    item = find(parse(response), f"#comment-{comment_id}")
    assert text_of(item) == "This comment was hidden by a moderator."
    assert "rude" not in ada.get(MODEL_PATH).text
    assert text_of(find(parse(ada.get(MODEL_PATH)), ".comment-count")) == "0 comments"
    assert body_of(catalog_session, comment_id) == ("something *rude*", True)

    ada_controls = find(per_user_parts(ada), f"#comment-{comment_id}-controls")
    assert [text_of(b) for b in ada_controls.select("a, button")] == ["Delete"]
    edit = ada.get(f"/comments/{comment_id}/edit")
    assert edit.status_code == 409
    assert "hidden this comment" in edit.text

    admin_controls = find(per_user_parts(admin), f"#comment-{comment_id}-controls")
    assert text_of(find(admin_controls, "details .comment-body")) == "something rude"
    unhide = find(admin_controls, "form[hx-post$='/unhide']")
    response = submit(admin, unhide)
    assert (response.status_code, response.headers["location"]) == (303, f"{MODEL_PATH}#comments")
    assert body_of(catalog_session, comment_id) == ("something *rude*", False)
    assert "rude" in ada.get(MODEL_PATH).text


def test_non_admin_hide_is_forbidden_even_on_own_comment(
    ada: TestClient, catalog_session: Session
) -> None:
    comment_id = post_comment(ada, "mine")
    token = find(parse(ada.get(ME_PATH)), "form.comment-form input[name=csrf_token]")["value"]
    response = ada.post(f"/comments/{comment_id}/hide", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Only administrators" in response.text
    assert body_of(catalog_session, comment_id) == ("mine", False)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   \n  ", "Write something first: a comment cannot be empty."),
        ("y" * 5_001, "A comment can be at most 5,000 characters; this one has 5,001."),
        ("bad\x00byte", "The comment contains a NUL character (U+0000)"),
        (
            "see cat\u202egnp.exe",
            "The comment contains an invisible text-direction control (U+202E RIGHT-TO-LEFT "
            "OVERRIDE, character 8)",
        ),
    ],
)
def test_refused_comment_keeps_the_text_and_says_why(
    ada: TestClient, catalog_session: Session, body: str, message: str
) -> None:
    shown = body.replace("\x00", "\ufffd")
    no_js = parse(ada.get(ME_PATH))
    plain = submit(ada, find(no_js, "form.comment-form"), body=body)
    assert plain.status_code == 422
    page = parse(plain)
    assert find(page, "form.comment-form textarea").get_text() == shown
    assert text_of(find(page, "#comment-body-error")).startswith(message)
    assert find(page, "#comment-body")["aria-invalid"] == "true"

    htmx = htmx_submit(ada, find(per_user_parts(ada), "#comment-compose form"), body=body)
    assert htmx.status_code == 422
    assert (htmx.headers["HX-Retarget"], htmx.headers["HX-Reswap"]) == (
        "#comment-compose",
        "outerHTML",
    )
    fragment = parse(htmx)
    assert find(fragment, "#comment-compose textarea").get_text() == shown
    assert text_of(find(fragment, "#comment-compose .form-error")).startswith(message)
    catalog_session.expire_all()
    assert catalog_session.scalars(select(Comment)).all() == []


def test_refused_edit_keeps_the_text(ada: TestClient, catalog_session: Session) -> None:
    comment_id = post_comment(ada, "original")
    edit_page = parse(ada.get(f"/comments/{comment_id}/edit"))
    plain = submit(ada, find(edit_page, "form"), body=" ")
    assert plain.status_code == 422
    assert find(parse(plain), "textarea").get_text() == " "
    assert "cannot be empty" in text_of(find(parse(plain), ".form-error"))

    edit_form = parse(htmx_get(ada, f"/comments/{comment_id}/edit?comments_page=1"))
    htmx = htmx_submit(ada, find(edit_form, "form"), body="z" * 5_001)
    assert htmx.status_code == 422
    assert htmx.headers["HX-Retarget"] == f"#comment-{comment_id}-edit"
    assert find(parse(htmx), "textarea").get_text() == "z" * 5_001
    assert body_of(catalog_session, comment_id) == ("original", False)


@pytest.mark.parametrize("stars", ["", "0", "6", "4.5", "many"])
def test_refused_rating_says_why(ada: TestClient, stars: str) -> None:
    no_js = parse(ada.get(ME_PATH))
    plain = submit(ada, find(no_js, "form.rating-form"), stars=stars)
    assert plain.status_code == 422
    assert find(parse(plain), "#rating-error").get_text() in {
        "Choose from 1 to 5 stars.",
        "A rating is a whole number of stars from 1 to 5.",
    }
    htmx = htmx_submit(ada, find(per_user_parts(ada), "#rating-me form"), stars=stars)
    assert htmx.status_code == 422
    assert htmx.headers["HX-Retarget"] == "#rating-me"
    assert find(parse(htmx), "#rating-me #rating-error") is not None


def test_unknown_models_and_comments_are_404(ada: TestClient) -> None:
    token = find(parse(ada.get(ME_PATH)), "form.comment-form input[name=csrf_token]")["value"]
    missing = "/models/nobody/no-such-model"
    for path, data in (
        (f"{missing}/rating", {"stars": "3"}),
        (f"{missing}/comments", {"body": "hi"}),
        ("/comments/999999/edit", {"body": "hi"}),
        ("/comments/999999/delete", {}),
        (f"/comments/{2**63}/delete", {}),
    ):
        response = ada.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 404, path
    for path in (f"{missing}/community/me", f"{missing}/comments", "/comments/999999/edit"):
        assert ada.get(path, follow_redirects=False).status_code == 404, path
    assert ada.get("/comments/abc/edit").status_code == 404


def test_deleted_account_shows_deleted_user(ada: TestClient, catalog_session: Session) -> None:
    comment_id = post_comment(ada, "outlives me")
    catalog_session.delete(
        catalog_session.scalars(select(User).where(User.display_name == "Ada")).one()
    )
    catalog_session.flush()
    item = find(parse(ada.get(MODEL_PATH)), f"#comment-{comment_id}")
    assert text_of(find(item, ".comment-meta")).startswith("deleted user · ")
    assert text_of(find(item, ".comment-body")) == "outlives me"
    assert oob_ids(per_user_parts(ada)) == ["rating-me", "comment-compose"]
