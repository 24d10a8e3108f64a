"""What a first visit to a page costs: HTML and JavaScript bytes, and where requests go.

Sizes are what a visitor downloads compressed: each body gzipped at level 6
(zlib's default, what a typical proxy is set to), not what this server sends,
so the figure does not depend on where compression happens. Every URL the
page makes the browser fetch (scripts, stylesheets, icons, images, the
stylesheets' own `url()`s, and htmx's `hx-get`/`hx-post`... requests) must be
same-origin; the page's static assets should be cacheable for a long time
and carry a content hash in their names, so that caching them is safe.
"""

import gzip
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

GZIP_LEVEL = 6
LONG_LIVED_SECONDS = 30 * 24 * 3600
# Resource hints and icons are fetched by the browser; navigation links are not.
FETCHED_LINK_RELS = frozenset(
    {"stylesheet", "icon", "apple-touch-icon", "mask-icon", "manifest", "preload",
     "modulepreload", "prefetch"}
)  # fmt: skip
HTMX_REQUEST_ATTRIBUTES = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete")
SOURCE_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?(?P<url>[^'")\s]+)|@import\s+['"](?P<import>[^'"]+)""")
_MAX_AGE = re.compile(r"max-age=(?P<seconds>\d+)")
_HASHED_NAME = re.compile(r"[.-][0-9a-fA-F]{8,}\.\w+$")


class _ReferenceCollector(HTMLParser):
    """The URLs a page makes the browser fetch, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.assets: list[str] = []
        self.htmx_requests: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value}
        rels = set((values.get("rel") or "").lower().split())
        if tag == "link" and rels & FETCHED_LINK_RELS and "href" in values:
            self.assets.append(values["href"])
        for attribute in SOURCE_ATTRIBUTES.get(tag, ()):
            if attribute in values:
                found = (
                    _srcset_urls(values[attribute])
                    if attribute == "srcset"
                    else [values[attribute]]
                )
                self.assets.extend(found)
                if tag == "script":
                    self.scripts.extend(found)
        self.htmx_requests.extend(
            values[name] for name in HTMX_REQUEST_ATTRIBUTES if name in values
        )


def _srcset_urls(srcset: str) -> list[str]:
    """The URLs of a `srcset` ("a.png 1x, b.png 2x")."""
    return [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]


def gzipped_size(body: bytes) -> int:
    """Bytes of `body` gzipped at GZIP_LEVEL (mtime fixed, so the size is reproducible)."""
    return len(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))


def is_same_origin(url: str, page_url: str) -> bool:
    """True when fetching `url` (resolved against the page) stays on the page's origin."""
    resolved = urlsplit(urljoin(page_url, url))
    if resolved.scheme == "data":
        return True
    page = urlsplit(page_url)
    return (resolved.scheme, resolved.netloc) == (page.scheme, page.netloc)


def max_age_seconds(cache_control: str | None) -> int:
    """The `max-age` a Cache-Control header allows; 0 when absent or `no-store`."""
    found = _MAX_AGE.search(cache_control or "")
    if found is None or "no-store" in (cache_control or ""):
        return 0
    return int(found["seconds"])


def has_content_hash(url: str) -> bool:
    """True when the file name carries a hash (`app.3f9a2b1c.js`), so it can be cached forever."""
    return bool(_HASHED_NAME.search(urlsplit(url).path))


@dataclass(frozen=True)
class PageWeight:
    """Sizes of a page and its scripts, and the assets that break a rule."""

    url: str
    html_bytes: int
    html_gzip_bytes: int
    script_gzip_bytes: dict[str, int]
    assets: list[str]
    third_party: list[str] = field(default_factory=list)
    short_lived: list[str] = field(default_factory=list)
    unhashed: list[str] = field(default_factory=list)

    @property
    def js_gzip_bytes(self) -> int:
        """Every script the page loads, gzipped, added up."""
        return sum(self.script_gzip_bytes.values())


def weigh_page(base_url: str, path: str) -> PageWeight:
    """Fetch the page and everything it loads, as a first-time visitor, and measure them.

    Each request goes out on its own, without cookies, as an anonymous visitor's would.
    """
    page = _fetch(f"{base_url}{path}")
    page.raise_for_status()
    page_url = str(page.url)
    collector = _ReferenceCollector()
    collector.feed(page.text)
    assets = [urljoin(page_url, url) for url in dict.fromkeys(collector.assets)]
    scripts = {urljoin(page_url, url) for url in collector.scripts}
    third_party = [url for url in assets if not is_same_origin(url, page_url)]
    third_party += [url for url in collector.htmx_requests if not is_same_origin(url, page_url)]
    script_sizes: dict[str, int] = {}
    short_lived: list[str] = []
    for url in [url for url in assets if url not in third_party]:
        response = _fetch(url)
        if url in scripts:
            script_sizes[url] = gzipped_size(response.content)
        if max_age_seconds(response.headers.get("cache-control")) < LONG_LIVED_SECONDS:
            short_lived.append(url)
        if response.headers.get("content-type", "").startswith("text/css"):
            third_party += [
                found
                for found in _css_references(response.text, url)
                if not is_same_origin(found, page_url)
            ]
    return PageWeight(
        url=page_url,
        html_bytes=len(page.content),
        html_gzip_bytes=gzipped_size(page.content),
        script_gzip_bytes=script_sizes,
        assets=assets,
        third_party=third_party,
        short_lived=short_lived,
        unhashed=[url for url in assets if not has_content_hash(url)],
    )


def _fetch(url: str) -> httpx.Response:
    """GET `url` uncompressed (sizes are measured here), failing on an error status."""
    response = httpx.get(url, headers={"Accept-Encoding": "identity"})
    response.raise_for_status()
    return response


def _css_references(stylesheet: str, stylesheet_url: str) -> list[str]:
    """The URLs a stylesheet fetches (`url(...)`, `@import`), resolved against it."""
    return [
        urljoin(stylesheet_url, found["url"] or found["import"])
        for found in _CSS_URL.finditer(stylesheet)
    ]
