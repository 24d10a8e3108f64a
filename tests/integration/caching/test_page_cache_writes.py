"""Every write path that changes the model page invalidates its cached copy.

Each test primes the cache (the page is proven to come from it), writes
through the real route or service, then reads the page again as an anonymous
visitor and finds the new content. The cache's clock never moves here, so no
test passes by way of the periodic version check: the write itself must evict.

Ratings and comments go through the routes in the test's rolled-back
transaction; the metrics refresh, popularity, downsampling, the genai-prices
import and the seed commit for real, each on a database of its own.
"""

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory, session_scope, utcnow
from app.main import create_app
from app.models import Comment, Model, User
from app.services.ingest.genai_import import import_genai_prices
from app.services.ingest.popularity import refresh_popularity
from app.services.ingest.seed import REFERENCE_MODEL_SLUG, seed_reference
from app.services.metrics.retention import downsample_samples
from app.services.publishing.content_version import ContentChange, current_version, subscribe
from app.sources.genai_prices import default_providers
from tests.support.auth import (
    PASSWORD,
    make_admin,
    other_client,
    session_token,
    sign_in,
    sign_out,
    sign_up,
    unique_email,
)
from tests.support.community_data import make_model
from tests.support.database_templates import database_copy
from tests.support.fake_openrouter import FakeOpenRouter
from tests.support.metrics_refresh import (
    SeededDatabase,
    refresh_settings,
    run_refresh_job,
    seeded_database,
)
from tests.support.page_cache import fetch, page_cache_of, primed, served_from_cache, settle

MODEL_PATH = f"/models/{REFERENCE_MODEL_SLUG}"
DISPLAY_NAME = "Cache Tester"
NEW_PASSWORD = "a different passphrase, long enough"


class Community:
    """A signed-in writer and an anonymous reader of one app, its cache settled."""

    def __init__(self, client: TestClient, engine: Engine, session: Session) -> None:
        self.writer = client
        self.reader = other_client(client)
        self.engine = engine
        self.session = session
        self.email = unique_email("cache")
        self.token = sign_up(client, email=self.email, display_name=DISPLAY_NAME)
        settle(client.app)

    def prime(self) -> str:
        return primed(self.reader, MODEL_PATH, self.engine).text

    def read(self) -> str:
        response = self.reader.get(MODEL_PATH)
        assert response.status_code == 200
        return response.text

    def post(self, url: str, **fields: str) -> None:
        response = self.writer.post(
            url, data={"csrf_token": self.token, **fields}, follow_redirects=False
        )
        assert response.status_code == 303, response.text[:500]

    def comment(self, body: str) -> int:
        self.post(f"{MODEL_PATH}/comments", body=body)
        return self.session.scalars(select(Comment.id).where(Comment.body == body)).one()


@pytest.fixture
def community(client: TestClient, catalog_engine: Engine, catalog_session: Session) -> Community:
    return Community(client, catalog_engine, catalog_session)


def test_a_rating_shows_at_once(community: Community) -> None:
    assert "No ratings yet." in community.prime()

    community.post(f"{MODEL_PATH}/rating", stars="4")

    page = community.read()
    assert "1 rating" in page
    assert "No ratings yet." not in page


def test_a_new_comment_shows_at_once(community: Community) -> None:
    assert "Cached pages must show this" not in community.prime()

    community.comment("Cached pages must show this")

    assert "Cached pages must show this" in community.read()


def test_an_edited_comment_shows_its_new_text(community: Community) -> None:
    comment_id = community.comment("First draft of a comment")
    assert "First draft of a comment" in community.prime()

    community.post(f"/comments/{comment_id}/edit", body="Second thoughts, edited")

    page = community.read()
    assert "Second thoughts, edited" in page
    assert "First draft of a comment" not in page


def test_a_deleted_comment_disappears(community: Community) -> None:
    comment_id = community.comment("Soon to be deleted")
    assert "Soon to be deleted" in community.prime()

    community.post(f"/comments/{comment_id}/delete")

    assert "Soon to be deleted" not in community.read()


def test_hiding_and_unhiding_a_comment_show_at_once(community: Community) -> None:
    make_admin(community.writer, community.email)
    comment_id = community.comment("Moderate me")
    assert "Moderate me" in community.prime()

    community.post(f"/comments/{comment_id}/hide")
    hidden = community.read()
    assert "Moderate me" not in hidden
    assert "This comment was hidden by a moderator." in hidden

    primed(community.reader, MODEL_PATH, community.engine)
    community.post(f"/comments/{comment_id}/unhide")
    assert "Moderate me" in community.read()


def test_deleting_an_account_shows_its_comments_by_deleted_user(community: Community) -> None:
    community.comment("Written before leaving")
    community.post(f"{MODEL_PATH}/rating", stars="5")
    before = community.prime()
    assert DISPLAY_NAME in before
    assert "1 rating" in before

    response = community.writer.post(
        "/account/delete",
        data={"csrf_token": community.token, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303

    after = community.read()
    assert "Written before leaving" in after
    assert DISPLAY_NAME not in after
    assert "deleted user" in after
    assert "No ratings yet." in after


def test_a_name_changed_by_hand_shows_where_its_person_wrote(community: Community) -> None:
    community.comment("Signed with my first name")
    assert DISPLAY_NAME in community.prime()
    person = community.session.scalars(select(User).where(User.email == community.email)).one()

    person.display_name = "Renamed Tester"
    community.session.commit()

    page = community.read()
    assert "Renamed Tester" in page
    assert DISPLAY_NAME not in page


def test_signing_in_out_and_changing_a_password_leave_the_pages_cached(
    community: Community,
) -> None:
    community.comment("My name shows here, my password does not")
    version = current_version(community.session)
    community.prime()
    listener = ChangeRecorder()
    subscribe(listener)

    other = other_client(community.writer)
    token = sign_in(other, email=community.email)
    response = other.post(
        "/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    sign_out(other, session_token(other))

    served_from_cache(community.reader, MODEL_PATH, community.engine)
    community.session.rollback()
    assert current_version(community.session) == version
    assert listener.changes == []


class ChangeRecorder:
    def __init__(self) -> None:
        self.changes: list[ContentChange] = []

    def content_changed(self, change: ContentChange) -> None:
        self.changes.append(change)


# --- jobs and imports, committed on databases of their own ------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "pagecache") as seeded:
        yield seeded


@pytest.fixture
def reader(database: SeededDatabase) -> TestClient:
    app = create_app(Settings(environment="test", database_url=database.url))
    settle(app)
    return TestClient(app)


def _engine(client: TestClient) -> Engine:
    return client.app.state.engine


def test_a_metrics_refresh_shows_the_new_figures(
    database: SeededDatabase, reader: TestClient
) -> None:
    before = primed(reader, MODEL_PATH, _engine(reader)).text
    assert not re.search(r"\b102\s*tok/s", before)

    with FakeOpenRouter() as fake:
        run_refresh_job(database, refresh_settings(database.url, fake))

    assert re.search(r"\b102\s*tok/s", reader.get(MODEL_PATH).text)


def test_a_popularity_refresh_shows_the_new_downloads(
    database: SeededDatabase,
    reader: TestClient,
    hub_url: str,
) -> None:
    with session_scope(database.factory) as session:
        session.execute(
            update(Model)
            .where(Model.slug == REFERENCE_MODEL_SLUG)
            .values(weights="open", hf_repo_id="lab/popular")
        )
    assert "none recorded for this model yet" in primed(reader, MODEL_PATH, _engine(reader)).text

    settings = Settings(environment="test", database_url=database.url, hf_base_url=hub_url)
    with session_scope(database.factory) as session:
        refresh_popularity(session=session, settings=settings, now=utcnow())

    assert '<data value="1234">' in reader.get(MODEL_PATH).text


def test_downsampling_renders_the_pages_again(database: SeededDatabase, reader: TestClient) -> None:
    primed(reader, MODEL_PATH, _engine(reader))

    with session_scope(database.factory) as session:
        merged = downsample_samples(
            session=session, now=utcnow() + timedelta(days=400), keep_raw=timedelta(days=1)
        )

    assert merged > 0
    assert len(page_cache_of(reader.app).store) == 0
    response, statements = fetch(reader, MODEL_PATH, _engine(reader))
    assert response.status_code == 200
    assert statements


def test_a_genai_prices_import_shows_the_new_prices(
    database: SeededDatabase, reader: TestClient
) -> None:
    cache_price = "Cached input (read): $0.015 per 1M tokens"
    assert cache_price not in primed(reader, MODEL_PATH, _engine(reader)).text

    mistral = [provider for provider in default_providers() if provider.id == "mistral"]
    with session_scope(database.factory) as session:
        import_genai_prices(session=session, providers=mistral)

    assert cache_price in reader.get(MODEL_PATH).text


def test_a_model_renamed_by_hand_shows_its_new_name(
    database: SeededDatabase, reader: TestClient
) -> None:
    """As an administrator's one-off edit or a command would: a plain ORM change, committed."""
    assert "Renamed by hand" not in primed(reader, MODEL_PATH, _engine(reader)).text

    with session_scope(database.factory) as session:
        model = session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
        model.name = "Renamed by hand"

    assert "Renamed by hand" in reader.get(MODEL_PATH).text


def test_seeding_renders_the_pages_again(tmp_path: Path) -> None:
    with database_copy("migrated", tmp_path, "pagecache_seed") as url:
        engine = make_engine(url)
        try:
            factory = make_session_factory(engine)
            with session_scope(factory) as session:
                make_model(session, "testlab/test-model")
            client = TestClient(create_app(Settings(environment="test", database_url=url)))
            settle(client.app)
            primed(client, "/models/testlab/test-model", client.app.state.engine)

            with session_scope(factory) as session:
                assert seed_reference(session=session)

            assert len(page_cache_of(client.app).store) == 0
            assert "Mistral Small 4" in client.get(MODEL_PATH).text
        finally:
            engine.dispose()
