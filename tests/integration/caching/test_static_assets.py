"""Static assets: content-hashed names on every page, a year-long cache for those names,
a short one for the plain names, and what the model page makes a first visitor download."""

import base64
import gzip
import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Model
from app.paths import STATIC_DIR
from app.services.ingest.seed import REFERENCE_MODEL_SLUG
from app.web.caching.static_files import (
    IMMUTABLE_CACHE_CONTROL,
    REVALIDATED_CACHE_CONTROL,
    StaticManifest,
    hashed_name,
)
from app.web.render.templating import HTMX_INTEGRITY, HTMX_SCRIPT
from tests.support.community_data import add_comments, make_user

MODEL_PAGE = f"/models/{REFERENCE_MODEL_SLUG}"
HASHED_URL = re.compile(r"/static/(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[a-z]+)?")
PAGES = (MODEL_PAGE, "/", "/providers", "/authors", "/calculator", "/status", "/login", "/docs")
KB = 1000


def asset_urls(html: str) -> list[str]:
    """Every stylesheet, icon and script a page makes the browser fetch.

    `rel="alternate"` links (the Atom feeds) only name another version of the page.
    """
    soup = BeautifulSoup(html, "html.parser")
    links = [
        link["href"]
        for link in soup.find_all("link")
        if link.get("href") and "alternate" not in link.get("rel", [])
    ]
    scripts = [script["src"] for script in soup.find_all("script") if script.get("src")]
    return links + scripts


def gzipped_size(body: bytes) -> int:
    """Bytes after gzip at level 6, what a proxy typically sends."""
    return len(gzip.compress(body, compresslevel=6, mtime=0))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_links_its_assets_by_content_hash(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200

    urls = asset_urls(response.text)

    assert urls
    for url in urls:
        found = HASHED_URL.fullmatch(url)
        assert found, f"{url} on {path} has no content hash"
        plain = f"{found['stem']}{found['suffix'] or ''}"
        expected = hashlib.sha256((STATIC_DIR / plain).read_bytes()).hexdigest()[:12]
        assert found["hash"] == expected


def test_a_hashed_asset_is_the_file_cached_for_a_year(client: TestClient) -> None:
    manifest = StaticManifest.of_directory(STATIC_DIR)

    response = client.get(manifest.url("css/app.css"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content == (STATIC_DIR / "css" / "app.css").read_bytes()


def test_a_revalidated_hashed_asset_keeps_its_year_long_cache(client: TestClient) -> None:
    url = StaticManifest.of_directory(STATIC_DIR).url("js/app.js")
    etag = client.get(url).headers["etag"]

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.headers["cache-control"] == IMMUTABLE_CACHE_CONTROL


def test_the_plain_name_still_works_with_a_short_cache(client: TestClient) -> None:
    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert response.headers["cache-control"] == REVALIDATED_CACHE_CONTROL == "public, max-age=300"


def test_a_hash_that_matches_no_file_is_not_found(client: TestClient) -> None:
    stale = HASHED_URL.fullmatch(StaticManifest.of_directory(STATIC_DIR).url("css/app.css"))
    assert stale is not None

    response = client.get(f"/static/css/app.{'0' * 12}.css")

    assert stale["hash"] != "0" * 12
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    stylesheet = tmp_path / "css" / "app.css"
    stylesheet.write_text("body { color: black; }")
    before = StaticManifest.of_directory(tmp_path).url("css/app.css")

    stylesheet.write_text("body { color: navy; }")
    after = StaticManifest.of_directory(tmp_path).url("css/app.css")

    assert before != after
    assert before.startswith("/static/css/app.") and before.endswith(".css")


def test_hashed_names_keep_the_directory_and_the_last_suffix() -> None:
    digest = hashlib.sha256(b"x").hexdigest()[:12]

    assert hashed_name("vendor/htmx-2.0.11.min.js", b"x") == f"vendor/htmx-2.0.11.min.{digest}.js"
    assert hashed_name("vendor/htmx-LICENSE", b"x") == f"vendor/htmx-LICENSE.{digest}"


def test_an_unknown_asset_is_a_template_error_not_a_broken_link() -> None:
    manifest = StaticManifest.of_directory(STATIC_DIR)

    with pytest.raises(KeyError):
        manifest.url("css/missing.css")


def test_htmx_integrity_matches_the_file_served_under_the_hashed_name(
    client: TestClient,
) -> None:
    page = BeautifulSoup(client.get(MODEL_PAGE).text, "html.parser")
    script = page.find("script", integrity=True)
    assert script is not None and HASHED_URL.fullmatch(script["src"])

    served = client.get(script["src"]).content

    digest = base64.b64encode(hashlib.sha384(served).digest()).decode()
    assert script["integrity"] == HTMX_INTEGRITY == f"sha384-{digest}"
    assert served == (STATIC_DIR / HTMX_SCRIPT).read_bytes()


def _busy_model_page(client: TestClient, catalog_session: Session) -> bytes:
    """The reference page with a full page of comments (the heaviest it gets)."""
    model = catalog_session.scalars(select(Model).where(Model.slug == REFERENCE_MODEL_SLUG)).one()
    author = make_user(catalog_session, "Weigher")
    for comment in add_comments(catalog_session, model, author, 25):
        comment.body = (
            "Switched our support bot to this model; the **bill** dropped by about 60% "
            "and [latency](https://example.com/notes) stayed under a second.\n\n- one\n- two"
        )
    catalog_session.flush()
    return client.get(MODEL_PAGE).content


def test_the_model_page_stays_light(client: TestClient, catalog_session: Session) -> None:
    html = _busy_model_page(client, catalog_session)

    assert html.count(b'class="comment"') == 20
    assert len(html) <= 60 * KB
    assert gzipped_size(html) <= 15 * KB


def test_the_model_page_loads_little_javascript_all_from_this_site(
    client: TestClient,
) -> None:
    html = client.get(MODEL_PAGE).text
    soup = BeautifulSoup(html, "html.parser")
    scripts = [script["src"] for script in soup.find_all("script", src=True)]
    fetched = asset_urls(html) + [
        element[attribute]
        for attribute in ("hx-get", "hx-post")
        for element in soup.find_all(attrs={attribute: True})
    ]

    javascript = sum(gzipped_size(client.get(src).content) for src in scripts)

    assert len(scripts) == 3
    assert javascript <= 20 * KB
    assert all(url.startswith("/") and not url.startswith("//") for url in fetched)
