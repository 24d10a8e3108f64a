"""The public community block: the same for everyone, paged, in a fixed number of queries."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import create_app
from app.models import Model
from app.services.community.community_page import (
    COMMENTS_PER_PAGE,
    find_model,
    load_community,
    load_rating_summary,
    load_thread,
)
from app.services.community.ratings import rate_model
from tests.support.auth import make_admin, other_client, sign_up, unique_email
from tests.support.community_data import add_comments, make_user
from tests.support.community_pages import (
    ME_PATH,
    MODEL_PATH,
    find,
    htmx_get,
    htmx_submit,
    parse,
    per_user_parts,
)
from tests.support.page_text import text_of
from tests.support.query_counts import QueryCounter

THREAD_PATH = f"{MODEL_PATH}/comments"


def reference_model(session: Session) -> Model:
    return session.scalars(select(Model).where(Model.slug == "mistral/mistral-small-2603")).one()


def community_html(client: TestClient, query: str = "") -> str:
    soup = parse(client.get(f"{MODEL_PATH}{query}"))
    return str(find(soup, "#ratings")) + str(find(soup, "#comments"))


def test_the_page_is_the_same_for_everyone(client: TestClient, catalog_session: Session) -> None:
    model = reference_model(catalog_session)
    add_comments(catalog_session, model, make_user(catalog_session, "Writer"), 3)
    anonymous = community_html(client)
    assert "csrf" not in anonymous.lower()

    author = other_client(client)
    sign_up(author, display_name="Author")
    htmx_submit(author, find(per_user_parts(author), "#rating-me form"), stars="5")
    htmx_submit(author, find(per_user_parts(author), "#comment-compose form"), body="mine")
    admin = other_client(client)
    email = unique_email("admin")
    sign_up(admin, email=email)
    make_admin(admin, email)

    pages = {community_html(visitor) for visitor in (client, author, admin)}
    assert len(pages) == 1
    assert "mine" in pages.pop()


def test_ratings_summary_and_histogram(client: TestClient, catalog_session: Session) -> None:
    model = reference_model(catalog_session)
    for number, stars in enumerate([5, 4, 4, 1], start=1):
        user = make_user(catalog_session, f"Rater{number}")
        rate_model(session=catalog_session, model_id=model.id, user_id=user.id, stars=stars)
    summary = find(parse(client.get(MODEL_PATH)), "#rating-summary")
    assert text_of(find(summary, ".rating-average")) == "3.5 out of 5 3.5 out of 5 · 4 ratings"
    assert find(summary, "meter.rating-stars")["value"] == "3.5"
    rows = [
        (text_of(row.th), row.meter["value"], row.meter["max"], text_of(row.select("td")[-1]))
        for row in summary.select(".rating-histogram tbody tr")
    ]
    assert rows == [
        ("5 stars", "1", "4", "1"),
        ("4 stars", "2", "4", "2"),
        ("3 stars", "0", "4", "0"),
        ("2 stars", "0", "4", "0"),
        ("1 star", "1", "4", "1"),
    ]
    assert summary.select("[style]") == []


def test_an_unrated_model_says_so(client: TestClient) -> None:
    summary = find(parse(client.get(MODEL_PATH)), "#rating-summary")
    assert text_of(summary) == "No ratings yet."


def test_comments_are_paged_newest_first(client: TestClient, catalog_session: Session) -> None:
    model = reference_model(catalog_session)
    add_comments(
        catalog_session, model, make_user(catalog_session, "Writer"), COMMENTS_PER_PAGE + 3
    )

    def bodies(soup) -> list[str]:
        return [text_of(body) for body in soup.select("#comment-thread .comment-body")]

    first = parse(client.get(MODEL_PATH))
    assert text_of(find(first, ".comment-count")) == f"{COMMENTS_PER_PAGE + 3} comments"
    assert bodies(first)[:2] == [
        f"comment {COMMENTS_PER_PAGE + 3}",
        f"comment {COMMENTS_PER_PAGE + 2}",
    ]
    assert len(bodies(first)) == COMMENTS_PER_PAGE
    nav = find(first, "#comment-thread nav.pagination")
    assert (nav["hx-boost"], nav["hx-target"]) == ("true", "#comment-thread")
    next_link = find(nav, "a[rel=next]")
    assert next_link["href"] == f"{THREAD_PATH}?page=2"

    no_js = client.get(next_link["href"], follow_redirects=False)
    assert (no_js.status_code, no_js.headers["location"]) == (
        303,
        f"{MODEL_PATH}?comments_page=2#comments",
    )
    second = parse(client.get(f"{MODEL_PATH}?comments_page=2"))
    assert bodies(second) == ["comment 3", "comment 2", "comment 1"]

    boosted = client.get(next_link["href"], headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.headers["HX-Push-Url"] == f"{MODEL_PATH}?comments_page=2"
    fragment = parse(boosted)
    assert fragment.select_one("main") is None
    assert bodies(fragment) == ["comment 3", "comment 2", "comment 1"]
    loader = find(fragment, "#comment-thread .community-me-loader")
    assert loader["hx-get"] == f"{ME_PATH}?comments_page=2&only=controls"


def test_bad_comment_pages_fall_back_with_a_message(
    client: TestClient, catalog_session: Session
) -> None:
    model = reference_model(catalog_session)
    add_comments(catalog_session, model, make_user(catalog_session, "Writer"), 2)
    for query, message in (
        (
            "?comments_page=9",
            "That page is past the end of the list — showing the last page (1 of 1).",
        ),
        ("?comments_page=x", "Page must be a whole number from 1 — showing page 1."),
    ):
        response = client.get(f"{MODEL_PATH}{query}")
        assert response.status_code == 200
        assert text_of(find(parse(response), "#comment-thread .notice")) == message
    fragment = htmx_get(client, f"{THREAD_PATH}?page=-1")
    assert text_of(find(parse(fragment), ".notice")).startswith("Page must be a whole number")


def test_per_user_parts_are_private(client: TestClient) -> None:
    sign_up(client)
    for response in (htmx_get(client, ME_PATH), client.get(ME_PATH)):
        assert response.headers["cache-control"] == "private, no-store"
        assert "Cookie" in response.headers["vary"]
    assert htmx_get(client, f"{ME_PATH}?only=everything").status_code == 422


def test_community_block_queries_do_not_grow(
    client: TestClient, catalog_session: Session, count_queries: QueryCounter
) -> None:
    def page_queries() -> int:
        before = count_queries.count
        assert client.get(MODEL_PATH).status_code == 200
        return count_queries.count - before

    def me_queries() -> int:
        before = count_queries.count
        assert htmx_get(client, ME_PATH).status_code == 200
        return count_queries.count - before

    def busy(numbers: range) -> None:
        model = reference_model(catalog_session)
        for number in numbers:
            user = make_user(catalog_session, f"Busy{number}")
            rate_model(
                session=catalog_session, model_id=model.id, user_id=user.id, stars=number % 5 + 1
            )
            add_comments(catalog_session, model, user, 3)
        catalog_session.commit()

    sign_up(client)
    # Compared after a community write each time: what the page computes from the
    # catalog is remembered past such writes, and only the community parts are read again.
    page_queries()
    busy(range(1, 2))
    one_page, one_me = page_queries(), me_queries()
    busy(range(2, 14))
    assert page_queries() == one_page
    assert me_queries() == one_me


def test_the_block_is_three_statements(
    catalog_session: Session, count_queries: QueryCounter
) -> None:
    model = reference_model(catalog_session)
    for number in range(1, 6):
        user = make_user(catalog_session, f"Busy{number}")
        rate_model(session=catalog_session, model_id=model.id, user_id=user.id, stars=number)
        add_comments(catalog_session, model, user, 5)
    catalog_session.flush()
    before = count_queries.count
    found = find_model(session=catalog_session, slug=model.slug)
    assert found is not None
    block = load_community(session=catalog_session, model=found, comments_page="2")
    # The model; its row of counts (comments, hidden ones, ratings by stars); a page of comments.
    assert count_queries.count - before == 3
    assert (block.ratings.count, block.thread.visible_count, len(block.thread.comments)) == (
        5,
        25,
        5,
    )
    assert block.ratings == load_rating_summary(session=catalog_session, model_id=model.id)
    assert block.thread == load_thread(session=catalog_session, model_id=model.id, page_text="2")


def test_too_many_comments_get_429(
    settings: Settings, catalog_factory, catalog_session: Session
) -> None:
    limited = settings.model_copy(update={"rate_limit_comments_per_user": "2/hour"})
    app = create_app(limited)
    app.state.session_factory = catalog_factory
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_up(client)
        statuses = []
        for number in range(3):
            form = find(per_user_parts(client), "#comment-compose form")
            response = htmx_submit(client, form, body=f"comment {number}")
            statuses.append(response.status_code)
        assert statuses == [200, 200, 429]
        assert int(response.headers["Retry-After"]) > 0
        assert "commenting faster" in response.text
        assert text_of(find(parse(client.get(MODEL_PATH)), ".comment-count")) == "2 comments"
