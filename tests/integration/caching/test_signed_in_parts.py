"""Signed-in parts answered from the memo before routing (`web.caching.signed_in_parts`).

A remembered answer costs one statement (the session, its user and the
content version together); the route costs several. The tests tell the two
apart by that count, and require the remembered answer to be exactly the
route's (status, headers, body), and every case the middleware must leave to
the route (no htmx, other parameters, an ended session, a touch due, memo off)
to reach it.
"""

from collections.abc import Callable, Iterator
from datetime import timedelta

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.models import Author, User, UserSession
from app.services.publishing.computed_memo import ComputedMemo
from app.web.caching import parts_session_reader
from app.web.caching.signed_in_parts import PartsRequest, _session_token, parts_request
from tests.support.app_clients import app_client
from tests.support.auth import htmx_headers, sign_up, unique_email
from tests.support.community_pages import ME_PATH
from tests.support.query_counts import QueryCounter

SAVEPOINT_WORDS = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def _statements(counter: QueryCounter) -> list[str]:
    """The statements sent, without the tests' transaction bookkeeping."""
    return [s for s in counter.statements if not s.lstrip().upper().startswith(SAVEPOINT_WORDS)]


def _get(client: TestClient, counter: QueryCounter, path: str = ME_PATH, **kwargs) -> Response:
    """GET `path` as htmx does, counting only this request's statements."""
    counter.statements.clear()
    headers = {**htmx_headers(), **kwargs.pop("headers", {})}
    return client.get(path, headers=headers, **kwargs)


def _answered_before_routing(counter: QueryCounter) -> bool:
    return len(_statements(counter)) == 1


def _user_id(session: Session, email: str) -> int:
    return session.scalars(select(User.id).where(User.email == email)).one()


def _set_sessions_of(session: Session, user_id: int, **values: object) -> None:
    """Change every session of a person, committed, as time passing would."""
    session.execute(update(UserSession).where(UserSession.user_id == user_id).values(**values))
    session.commit()


@pytest.fixture
def signed_in_email(client: TestClient) -> str:
    email = unique_email()
    sign_up(client, email=email)
    return email


def _headers(response: Response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.multi_items() if name != "date"]


def test_a_remembered_answer_is_the_routes_answer_in_one_statement(
    client: TestClient, signed_in_email: str, count_queries: QueryCounter
) -> None:
    rendered = _get(client, count_queries)
    assert not _answered_before_routing(count_queries)

    remembered = _get(client, count_queries)

    assert _answered_before_routing(count_queries)
    assert remembered.status_code == rendered.status_code == 200
    assert _headers(remembered) == _headers(rendered)
    assert remembered.content == rendered.content
    assert remembered.headers["cache-control"] == "private, no-store"
    assert remembered.headers["vary"] == "HX-Request, Cookie"
    assert "content-security-policy" in remembered.headers


def test_the_session_is_looked_up_in_a_worker_thread_only_over_the_network(
    client: TestClient,
    signed_in_email: str,
    count_queries: QueryCounter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _get(client, count_queries)
    hopped: list[str] = []
    hop = anyio.to_thread.run_sync

    async def counted_hop(function: Callable[..., object], *args: object, **kwargs: object):
        hopped.append(function.__name__)
        return await hop(function, *args, **kwargs)

    monkeypatch.setattr(parts_session_reader.anyio.to_thread, "run_sync", counted_hop)

    remembered = _get(client, count_queries)

    assert remembered.status_code == 200
    assert _answered_before_routing(count_queries)
    on_sqlite = client.app.state.engine.dialect.name == "sqlite"
    assert hopped.count("_read_pooled") == (0 if on_sqlite else 1)


def test_a_session_deleted_elsewhere_is_never_answered_again(
    client: TestClient,
    signed_in_email: str,
    count_queries: QueryCounter,
    catalog_session: Session,
) -> None:
    _get(client, count_queries)
    _get(client, count_queries)
    assert _answered_before_routing(count_queries)
    user_id = _user_id(catalog_session, signed_in_email)
    catalog_session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    catalog_session.commit()

    after = _get(client, count_queries)

    assert not _answered_before_routing(count_queries)
    assert "Your comment as" not in after.text


@pytest.mark.parametrize(
    "query", ["?only=controls", "?comments_page=2", "?comments_page=2&only=controls"]
)
def test_each_choice_is_remembered_apart(
    client: TestClient, signed_in_email: str, count_queries: QueryCounter, query: str
) -> None:
    everything = _get(client, count_queries)
    first = _get(client, count_queries, f"{ME_PATH}{query}")
    assert not _answered_before_routing(count_queries)

    again = _get(client, count_queries, f"{ME_PATH}{query}")

    assert _answered_before_routing(count_queries)
    assert again.content == first.content
    if "only=controls" in query:
        assert again.content != everything.content


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (ME_PATH, {"HX-Request": "false"}),
        (ME_PATH, {"HX-History-Restore-Request": "true"}),
        (f"{ME_PATH}?comments_page=1&comments_page=1", {}),
        (f"{ME_PATH}?utm_source=x", {}),
        (f"{ME_PATH}?only=everything", {}),
    ],
)
def test_what_the_middleware_does_not_understand_goes_to_the_route(
    client: TestClient,
    signed_in_email: str,
    count_queries: QueryCounter,
    path: str,
    headers: dict[str, str],
) -> None:
    _get(client, count_queries, path, headers=headers)
    response = _get(client, count_queries, path, headers=headers)

    assert not _answered_before_routing(count_queries)
    if "only=everything" in path:
        assert response.status_code == 422
    elif headers.get("HX-Request") == "false" or headers.get("HX-History-Restore-Request"):
        assert "<html" in response.text
    else:
        assert response.status_code == 200


def test_an_ended_session_reaches_the_route_which_ends_it(
    client: TestClient,
    signed_in_email: str,
    count_queries: QueryCounter,
    catalog_session: Session,
) -> None:
    signed_in = _get(client, count_queries)
    _get(client, count_queries)
    assert _answered_before_routing(count_queries)
    user_id = _user_id(catalog_session, signed_in_email)
    _set_sessions_of(catalog_session, user_id, expires_at=utcnow() - timedelta(seconds=1))

    after = _get(client, count_queries)

    assert not _answered_before_routing(count_queries)
    assert "Your comment as" in signed_in.text
    assert "Your comment as" not in after.text
    assert "modelatlas_session=" in after.headers["set-cookie"]
    assert (
        catalog_session.scalars(select(UserSession).where(UserSession.user_id == user_id)).all()
        == []
    )


def test_a_session_due_a_touch_reaches_the_route_which_writes_it(
    client: TestClient,
    signed_in_email: str,
    count_queries: QueryCounter,
    catalog_session: Session,
) -> None:
    _get(client, count_queries)
    user_id = _user_id(catalog_session, signed_in_email)
    seen_long_ago = utcnow() - timedelta(minutes=5)
    _set_sessions_of(catalog_session, user_id, last_seen_at=seen_long_ago)

    _get(client, count_queries)

    assert not _answered_before_routing(count_queries)
    catalog_session.expire_all()
    row = catalog_session.scalars(select(UserSession).where(UserSession.user_id == user_id)).one()
    assert row.last_seen_at > seen_long_ago + timedelta(minutes=4)
    _get(client, count_queries)
    assert _answered_before_routing(count_queries)


def test_a_write_since_sends_the_next_request_to_the_route(
    client: TestClient,
    signed_in_email: str,
    count_queries: QueryCounter,
    catalog_session: Session,
) -> None:
    _get(client, count_queries)
    catalog_session.add(Author(slug="another-lab", name="Another Lab"))
    catalog_session.commit()

    _get(client, count_queries)
    assert not _answered_before_routing(count_queries)
    _get(client, count_queries)
    assert _answered_before_routing(count_queries)


def test_anonymous_visitors_and_unknown_tokens_reach_the_route(
    client: TestClient, count_queries: QueryCounter
) -> None:
    _get(client, count_queries)
    _get(client, count_queries)
    assert not _answered_before_routing(count_queries)

    client.cookies.set("modelatlas_session", "not-a-token-anyone-was-given")
    response = _get(client, count_queries)
    assert response.status_code == 200
    assert "modelatlas_session=" in response.headers["set-cookie"]


@pytest.fixture
def memo_off_client(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    with app_client(settings, catalog_factory, computed_memo=False) as test_client:
        yield test_client


def test_with_the_memo_off_every_request_is_rendered(
    memo_off_client: TestClient, count_queries: QueryCounter
) -> None:
    sign_up(memo_off_client)
    first = _get(memo_off_client, count_queries)
    second = _get(memo_off_client, count_queries)

    assert not _answered_before_routing(count_queries)
    assert second.content == first.content


def test_over_https_the_prefixed_cookie_is_the_session(
    client: TestClient, count_queries: QueryCounter
) -> None:
    with TestClient(client.app, base_url="https://testserver") as secure:
        sign_up(secure)
        first = _get(secure, count_queries)
        second = _get(secure, count_queries)
        assert "__Host-modelatlas_session" in secure.cookies

    assert _answered_before_routing(count_queries)
    assert second.content == first.content
    assert "strict-transport-security" in second.headers


def _scope(path: str, *, query: bytes = b"", headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "query_string": query,
        "headers": headers,
    }


SIGNED_IN_HTMX = [(b"hx-request", b"true"), (b"cookie", b"a=b; modelatlas_session=tok")]


@pytest.mark.parametrize(
    "path",
    [
        "/models/mistral/community/me",
        "/models//mistral-small-2603/community/me",
        "/models/mistral/small/extra/community/me",
        "/models/mistral/mistral-small-2603/community/me/",
        "/models/mistral/mistral-small-2603/comments",
    ],
)
def test_only_the_parts_address_of_a_model_is_read(path: str) -> None:
    assert parts_request(_scope(path, headers=SIGNED_IN_HTMX)) is None


def test_the_parts_and_the_session_token_are_read_from_the_request() -> None:
    scope = _scope(ME_PATH, query=b"comments_page=3&only=controls", headers=SIGNED_IN_HTMX)

    assert parts_request(scope) == PartsRequest(
        slug="mistral/mistral-small-2603", comments_page="3", only="controls"
    )
    assert _session_token(scope) == "tok"
    no_cookie = [(b"hx-request", b"true")]
    assert _session_token(_scope(ME_PATH, headers=no_cookie)) is None
    first_cookie_only = [*no_cookie, (b"cookie", b"other=1"), (b"cookie", b"modelatlas_session=t")]
    assert _session_token(_scope(ME_PATH, headers=first_cookie_only)) is None


@pytest.mark.parametrize(
    ("read", "unread"),
    [("", "?utm_source=x"), ("?comments_page=1", "?comments_page=1&comments_page=1")],
)
def test_the_route_remembers_only_what_the_middleware_can_answer(
    client: TestClient, signed_in_email: str, count_queries: QueryCounter, read: str, unread: str
) -> None:
    memo: ComputedMemo = client.app.state.computed_memo  # type: ignore[attr-defined]
    _get(client, count_queries, f"{ME_PATH}{read}")
    remembered = len(memo)

    response = _get(client, count_queries, f"{ME_PATH}{unread}")

    assert response.status_code == 200
    assert len(memo) == remembered, "remembered under a key no request is answered with"
    _get(client, count_queries, f"{ME_PATH}{read}")
    assert _answered_before_routing(count_queries)


def test_a_memo_peek_finds_what_get_kept_and_never_computes(session: Session) -> None:
    memo = ComputedMemo()
    assert memo.peek("k", 1) is None
    assert len(memo) == 0

    memo.get(session, "k", 1, lambda: b"kept")
    assert memo.peek("k", 1) == b"kept"
    assert memo.peek("other", 1) is None

    assert memo.peek("k", 2) is None
    assert len(memo) == 0, "a newer version forgets everything"
    assert ComputedMemo(enabled=False).peek("k", 1) is None
