"""The page cache in the real app: hits cost no query, who is served, what is stored, bounds.

Every app here runs inside the test's rolled-back transaction (the `client`
fixture); its cache gets a hand-moved clock (`settle`), so the cache checks
the database only when a test says the interval has passed.
"""

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models import Model
from app.services.community.ratings import rate_model
from app.web.middleware.security_headers import CONTENT_SECURITY_POLICY
from tests.support.auth import other_client, sign_up
from tests.support.community_data import make_model, make_user
from tests.support.page_cache import (
    FakeClock,
    fetch,
    page_cache_of,
    primed,
    served_from_cache,
    settle,
)

REFERENCE_SLUG = "mistral/mistral-small-2603"
MODEL_PATH = f"/models/{REFERENCE_SLUG}"
CALCULATOR = f"{MODEL_PATH}?preset=chatbot&requests_per_day=5000"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def clock(client: TestClient) -> FakeClock:
    return settle(client.app)


def test_a_cached_answer_costs_no_query_and_is_the_page_itself(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    rendered, statements = fetch(client, MODEL_PATH, catalog_engine)
    assert len(statements) >= 5

    cached = served_from_cache(client, MODEL_PATH, catalog_engine)

    assert cached.content == rendered.content
    assert "Mistral Small 4" in cached.text
    assert cached.headers["content-type"] == "text/html; charset=utf-8"
    assert cached.headers["content-length"] == str(len(rendered.content))
    assert cached.headers["vary"] == "HX-Request"
    assert cached.headers["etag"] == rendered.headers["etag"]


def test_cached_answers_carry_the_security_headers_and_are_logged(
    client: TestClient, clock: FakeClock, catalog_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    primed(client, MODEL_PATH, catalog_engine)
    caplog.set_level(logging.INFO, logger="app.requests")

    cached = served_from_cache(client, MODEL_PATH, catalog_engine)

    assert cached.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert cached.headers["x-content-type-options"] == "nosniff"
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "app.requests"]
    assert (line["path"], line["status"], line["bytes"]) == (
        MODEL_PATH,
        200,
        len(cached.content),
    )


def test_the_calculator_page_and_its_htmx_fragment_are_cached_apart(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    page = client.get(CALCULATOR)
    fragment = client.get(CALCULATOR, headers=HTMX)
    assert fragment.headers["hx-push-url"]
    assert len(fragment.content) < len(page.content) / 2

    cached_fragment, statements = fetch(client, CALCULATOR, catalog_engine, **HTMX)
    cached_page = served_from_cache(client, CALCULATOR, catalog_engine)

    assert statements == []
    assert cached_fragment.content == fragment.content
    assert cached_fragment.headers["hx-push-url"] == fragment.headers["hx-push-url"]
    assert cached_page.content == page.content
    assert len(page_cache_of(client.app).store) == 2


def test_invalid_calculator_input_is_answered_every_time_and_not_stored(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    invalid = f"{MODEL_PATH}?preset=chatbot&input_tokens=-5"
    assert client.get(invalid).status_code == 422

    again, statements = fetch(client, invalid, catalog_engine)

    assert again.status_code == 422
    assert statements
    assert len(page_cache_of(client.app).store) == 0


def test_if_none_match_gets_304_from_the_cache(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    etag = primed(client, MODEL_PATH, catalog_engine).headers["etag"]

    response, statements = fetch(client, MODEL_PATH, catalog_engine, **{"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert statements == []


def test_head_is_answered_from_the_cache(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    page = primed(client, MODEL_PATH, catalog_engine)

    with_head = client.head(MODEL_PATH)

    assert with_head.status_code == 200
    assert with_head.content == b""
    assert with_head.headers["content-length"] == str(len(page.content))
    assert with_head.headers["etag"] == page.headers["etag"]


def test_signed_in_visitors_are_never_served_from_nor_stored_in_the_cache(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    anonymous = other_client(client)
    sign_up(client)
    store = page_cache_of(client.app).store

    signed_in, statements = fetch(client, MODEL_PATH, catalog_engine)
    assert signed_in.status_code == 200
    assert statements
    assert len(store) == 0

    primed(anonymous, MODEL_PATH, catalog_engine)
    again, statements = fetch(client, MODEL_PATH, catalog_engine)
    assert again.status_code == 200
    assert statements
    assert len(store) == 1


def test_the_anonymous_csrf_cookie_still_gets_the_cached_page(
    client: TestClient, clock: FakeClock, catalog_engine: Engine
) -> None:
    client.get("/login")
    assert client.cookies.get("modelatlas_csrf")

    primed(client, MODEL_PATH, catalog_engine)


def test_a_rating_evicts_its_model_page_only(
    client: TestClient, clock: FakeClock, catalog_engine: Engine, catalog_session: Session
) -> None:
    other = make_model(catalog_session, "otherlab/other-model")
    reference = catalog_session.scalars(select(Model).where(Model.slug == REFERENCE_SLUG)).one()
    catalog_session.commit()
    other_path = f"/models/{other.slug}"
    primed(client, MODEL_PATH, catalog_engine)
    primed(client, other_path, catalog_engine)
    primed(client, CALCULATOR, catalog_engine)

    rater = make_user(catalog_session, "Rater")
    rate_model(session=catalog_session, model_id=reference.id, user_id=rater.id, stars=2)
    catalog_session.commit()

    assert "1 rating" in client.get(MODEL_PATH).text
    _, statements = fetch(client, CALCULATOR, catalog_engine)
    assert statements
    served_from_cache(client, other_path, catalog_engine)


def test_an_uncommitted_write_evicts_nothing(
    client: TestClient, clock: FakeClock, catalog_engine: Engine, catalog_session: Session
) -> None:
    cached = primed(client, MODEL_PATH, catalog_engine)
    model = make_model(catalog_session, "otherlab/rolled-back")
    rater = make_user(catalog_session, "Undecided")
    rate_model(session=catalog_session, model_id=model.id, user_id=rater.id, stars=5)
    catalog_session.rollback()

    assert served_from_cache(client, MODEL_PATH, catalog_engine).content == cached.content


def test_the_lru_bound_holds(
    settings: Settings, catalog_factory: sessionmaker[Session], catalog_engine: Engine
) -> None:
    app = create_app(settings.model_copy(update={"page_cache_max_entries": 2}))
    app.state.session_factory = catalog_factory
    settle(app)
    client = TestClient(app)
    for page in ("a", "b", "c"):
        client.get(f"{MODEL_PATH}?preset=chatbot&page={page}")

    assert len(page_cache_of(app).store) == 2
    _, statements = fetch(client, f"{MODEL_PATH}?preset=chatbot&page=a", catalog_engine)
    assert statements
    served_from_cache(client, f"{MODEL_PATH}?preset=chatbot&page=c", catalog_engine)


@pytest.fixture
def uncached_client(
    settings: Settings, catalog_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"page_cache": False}))
    app.state.session_factory = catalog_factory
    yield TestClient(app)


def test_the_cache_can_be_turned_off(uncached_client: TestClient, catalog_engine: Engine) -> None:
    assert uncached_client.app.state.page_cache is None
    uncached_client.get(MODEL_PATH)

    response, statements = fetch(uncached_client, MODEL_PATH, catalog_engine)

    assert response.status_code == 200
    assert statements
    assert "etag" not in response.headers


def test_the_setting_reads_off_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_PAGE_CACHE", "off")
    assert Settings().page_cache is False
