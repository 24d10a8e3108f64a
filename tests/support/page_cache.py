"""What the page-cache tests share: a clock they move by hand, and a count of queries per request.

The cache checks the database's content version at most once per interval of
its clock; with `FakeClock` a test decides when that interval has passed, so
"served from the cache" and "checked the database" never depend on timing.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from app.web.caching.page_cache import PageCache
from tests.support.listening import listening


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def page_cache_of(app: FastAPI) -> PageCache:
    cache = app.state.page_cache
    assert isinstance(cache, PageCache), "the page cache is off in this app"
    return cache


def settle(app: FastAPI) -> FakeClock:
    """Give the app's page cache a hand-moved clock, already in step with the database.

    A cache that has never read the content version empties itself at its
    first check; settling does that first check now, so the next page stored
    is served from the cache until a test moves the clock or writes.
    """
    cache = page_cache_of(app)
    clock = FakeClock()
    cache.clock = clock
    cache.store.reconcile(cache.read_version())
    cache.next_check = clock() + cache.check_seconds
    return clock


@contextmanager
def statements_on(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` sends while the block runs."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(statement)

    with listening(engine, "before_cursor_execute", record):
        yield statements


def fetch(
    client: TestClient, url: str, engine: Engine, **headers: str
) -> tuple[Response, list[str]]:
    """GET `url`, and the statements the request cost (none when served from the cache)."""
    with statements_on(engine) as statements:
        response = client.get(url, headers=headers)
    return response, statements


def served_from_cache(client: TestClient, url: str, engine: Engine) -> Response:
    """GET `url`, asserting that it was answered from the cache: 200, no query."""
    response, statements = fetch(client, url, engine)
    assert response.status_code == 200, response.text[:300]
    assert statements == [], f"expected a cached answer, the request ran {statements[:3]}"
    return response


def primed(client: TestClient, url: str, engine: Engine) -> Response:
    """Render `url` once into the cache, then prove the next GET is answered from it."""
    first = client.get(url)
    assert first.status_code == 200, first.text[:300]
    cached = served_from_cache(client, url, engine)
    assert cached.content == first.content
    return cached
