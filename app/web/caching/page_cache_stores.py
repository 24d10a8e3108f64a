"""Where the page cache keeps its pages: this process's memory, or Redis shared by several.

Both stores answer the same questions (see `PageStore`) and keep, next to
the pages, the content version they reflect, `seen`: the page cache compares
it with the database's counter (`services.publishing.content_version`) and clears the
store when another process has written.

Stale renders. A page rendered from data read before a write must not be
stored after the write's eviction. Each lookup therefore hands out a token,
the store's generation and the path's generation; `clear` moves the first,
`evict_paths` the second, and a page is only good under the token it was
rendered with. The memory store refuses such a page; the Redis store stores it
with its token and ignores it on lookup, so eviction is one INCR whatever the
number of pages.
"""

import asyncio
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

import redis
import redis.asyncio

# (scheme, host, path, query string, HX-Request, HX-History-Restore-Request): everything
# of a request that the model page's answer depends on, taken as sent.
CacheKey = tuple[str, bytes, str, bytes, bytes, bytes]
PATH: Final = 2
# The generations a page was rendered under (see the module docstring).
Token = tuple[object, object]
NO_TOKEN: Token = (None, None)
# Headers a 304 repeats from the 200 it stands for (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = frozenset({b"etag", b"vary", b"cache-control", b"content-location"})
# What an entry costs beyond its bytes (objects, index): counted against the byte limit.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A response ready to send again: status 200, its headers (ETag included) and body."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: bytes
    not_modified_headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def build(cls, headers: Iterable[tuple[bytes, bytes]], body: bytes) -> "CachedPage":
        """The page for a response's headers and body, with a strong ETag of the body."""
        etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
        return cls.assemble(
            (*((name, value) for name, value in headers if name != b"etag"), (b"etag", etag)),
            body,
            etag,
        )

    @classmethod
    def assemble(
        cls, headers: tuple[tuple[bytes, bytes], ...], body: bytes, etag: bytes
    ) -> "CachedPage":
        """The page from its parts, its ETag already among `headers`."""
        return cls(
            headers=headers,
            body=body,
            etag=etag,
            not_modified_headers=tuple(
                (name, value) for name, value in headers if name in NOT_MODIFIED_HEADERS
            ),
        )

    @property
    def size(self) -> int:
        """Bytes it holds, roughly: what the byte limit counts."""
        header_bytes = sum(len(name) + len(value) for name, value in self.headers)
        return len(self.body) + header_bytes + ENTRY_OVERHEAD


class PageStore(Protocol):
    """Pages by key, evictable by path or all at once, with the content version they reflect.

    Lookups and stores are on the request path (async); evictions come from a
    committing thread and version checks from a worker thread (sync).
    """

    async def lookup(self, key: CacheKey, now: float) -> tuple[CachedPage | None, Token]:
        """The page under `key`, or None and the token a page rendered now must be stored with."""
        ...

    async def store(self, key: CacheKey, page: CachedPage, token: Token, now: float) -> None:
        """Keep `page` under `key`, unless an eviction since `token` makes it stale."""
        ...

    def evict_paths(self, paths: Iterable[str]) -> None:
        """Drop every page of these paths (any query string, any HX headers)."""
        ...

    def clear(self) -> None:
        """Drop every page."""
        ...

    def reconcile(self, version: int) -> bool:
        """Clear when the database's content version is not the one the pages reflect.

        Returns True when it cleared. A store that has never seen a version
        clears too: its pages may predate any version.
        """
        ...

    def advance(self, before: int, after: int) -> None:
        """This process moved the version from `before` to `after` and evicted what changed."""
        ...


@dataclass(slots=True)
class _Entry:
    page: CachedPage
    size: int
    expires_at: float


class MemoryPageStore:
    """An LRU of pages in this process, bounded by entries, bytes and age."""

    def __init__(self, *, max_entries: int, max_bytes: int, max_age: float) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self._by_path: dict[str, set[CacheKey]] = {}
        self._bytes = 0
        self._generation = 0
        self._path_generations: dict[str, int] = {}
        self._seen: int | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_bytes(self) -> int:
        """Bytes held, as the byte limit counts them."""
        return self._bytes

    async def lookup(self, key: CacheKey, now: float) -> tuple[CachedPage | None, Token]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry.expires_at > now:
                    self._entries.move_to_end(key)
                    return entry.page, NO_TOKEN
                self._remove(key)
            return None, self._token(key[PATH])

    async def store(self, key: CacheKey, page: CachedPage, token: Token, now: float) -> None:
        size = page.size
        if size > self.max_bytes:
            return
        with self._lock:
            if token != self._token(key[PATH]):
                return
            if key in self._entries:
                self._remove(key)
            self._entries[key] = _Entry(page=page, size=size, expires_at=now + self.max_age)
            self._by_path.setdefault(key[PATH], set()).add(key)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._remove(next(iter(self._entries)))

    def evict_paths(self, paths: Iterable[str]) -> None:
        with self._lock:
            for path in paths:
                self._path_generations[path] = self._path_generations.get(path, 0) + 1
                for key in list(self._by_path.get(path, ())):
                    self._remove(key)

    def clear(self) -> None:
        with self._lock:
            self._clear()

    def reconcile(self, version: int) -> bool:
        with self._lock:
            if self._seen == version:
                return False
            self._clear()
            self._seen = version
            return True

    def advance(self, before: int, after: int) -> None:
        with self._lock:
            if self._seen == before:
                self._seen = after

    def _token(self, path: str) -> Token:
        return self._generation, self._path_generations.get(path, 0)

    def _clear(self) -> None:
        self._entries.clear()
        self._by_path.clear()
        self._path_generations.clear()
        self._bytes = 0
        self._generation += 1

    def _remove(self, key: CacheKey) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size
        keys = self._by_path[key[PATH]]
        keys.discard(key)
        if not keys:
            del self._by_path[key[PATH]]


# Compare-and-set scripts: one round trip, atomic against other processes.
_RECONCILE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1
"""
_ADVANCE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end
return 0
"""
_LENGTH_BYTES = 4


class RedisPageStore:
    """Pages in Redis, shared by every process that uses the same Redis and database.

    Keys live under `modelatlas:page-cache:<namespace>:` (the namespace names
    the database, so two sites on one Redis stay apart): `page:<digest>` per
    page and release (`app.release`: a deploy's processes never serve the
    previous release's pages, while the two share their evictions), with a
    time to live of `max_age`; `generation` and
    `generation:<path>`, the eviction counters; and `version`, the content
    version the pages reflect. Memory is bounded by the Redis server: give it
    a `maxmemory` and `maxmemory-policy volatile-lru`, which evicts pages (they
    expire) but never the counters (they do not).
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        release: str,
        max_bytes: int,
        max_age: float,
        timeout: float = 1.0,
    ) -> None:
        self.url = url
        self.release = release
        self.max_bytes = max_bytes
        self.max_age_ms = max(1, int(max_age * 1000))
        self.timeout = timeout
        self.prefix = f"modelatlas:page-cache:{namespace}:"
        self._sync = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._reconcile = self._sync.register_script(_RECONCILE)
        self._advance = self._sync.register_script(_ADVANCE)
        self._async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis] | None = None

    async def lookup(self, key: CacheKey, now: float) -> tuple[CachedPage | None, Token]:
        raw, generation, path_generation = await self._client().mget(
            self._page_key(key), self._generation_key(), self._generation_key(key[PATH])
        )
        token = (_text(generation), _text(path_generation))
        if raw is not None:
            stored_token, page = _decode(raw)
            if stored_token == token:
                return page, token
        return None, token

    async def store(self, key: CacheKey, page: CachedPage, token: Token, now: float) -> None:
        if page.size > self.max_bytes:
            return
        await self._client().set(self._page_key(key), _encode(page, token), px=self.max_age_ms)

    def evict_paths(self, paths: Iterable[str]) -> None:
        with self._sync.pipeline(transaction=False) as pipeline:
            for path in paths:
                pipeline.incr(self._generation_key(path))
            pipeline.execute()

    def clear(self) -> None:
        self._sync.incr(self._generation_key())

    def reconcile(self, version: int) -> bool:
        keys = [self._version_key(), self._generation_key()]
        return bool(self._reconcile(keys=keys, args=[version]))

    def advance(self, before: int, after: int) -> None:
        self._advance(keys=[self._version_key()], args=[before, after])

    def _client(self) -> redis.asyncio.Redis:
        """The asyncio client of the running event loop (a client cannot change loops)."""
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
            self._async = (loop, client)
        return self._async[1]

    def _page_key(self, key: CacheKey) -> str:
        digest = hashlib.blake2b(repr((self.release, key)).encode(), digest_size=20).hexdigest()
        return f"{self.prefix}page:{digest}"

    def _generation_key(self, path: str | None = None) -> str:
        return f"{self.prefix}generation" if path is None else f"{self.prefix}generation:{path}"

    def _version_key(self) -> str:
        return f"{self.prefix}version"


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


def _encode(page: CachedPage, token: Token) -> bytes:
    """Length-prefixed JSON (token, headers) then the body: no pickle from a shared server."""
    meta = json.dumps(
        {
            "token": list(token),
            "etag": page.etag.decode("latin-1"),
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")] for name, value in page.headers
            ],
        }
    ).encode()
    return len(meta).to_bytes(_LENGTH_BYTES, "big") + meta + page.body


def _decode(raw: bytes) -> tuple[Token, CachedPage]:
    length = int.from_bytes(raw[:_LENGTH_BYTES], "big")
    meta = json.loads(raw[_LENGTH_BYTES : _LENGTH_BYTES + length])
    headers = tuple(
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in meta["headers"]
    )
    body = raw[_LENGTH_BYTES + length :]
    first, second = meta["token"]
    return (first, second), CachedPage.assemble(headers, body, meta["etag"].encode("latin-1"))
