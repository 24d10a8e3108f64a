"""The page cache without a database: what is stored, what is served, LRU bounds, tokens.

The middleware wraps a fake page that numbers its renders, so a test sees at
once whether an answer came from the app (a new number) or the cache (an old one).
"""

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from app.web.caching.page_cache import (
    PageCache,
    PageCacheMiddleware,
    is_page_path,
)
from app.web.caching.page_cache_stores import CachedPage, CacheKey, MemoryPageStore, Token
from tests.support.page_cache import FakeClock

PAGE = "/models/lab/model"
OTHER_PAGE = "/models/lab/other"


class NumberedPage:
    """An ASGI app answering like the model page route, its body numbering each render."""

    def __init__(self) -> None:
        self.renders = 0
        self.status = 200
        self.route = "models.page"
        self.headers: list[tuple[bytes, bytes]] = [(b"vary", b"HX-Request")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.renders += 1
        scope["route"] = SimpleNamespace(name=self.route)
        body = f"render {self.renders}".encode()
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *self.headers,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Harness:
    def __init__(self, *, max_entries: int = 100, max_bytes: int = 1_000_000) -> None:
        self.page = NumberedPage()
        self.clock = FakeClock()
        self.version = 0
        self.store = MemoryPageStore(max_entries=max_entries, max_bytes=max_bytes, max_age=60)
        self.cache = PageCache(
            store=self.store,
            database="sqlite:///unit",
            read_version=lambda: self.version,
            check_seconds=1.0,
            clock=self.clock,
        )
        self.store.reconcile(self.version)
        self.cache.next_check = self.clock() + 1.0
        self.client = TestClient(PageCacheMiddleware(self.page, self.cache))

    def get(self, url: str = PAGE, **headers: str) -> str:
        response = self.client.get(url, headers=headers)
        return response.text


@pytest.fixture
def harness() -> Iterator[Harness]:
    yield Harness()


def test_a_second_get_is_answered_from_the_cache(harness: Harness) -> None:
    assert harness.get() == "render 1"
    assert harness.get() == "render 1"
    assert harness.page.renders == 1


def test_query_string_and_htmx_headers_are_part_of_the_key(harness: Harness) -> None:
    answers = [
        harness.get(),
        harness.get(f"{PAGE}?preset=chatbot"),
        harness.get(f"{PAGE}?preset=chatbot", **{"HX-Request": "true"}),
        harness.get(PAGE, **{"HX-Request": "true", "HX-History-Restore-Request": "true"}),
        harness.get(f"{PAGE}?b=2&a=1"),
        harness.get(f"{PAGE}?a=1&b=2"),
    ]
    assert answers == [f"render {n}" for n in range(1, 7)]
    assert harness.get(f"{PAGE}?preset=chatbot", **{"HX-Request": "true"}) == "render 3"


def test_signed_in_requests_are_neither_served_nor_stored(harness: Harness) -> None:
    harness.get()
    for cookie in ("modelatlas_session=abc", "__Host-modelatlas_session=abc"):
        assert harness.get(Cookie=f"theme=dark; {cookie}") != "render 1"
    assert harness.get(Cookie="modelatlas_session=abc") == "render 4"
    assert len(harness.store) == 1


def test_the_anonymous_csrf_cookie_does_not_make_a_visitor_signed_in(harness: Harness) -> None:
    harness.get()
    assert harness.get(Cookie="modelatlas_csrf=" + "x" * 43) == "render 1"


@pytest.mark.parametrize(
    "header",
    [
        (b"set-cookie", b"modelatlas_csrf=abc; Path=/"),
        (b"cache-control", b"private, no-store"),
        (b"cache-control", b"No-Store"),
        (b"vary", b"Cookie"),
        (b"vary", b"HX-Request, Accept-Encoding"),
    ],
    ids=["set-cookie", "private", "no-store", "vary-cookie", "vary-encoding"],
)
def test_answers_for_one_visitor_are_not_stored(
    harness: Harness, header: tuple[bytes, bytes]
) -> None:
    harness.page.headers = [header]
    harness.get()
    harness.get()
    assert harness.page.renders == 2
    assert len(harness.store) == 0


def test_only_200s_of_the_model_page_route_are_stored(harness: Harness) -> None:
    harness.page.status = 422
    harness.get()
    harness.page.status = 200
    harness.page.route = "community.thread"
    harness.get()
    assert len(harness.store) == 0
    assert harness.page.renders == 2


def test_other_addresses_and_methods_pass_through(harness: Harness) -> None:
    for path in ("/", "/models", f"{PAGE}/comments", f"{PAGE}/", "/modelsx/lab/model"):
        harness.get(path)
    harness.client.post(PAGE)
    assert harness.page.renders == 6
    assert len(harness.store) == 0


def test_an_etag_is_sent_and_a_matching_if_none_match_gets_304(harness: Harness) -> None:
    first = harness.client.get(PAGE)
    etag = first.headers["etag"]
    assert etag.startswith('"') and len(etag) == 34

    for validator in (etag, f'"nope", W/{etag}', "*"):
        revalidated = harness.client.get(PAGE, headers={"If-None-Match": validator})
        assert revalidated.status_code == 304
        assert revalidated.content == b""
        assert revalidated.headers["etag"] == etag
        assert revalidated.headers["vary"] == "HX-Request"
    assert harness.client.get(PAGE, headers={"If-None-Match": '"nope"'}).status_code == 200


def test_the_first_answer_already_honours_if_none_match() -> None:
    etag = CachedPage.build([], b"render 1").etag.decode()
    harness = Harness()

    assert harness.client.get(PAGE, headers={"If-None-Match": etag}).status_code == 304
    assert harness.get() == "render 1"


def test_head_is_answered_from_a_page_a_get_stored(harness: Harness) -> None:
    assert harness.client.head(PAGE).status_code == 200
    assert len(harness.store) == 0
    harness.get()
    head = harness.client.head(PAGE)
    assert head.content == b""
    assert head.headers["content-length"] == str(len("render 2"))
    assert harness.page.renders == 2


def test_the_content_version_is_read_once_per_interval_and_a_move_empties_the_cache(
    harness: Harness,
) -> None:
    reads = []
    harness.cache.read_version = lambda: reads.append(1) or harness.version
    harness.get()
    harness.version = 7
    assert harness.get() == "render 1"
    assert reads == []

    harness.clock.advance(1.0)
    assert harness.get() == "render 2"
    assert harness.get() == "render 2"
    assert reads == [1]


def test_pages_expire_after_their_max_age(harness: Harness) -> None:
    harness.get()
    harness.cache.next_check = float("inf")
    harness.clock.advance(59)
    assert harness.get() == "render 1"
    harness.clock.advance(1)
    assert harness.get() == "render 2"


# --- the memory store -------------------------------------------------------------------
# Its coroutines run on a portal's event loop, in a thread of their own, as the app's do
# under TestClient: the test session's main thread may already have a loop running.


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as running:
        yield running


class Store:
    """A memory store driven from synchronous tests."""

    def __init__(self, portal: BlockingPortal, **limits: int) -> None:
        self.portal = portal
        self.store = MemoryPageStore(
            **{"max_entries": 100, "max_bytes": 1_000_000, **limits}, max_age=60
        )

    def token(self, cache_key: CacheKey) -> Token:
        _, token = self.portal.call(self.store.lookup, cache_key, 0)
        return token

    def put(self, cache_key: CacheKey, body: bytes, token: Token | None = None) -> None:
        token = self.token(cache_key) if token is None else token
        self.portal.call(self.store.store, cache_key, page(body), token, 0)

    def get(self, cache_key: CacheKey) -> bytes | None:
        found, _ = self.portal.call(self.store.lookup, cache_key, 0)
        return None if found is None else found.body


def key(path: str = PAGE, query: bytes = b"") -> CacheKey:
    return ("http", b"testserver", path, query, b"", b"")


def page(body: bytes) -> CachedPage:
    return CachedPage.build([(b"content-type", b"text/html")], body)


def test_the_least_recently_used_page_goes_first(portal: BlockingPortal) -> None:
    pages = Store(portal, max_entries=2)
    pages.put(key(query=b"a"), b"a")
    pages.put(key(query=b"b"), b"b")
    assert pages.get(key(query=b"a")) == b"a"
    pages.put(key(query=b"c"), b"c")

    assert len(pages.store) == 2
    assert pages.get(key(query=b"b")) is None
    assert pages.get(key(query=b"a")) == b"a"


def test_the_byte_limit_holds_and_a_page_above_it_is_not_kept(portal: BlockingPortal) -> None:
    size = page(b"x" * 1000).size
    pages = Store(portal, max_bytes=size * 3)
    for letter in b"abcde":
        pages.put(key(query=bytes([letter])), b"x" * 1000)
    assert len(pages.store) == 3
    assert pages.store.total_bytes == size * 3

    pages.put(key(query=b"big"), b"x" * (size * 3))
    assert pages.get(key(query=b"big")) is None
    assert len(pages.store) == 3


def test_evicting_a_path_drops_all_its_variants_and_nothing_else(portal: BlockingPortal) -> None:
    pages = Store(portal)
    pages.put(key(), b"plain")
    pages.put(key(query=b"preset=chatbot"), b"calculator")
    pages.put(key(OTHER_PAGE), b"other")

    pages.store.evict_paths([PAGE])

    assert pages.get(key()) is None
    assert pages.get(key(query=b"preset=chatbot")) is None
    assert pages.get(key(OTHER_PAGE)) == b"other"
    assert pages.store.total_bytes == page(b"other").size


def test_a_page_rendered_before_an_eviction_is_not_stored_after_it(
    portal: BlockingPortal,
) -> None:
    pages = Store(portal)
    before_path_eviction = pages.token(key())
    other_path_token = pages.token(key(OTHER_PAGE))
    pages.store.evict_paths([PAGE])
    pages.put(key(), b"stale", before_path_eviction)
    pages.put(key(OTHER_PAGE), b"fine", other_path_token)
    assert pages.get(key()) is None
    assert pages.get(key(OTHER_PAGE)) == b"fine"

    before_clear = pages.token(key(OTHER_PAGE, b"q"))
    pages.store.clear()
    pages.put(key(OTHER_PAGE, b"q"), b"stale", before_clear)
    assert pages.get(key(OTHER_PAGE, b"q")) is None


def test_reconcile_clears_on_a_new_version_and_advance_follows_own_writes(
    portal: BlockingPortal,
) -> None:
    pages = Store(portal)
    pages.put(key(), b"page")
    assert pages.store.reconcile(5) is True  # never saw a version: its pages may predate any
    pages.put(key(), b"page")
    assert pages.store.reconcile(5) is False
    assert len(pages.store) == 1

    pages.store.advance(5, 6)  # this process's own write, already evicted
    assert pages.store.reconcile(6) is False
    pages.store.advance(5, 7)  # not from the version it holds: someone else wrote in between
    assert pages.store.reconcile(7) is True
    assert len(pages.store) == 0


@pytest.mark.parametrize(
    ("path", "cached"),
    [
        ("/models/mistral/mistral-small-2603", True),
        ("/models/mistral", False),
        ("/models/mistral/mistral-small-2603/", False),
        ("/models/mistral/mistral-small-2603/comments", False),
        ("/model/mistral/x", False),
    ],
)
def test_only_model_page_addresses_are_cached(path: str, cached: bool) -> None:
    assert is_page_path(path) is cached
