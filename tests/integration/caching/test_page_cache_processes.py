"""Writes made by other processes, and the Redis cache several processes share.

Another process is a real one: a `python -c` that renames the reference model
in its own committed transaction, as a cron refresh or another worker would
(the commit moves the content version). This process hears nothing of it but the
database counter, which its cache reads once the check interval has passed.

The Redis tests run against 127.0.0.1:6379; without a Redis server they are
skipped locally and fail in CI (where `CI` is set), which must run them.
"""

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from app import main
from app.config import Settings
from app.db import session_scope
from app.main import create_app
from app.models import Model
from app.services.community.ratings import rate_model
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.web.caching.page_cache import STORE_RETRY_SECONDS
from tests.support.community_data import make_model, make_user
from tests.support.metrics_refresh import SeededDatabase, seeded_database
from tests.support.page_cache import (
    FakeClock,
    fetch,
    page_cache_of,
    primed,
    served_from_cache,
    settle,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"
MODEL_PATH = f"/models/{REFERENCE_MODEL_SLUG}"
RENAMED = "Mistral Small 4, renamed elsewhere"
# What a cron job or another worker does: write and commit, in a process of its own that
# imports the services, as every process of the app does (they install the session's hooks).
FOREIGN_WRITE = textwrap.dedent(
    """
    import sys
    from sqlalchemy import update
    from app.db import make_engine, make_session_factory, session_scope
    from app.models import Model
    import app.services

    url, slug, name = sys.argv[1:]
    with session_scope(make_session_factory(make_engine(url))) as session:
        session.execute(update(Model).where(Model.slug == slug).values(name=name))
    """
)


def write_in_another_process(database_url: str, slug: str, name: str) -> None:
    subprocess.run(
        [sys.executable, "-c", FOREIGN_WRITE, database_url, slug, name],
        check=True,
        cwd=REPO_ROOT,
        timeout=120,
    )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SeededDatabase]:
    with seeded_database(tmp_path, "pagecache_processes") as seeded:
        yield seeded


def serving(database: SeededDatabase, **settings: object) -> tuple[TestClient, FakeClock]:
    """A client of a new app ("a process") on the database, and its cache's clock."""
    app = create_app(Settings(environment="test", database_url=database.url, **settings))
    return TestClient(app), settle(app)


def _engine(client: TestClient) -> Engine:
    return client.app.state.engine


def test_another_process_write_shows_after_one_check_interval(database: SeededDatabase) -> None:
    client, clock = serving(database)
    primed(client, MODEL_PATH, _engine(client))

    write_in_another_process(database.url, REFERENCE_MODEL_SLUG, RENAMED)

    within_interval, statements = fetch(client, MODEL_PATH, _engine(client))
    assert statements == []
    assert RENAMED not in within_interval.text

    clock.advance(page_cache_of(client.app).check_seconds)
    assert RENAMED in client.get(MODEL_PATH).text
    primed(client, MODEL_PATH, _engine(client))


def test_a_check_that_finds_no_change_keeps_the_pages(database: SeededDatabase) -> None:
    client, clock = serving(database)
    cached = primed(client, MODEL_PATH, _engine(client))

    clock.advance(page_cache_of(client.app).check_seconds)
    checked, statements = fetch(client, MODEL_PATH, _engine(client))

    assert checked.content == cached.content
    assert len(statements) == 1
    assert "content_versions" in statements[0]


def test_an_unreachable_store_serves_pages_uncached_and_is_retried_later(
    database: SeededDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        Settings(
            environment="test", database_url=database.url, page_cache_url="redis://127.0.0.1:9/0"
        )
    )
    cache = page_cache_of(app)
    clock = cache.clock = FakeClock()
    attempts = []
    lookup = cache.store.lookup

    async def counted_lookup(*args: object):
        attempts.append(clock())
        return await lookup(*args)

    cache.store.lookup = counted_lookup
    client = TestClient(app)
    caplog.set_level(logging.WARNING, logger="app.page_cache")

    answers = [fetch(client, MODEL_PATH, _engine(client)) for _ in range(3)]
    clock.advance(STORE_RETRY_SECONDS)
    answers.append(fetch(client, MODEL_PATH, _engine(client)))

    assert all(response.status_code == 200 and statements for response, statements in answers)
    assert len(attempts) == 2
    assert [r.getMessage() for r in caplog.records if r.name == "app.page_cache"] == [
        "page cache: the store cannot be reached; serving uncached"
    ]


# --- Redis: one cache for several processes --------------------------------------------


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def redis_url() -> str:
    if not _redis_available():
        reason = "no Redis at 127.0.0.1:6379"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the Redis page-cache tests")
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def two_processes(
    database: SeededDatabase, redis_url: str
) -> tuple[tuple[TestClient, FakeClock], tuple[TestClient, FakeClock]]:
    return serving(database, page_cache_url=redis_url), serving(database, page_cache_url=redis_url)


def test_a_page_one_process_stored_is_served_by_another(two_processes) -> None:
    (first, _), (second, _) = two_processes
    rendered = first.get(MODEL_PATH)

    shared, statements = fetch(second, MODEL_PATH, _engine(second))

    assert statements == []
    assert shared.content == rendered.content
    assert shared.headers["etag"] == rendered.headers["etag"]
    revalidated = second.get(MODEL_PATH, headers={"If-None-Match": rendered.headers["etag"]})
    assert revalidated.status_code == 304


def test_one_check_empties_the_shared_cache_for_every_process(
    database: SeededDatabase, two_processes
) -> None:
    (first, first_clock), (second, _) = two_processes
    primed(first, MODEL_PATH, _engine(first))
    primed(second, MODEL_PATH, _engine(second))

    write_in_another_process(database.url, REFERENCE_MODEL_SLUG, RENAMED)
    first_clock.advance(page_cache_of(first.app).check_seconds)

    assert RENAMED in first.get(MODEL_PATH).text
    assert RENAMED in second.get(MODEL_PATH).text  # its own clock has not moved


def test_a_rating_evicts_only_its_model_from_the_shared_cache(
    database: SeededDatabase, two_processes
) -> None:
    (first, _), (second, _) = two_processes
    with session_scope(database.factory) as session:
        other_path = f"/models/{make_model(session, 'otherlab/other-model').slug}"
    for path in (MODEL_PATH, other_path):
        primed(first, path, _engine(first))

    with session_scope(database.factory) as session:
        model = session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
        rater = make_user(session, "Rater")
        rate_model(session=session, model_id=model.id, user_id=rater.id, stars=3)

    assert "1 rating" in second.get(MODEL_PATH).text
    _, statements = fetch(second, other_path, _engine(second))
    assert statements == []


def test_a_new_release_renders_its_own_pages_and_shares_evictions(
    database: SeededDatabase, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous, _ = serving(database, page_cache_url=redis_url)
    primed(previous, MODEL_PATH, _engine(previous))
    monkeypatch.setattr(main, "release_fingerprint", lambda _static: "0123456789ab")
    deployed, _ = serving(database, page_cache_url=redis_url)

    _, statements = fetch(deployed, MODEL_PATH, _engine(deployed))
    assert statements, "the previous release's page is not served"
    served_from_cache(deployed, MODEL_PATH, _engine(deployed))

    with session_scope(database.factory) as session:
        model = session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
        rate_model(session=session, model_id=model.id, user_id=make_user(session, "R").id, stars=5)
    for release in (previous, deployed):
        assert "1 rating" in release.get(MODEL_PATH).text
