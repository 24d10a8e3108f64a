"""The anonymous page cache: model pages answered from memory (or Redis), before FastAPI runs.

Why a pure ASGI middleware: routing and dependency injection alone cost more
than a cached answer may, so a hit is sent from here with no database query,
no routing and no template: the status, header list and body were prepared
when the page was stored, with a strong ETag, and an `If-None-Match` naming it
gets a 304.

What is cached: `GET /models/{author}/{slug}` answered by the model page
route with 200, without `Set-Cookie`, without `Cache-Control: private` or
`no-store`, and varying on nothing but the HX headers; asked by an anonymous
visitor (no session cookie; the anonymous CSRF cookie does not count, as
the model page uses no token). The key is the request as sent, nothing
normalised: scheme, host, path, query string (the calculator's parameters)
and the `HX-Request` and `HX-History-Restore-Request` headers (the calculator
fragment is a different answer of the same address). HEAD is answered from
the page a GET stored (a HEAD miss goes to the app, and stores nothing).
Invalid calculator input (422) is rendered every time: it is rare, and a
cache filled by typos helps nobody.

Invalidation (see `services.publishing.content_version`):
- a write in this process evicts, once committed, the pages of the models it
  changed (a rating on model A leaves model B's page alone), or every page
  after a bulk write;
- a write in another process moves the database's content version; the
  cache reads it at most once per `page_cache_check_seconds`, on the first
  hit after the interval (in a worker thread; other requests go on being
  served meanwhile), and empties itself when it has moved. So another
  process's write shows within that interval plus one query. (A cache's
  first check empties it too: what it stored before may predate any version
  it knows.) With Redis, the evictions and the emptying are shared: one
  process's check serves them all;
- every page also expires `page_cache_max_age_seconds` after it was stored,
  because some of what it shows depends on the clock alone (figures become
  "stale" when the refresh has not run for a while).

Where it sits: inside the request log (hits are logged like any request) and
the security headers (hits carry them), outside the middleware that adds
queued cookies (so a response that sets one is seen, and not stored).
"""

import hashlib
import logging
import time
from collections.abc import Callable

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.services.publishing import content_version
from app.services.publishing.content_version import ContentChange
from app.web.caching.etags import etag_matches
from app.web.caching.page_cache_stores import (
    CachedPage,
    CacheKey,
    MemoryPageStore,
    PageStore,
    RedisPageStore,
    Token,
)
from app.web.middleware.visitor import SESSION_COOKIE

logger = logging.getLogger("app.page_cache")

PAGE_PREFIX = "/models/"
PAGE_ROUTE = "models.page"
# "modelatlas_session=" also matches the HTTPS name, "__Host-modelatlas_session=".
SESSION_COOKIE_NEEDLE = f"{SESSION_COOKIE}=".encode()
CACHEABLE_VARY = frozenset({b"hx-request", b"hx-history-restore-request"})
# HEAD is answered from a page a GET stored; a HEAD miss goes to the app and stores nothing.
CACHED_METHODS = frozenset({"GET", "HEAD"})
# How long an unreachable store is left alone before it is asked again.
STORE_RETRY_SECONDS = 5.0


def is_page_path(path: str) -> bool:
    """True for `/models/{author}/{slug}`, the only address cached."""
    return path.startswith(PAGE_PREFIX) and path.count("/") == 3 and not path.endswith("/")


def page_path(model_slug: str) -> str:
    """The address of a model's page: a model's slug is `author/model-id`."""
    return f"{PAGE_PREFIX}{model_slug}"


class PageCache:
    """Which answers are kept, the store that keeps them, and keeping it in step with writes."""

    def __init__(
        self,
        *,
        store: PageStore,
        database: str,
        read_version: Callable[[], int],
        check_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.database = database
        self.read_version = read_version
        self.check_seconds = check_seconds
        self.clock = clock
        self.next_check = 0.0
        self._unreachable_until: float | None = None
        content_version.subscribe(self)

    async def lookup(self, key: CacheKey) -> tuple[CachedPage | None, Token | None]:
        """The stored page for `key`, checked against the database when a check is due.

        Without a page, the token to keep the rendered page with; None when the
        store cannot be reached (the app answers, and nothing is kept).
        """
        now = self.clock()
        if self._unreachable_until is not None and now < self._unreachable_until:
            return None, None
        try:
            page, token = await self.store.lookup(key, now)
            if page is not None and now >= self.next_check:
                self.next_check = now + self.check_seconds
                await self.check_version()
                page, token = await self.store.lookup(key, now)
        except Exception:
            self._note_failure(now)
            return None, None
        self._unreachable_until = None
        return page, token

    async def keep(self, key: CacheKey, page: CachedPage, token: Token) -> None:
        """Keep a freshly rendered page (unless something changed while it was rendered)."""
        now = self.clock()
        try:
            await self.store.store(key, page, token, now)
        except Exception:
            self._note_failure(now)

    def _note_failure(self, now: float) -> None:
        """Leave an unreachable store alone for a while, and say so once per outage.

        Asking a Redis that is down costs each request a connection timeout;
        meanwhile pages are rendered as if there were no cache.
        """
        if self._unreachable_until is None:
            logger.warning(
                "page cache: the store cannot be reached; serving uncached", exc_info=True
            )
        self._unreachable_until = now + STORE_RETRY_SECONDS

    async def check_version(self) -> None:
        """Empty the store when the database's content version moved (a worker thread's work)."""
        try:
            await anyio.to_thread.run_sync(self._reconcile)
        except Exception:
            # The database (or Redis) cannot be reached: nobody can write either, so the
            # pages are as current as they can be. Try again at the next interval.
            logger.warning("page cache: could not check the content version", exc_info=True)

    def _reconcile(self) -> None:
        if self.store.reconcile(self.read_version()):
            logger.info("page cache emptied: the content version moved (or was first read)")

    def content_changed(self, change: ContentChange) -> None:
        """A write committed in this process: evict what it changed, at once."""
        if change.database != self.database:
            return
        if change.model_slugs is None:
            self.store.clear()
        else:
            self.store.evict_paths(page_path(slug) for slug in change.model_slugs)
        self.store.advance(change.before, change.after)


class PageCacheMiddleware:
    """Answer anonymous model-page GETs (and HEADs) from the cache; store what misses render."""

    def __init__(self, app: ASGIApp, cache: PageCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in CACHED_METHODS
            or not is_page_path(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        request = _anonymous_request(scope)
        if request is None:
            await self.app(scope, receive, send)
            return
        key, if_none_match = request
        page, token = await self.cache.lookup(key)
        if page is not None:
            await _send_page(send, page, if_none_match, with_body=scope["method"] == "GET")
            return
        if token is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        recorder = _Recorder(self.cache, scope, send, key, token, if_none_match)
        await self.app(scope, receive, recorder.send)


def _anonymous_request(scope: Scope) -> tuple[CacheKey, bytes | None] | None:
    """The cache key and If-None-Match of an anonymous request; None for a signed-in one."""
    host = hx_request = hx_restore = b""
    if_none_match = None
    for name, value in scope["headers"]:
        if name == b"cookie":
            if SESSION_COOKIE_NEEDLE in value:
                return None
        elif name == b"host":
            host = value
        elif name == b"hx-request":
            hx_request = value
        elif name == b"hx-history-restore-request":
            hx_restore = value
        elif name == b"if-none-match":
            if_none_match = value
    key = (scope["scheme"], host, scope["path"], scope["query_string"], hx_request, hx_restore)
    return key, if_none_match


async def _send_page(
    send: Send, page: CachedPage, if_none_match: bytes | None, *, with_body: bool = True
) -> None:
    if if_none_match is not None and etag_matches(
        if_none_match.decode("latin-1"), page.etag.decode("latin-1")
    ):
        await send(
            {
                "type": "http.response.start",
                "status": 304,
                "headers": list(page.not_modified_headers),
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    # A fresh list each time: outer middleware edits the header list it is given.
    await send({"type": "http.response.start", "status": 200, "headers": list(page.headers)})
    await send({"type": "http.response.body", "body": page.body if with_body else b""})


def _storable(scope: Scope, start: Message) -> bool:
    """True for a 200 of the model page route that is the same for every anonymous visitor."""
    if start["status"] != 200 or getattr(scope.get("route"), "name", None) != PAGE_ROUTE:
        return False
    for name, value in start["headers"]:
        lowered = name.lower()
        if lowered in (b"set-cookie", b"etag"):
            return False
        if lowered == b"cache-control" and (
            b"private" in value.lower() or b"no-store" in value.lower()
        ):
            return False
        if (
            lowered == b"vary"
            and not {part.strip().lower() for part in value.split(b",")} <= CACHEABLE_VARY
        ):
            return False
    return True


class _Recorder:
    """The `send` of a cache miss: passes the answer on, keeping it first if it is storable."""

    def __init__(
        self,
        cache: PageCache,
        scope: Scope,
        send: Send,
        key: CacheKey,
        token: Token,
        if_none_match: bytes | None,
    ) -> None:
        self.cache = cache
        self.scope = scope
        self.downstream = send
        self.key = key
        self.token = token
        self.if_none_match = if_none_match
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and _storable(self.scope, message):
            self.start = message
            return
        if self.start is None or message["type"] != "http.response.body":
            await self.downstream(message)
            return
        self.chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            await self._finish(self.start)

    async def _finish(self, start: Message) -> None:
        page = CachedPage.build(_headers(start), b"".join(self.chunks))
        await self.cache.keep(self.key, page, self.token)
        await _send_page(self.downstream, page, self.if_none_match)


def _headers(start: Message) -> list[tuple[bytes, bytes]]:
    return [(bytes(name).lower(), bytes(value)) for name, value in start["headers"]]


def install_page_cache(app: FastAPI, settings: Settings) -> None:
    """Add the page cache to `app` as its settings say (nothing when it is off).

    The content version is read through `app.state.session_factory` at each
    check, so an app whose factory is replaced (as tests do) checks the same
    database its routes read.
    """
    if not settings.page_cache:
        app.state.page_cache = None
        return
    database = str(app.state.engine.url)

    def read_version() -> int:
        with app.state.session_factory() as session:
            return content_version.current_version(session)

    cache = PageCache(
        store=_store(settings, database, app.state.release),
        database=database,
        read_version=read_version,
        check_seconds=settings.page_cache_check_seconds,
    )
    app.state.page_cache = cache
    app.add_middleware(PageCacheMiddleware, cache=cache)


def _store(settings: Settings, database: str, release: str) -> PageStore:
    if settings.page_cache_url:
        return RedisPageStore(
            settings.page_cache_url,
            namespace=_namespace(database),
            release=release,
            max_bytes=settings.page_cache_max_bytes,
            max_age=settings.page_cache_max_age_seconds,
        )
    return MemoryPageStore(
        max_entries=settings.page_cache_max_entries,
        max_bytes=settings.page_cache_max_bytes,
        max_age=settings.page_cache_max_age_seconds,
    )


def _namespace(database: str) -> str:
    return hashlib.blake2b(database.encode(), digest_size=8).hexdigest()
