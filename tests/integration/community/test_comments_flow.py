"""Sign up, sign in, rate, change the rating, comment, edit, delete: with plain forms and htmx.

Each step goes through the page a person would use and checks what the model
page then shows to everyone, and what the database holds.
"""

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Comment, Model, Rating, User
from tests.support.auth import PASSWORD, sign_in, sign_out, sign_up, unique_email
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


def model_page(client: TestClient, query: str = "") -> dict[str, str]:
    """The public community figures of the model page, as text."""
    response = client.get(f"{MODEL_PATH}{query}")
    assert response.status_code == 200
    soup = parse(response)
    comments = soup.select("#comment-thread .comment")
    return {
        "summary": text_of(find(soup, "#rating-summary .rating-average")),
        "count": text_of(find(soup, "#comment-thread .comment-count")),
        "comments": " | ".join(text_of(find(c, ".comment-body")) for c in comments),
        "meta": " | ".join(text_of(find(c, ".comment-meta")) for c in comments),
    }


def stored(session: Session, email: str) -> tuple[list[int], list[str]]:
    """The person's ratings (stars) and comment bodies on the reference model."""
    user_id = session.scalar(select(User.id).where(User.email == email))
    model_id = session.scalar(select(Model.id).where(Model.slug == "mistral/mistral-small-2603"))
    session.expire_all()
    stars = session.scalars(
        select(Rating.stars).where(Rating.user_id == user_id, Rating.model_id == model_id)
    ).all()
    bodies = session.scalars(
        select(Comment.body).where(Comment.user_id == user_id, Comment.model_id == model_id)
    ).all()
    return list(stars), list(bodies)


def sign_up_then_in(client: TestClient, name: str) -> str:
    """A new account, signed out and signed in again through /login coming back to the page."""
    email = unique_email(name.lower())
    token = sign_up(client, email=email, display_name=name)
    sign_out(client, token)
    page = client.get(f"/login?next={MODEL_PATH}")
    form = find(parse(page), "form.auth-form")
    back = submit(client, form, email=email, password=PASSWORD)
    assert (back.status_code, back.headers["location"]) == (303, MODEL_PATH)
    return email


def test_the_whole_flow_with_plain_forms(client: TestClient, catalog_session: Session) -> None:
    email = sign_up_then_in(client, "Ada")
    public = parse(client.get(MODEL_PATH))
    rate_here = find(public, "#rating-me a[href$='/community/me']")
    me_page = parse(client.get(rate_here["href"]))

    response = submit(client, find(me_page, "form.rating-form"), stars="5")
    assert (response.status_code, response.headers["location"]) == (303, f"{MODEL_PATH}#ratings")
    assert model_page(client)["summary"] == "5.0 out of 5 5.0 out of 5 · 1 rating"

    me_page = parse(client.get(ME_PATH))
    assert text_of(find(me_page, ".rating-form legend")) == "Your rating: 5 stars. Change it?"
    response = submit(client, find(me_page, "form.rating-form"), stars="3")
    assert response.status_code == 303
    assert model_page(client)["summary"] == "3.0 out of 5 3.0 out of 5 · 1 rating"
    assert stored(catalog_session, email) == ([3], [])

    response = submit(client, find(me_page, "form.comment-form"), body="Fast and **cheap**.")
    assert (response.status_code, response.headers["location"]) == (303, f"{MODEL_PATH}#comments")
    page = model_page(client)
    assert (page["count"], page["comments"]) == ("1 comment", "Fast and cheap.")
    assert page["meta"].startswith("Ada · ")
    assert "edited" not in page["meta"]

    me_page = parse(client.get(ME_PATH))
    edit_page = parse(client.get(find(me_page, ".comment-controls a")["href"]))
    assert find(edit_page, "textarea").get_text() == "Fast and **cheap**."
    response = submit(client, find(edit_page, "form"), body="Fast, cheap, *accurate*.")
    assert (response.status_code, response.headers["location"]) == (303, f"{MODEL_PATH}#comments")
    page = model_page(client)
    assert page["comments"] == "Fast, cheap, accurate."
    assert page["meta"].endswith("· edited")

    me_page = parse(client.get(ME_PATH))
    delete_form = find(me_page, "form.comment-action[action$='/delete']")
    response = submit(client, delete_form)
    assert (response.status_code, response.headers["location"]) == (303, f"{MODEL_PATH}#comments")
    assert model_page(client)["count"] == "0 comments"
    assert stored(catalog_session, email) == ([3], [])


def test_the_whole_flow_with_htmx(client: TestClient, catalog_session: Session) -> None:
    email = sign_up_then_in(client, "Grace")
    parts = per_user_parts(client)
    assert oob_ids(parts) == ["rating-me", "comment-compose"]

    response = htmx_submit(client, find(parts, "#rating-me form"), stars="4")
    assert response.status_code == 200
    fragment = parse(response)
    assert text_of(find(fragment, "#rating-summary .rating-average")).endswith(
        "4.0 out of 5 · 1 rating"
    )
    assert oob_ids(fragment) == ["rating-me"]
    assert text_of(find(fragment, "#rating-me legend")) == "Your rating: 4 stars. Change it?"

    response = htmx_submit(client, find(fragment, "#rating-me form"), stars="2")
    assert text_of(find(parse(response), ".rating-average")).endswith("2.0 out of 5 · 1 rating")
    assert stored(catalog_session, email) == ([2], [])

    response = htmx_submit(
        client, find(parts, "#comment-compose form"), body="Handles `tools` well."
    )
    assert response.status_code == 200
    fragment = parse(response)
    thread = find(fragment, "#comment-thread")
    assert text_of(find(thread, ".comment-count")) == "1 comment"
    assert str(find(thread, ".comment-body p")) == "<p>Handles <code>tools</code> well.</p>"
    assert oob_ids(fragment) == ["comment-compose"], "a fresh, empty compose form"
    assert find(fragment, "#comment-compose textarea").get_text() == ""
    loader = find(thread, ".community-me-loader")
    assert loader["hx-get"] == f"{ME_PATH}?comments_page=1&only=controls"

    controls = parse(htmx_get(client, loader["hx-get"]))
    (comment_id,) = catalog_session.scalars(select(Comment.id).where(Comment.body.like("Handles%")))
    assert oob_ids(controls) == [f"comment-{comment_id}-controls"]
    edit_link = find(controls, "a")
    edit_form = parse(htmx_get(client, edit_link["hx-get"]))
    assert edit_link["hx-target"] == f"#comment-{comment_id}"
    assert find(edit_form, "textarea").get_text() == "Handles `tools` well."
    assert edit_form.h1 is None, "htmx gets the form, not the page"

    response = htmx_submit(client, find(edit_form, "form"), body="Handles tools *very* well.")
    assert response.status_code == 200
    thread = find(parse(response), "#comment-thread")
    assert text_of(find(thread, ".comment-body")) == "Handles tools very well."
    assert text_of(find(thread, ".comment-meta")).endswith("· edited")

    controls = parse(htmx_get(client, f"{ME_PATH}?comments_page=1&only=controls"))
    response = htmx_submit(client, find(controls, "form[hx-post$='/delete']"))
    assert response.status_code == 200
    assert text_of(find(parse(response), ".comment-count")) == "0 comments"
    assert stored(catalog_session, email) == ([2], [])
    assert model_page(client)["summary"] == "2.0 out of 5 2.0 out of 5 · 1 rating"


def test_sign_in_links_bring_people_back_to_the_model(client: TestClient) -> None:
    soup = parse(client.get(MODEL_PATH))
    links = [a["href"] for a in soup.select("#rating-me a, #comment-compose a")]
    assert links == [
        f"/login?next={MODEL_PATH}",
        ME_PATH,
        f"/login?next={MODEL_PATH}",
        ME_PATH,
    ]
    assert text_of(find(soup, "#rating-me a")) == "Sign in to rate and review."
    assert text_of(find(soup, "#comment-compose a")) == "Sign in to leave a comment."


def test_anonymous_per_user_parts_are_sign_in_links(client: TestClient) -> None:
    parts = per_user_parts(client)
    assert oob_ids(parts) == ["rating-me", "comment-compose"]
    assert [a["href"] for a in parts.select("a")] == [f"/login?next={MODEL_PATH}"] * 2
    assert parts.find("form") is None
    no_js = parse(client.get(ME_PATH))
    assert no_js.select("form.rating-form, form.comment-form") == []
    assert text_of(find(no_js, "#rating-me")) == "Sign in to rate and review."


def test_anonymous_posts_go_to_sign_in_and_write_nothing(
    client: TestClient, catalog_session: Session
) -> None:
    token = find(parse(client.get("/login")), "input[name=csrf_token]")["value"]
    referer = {"Referer": f"http://testserver{MODEL_PATH}"}
    for path, data in (
        (f"{MODEL_PATH}/rating", {"stars": "5"}),
        (f"{MODEL_PATH}/comments", {"body": "hi"}),
    ):
        plain = client.post(
            path, data={**data, "csrf_token": token}, headers=referer, follow_redirects=False
        )
        assert (plain.status_code, plain.headers["location"]) == (303, f"/login?next={MODEL_PATH}")
        htmx = client.post(
            path,
            data=data,
            headers={
                "HX-Request": "true",
                "HX-Current-URL": f"http://testserver{MODEL_PATH}",
                "X-CSRF-Token": token,
            },
        )
        assert htmx.status_code == 401
        assert f"/login?next={MODEL_PATH}" in htmx.text
    catalog_session.expire_all()
    assert catalog_session.scalar(select(func.count()).select_from(Rating)) == 0
    assert catalog_session.scalar(select(func.count()).select_from(Comment)) == 0


def test_signed_in_again_the_rating_is_remembered(client: TestClient) -> None:
    email = unique_email("returning")
    token = sign_up(client, email=email, display_name="Returning")
    parts = per_user_parts(client)
    htmx_submit(client, find(parts, "#rating-me form"), stars="1")
    sign_out(client, token)
    sign_in(client, email=email)
    assert text_of(find(per_user_parts(client), "#rating-me legend")).startswith(
        "Your rating: 1 star."
    )
