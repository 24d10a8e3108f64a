"""Security headers on every kind of response, and templates that the strict CSP allows."""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.paths import TEMPLATES_DIR
from app.web.middleware.security_headers import CONTENT_SECURITY_POLICY
from tests.support.auth import htmx_headers

EXPECTED = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
def app(settings: Settings, catalog_factory: sessionmaker[Session]) -> FastAPI:
    app = create_app(settings)
    app.state.session_factory = catalog_factory

    @app.get("/test/boom")
    def boom() -> None:
        raise RuntimeError("deliberate failure for the 500 page")

    @app.get("/test/own-referrer-policy")
    def own_policy() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"Referrer-Policy": "no-referrer"})

    return app


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def https(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


RESPONSES = {
    "html page": ("GET", "/", {}, 200),
    "model page": ("GET", "/models/mistral/mistral-small-2603", {}, 200),
    "htmx fragment": ("GET", "/?q=mistral", {"HX-Request": "true"}, 200),
    "account fragment": ("GET", "/account/menu", {}, 200),
    "json api": ("GET", "/api/v1/models", {}, 200),
    "openapi": ("GET", "/openapi.json", {}, 200),
    "static css": ("GET", "/static/css/app.css", {}, 200),
    "static js": ("GET", "/static/js/app.js", {}, 200),
    "missing static": ("GET", "/static/nope.css", {}, 404),
    "404 page": ("GET", "/no/such/page", {}, 404),
    "redirect": ("GET", "/favicon.ico", {}, 301),
    "sign-in redirect": ("GET", "/account", {}, 303),
    "csrf refusal": ("POST", "/logout", {}, 403),
    "htmx csrf refusal": ("POST", "/logout", htmx_headers(), 403),
    "server error": ("GET", "/test/boom", {}, 500),
    "api docs": ("GET", "/docs", {}, 200),
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_carries_the_security_headers(http: TestClient, kind: str) -> None:
    method, path, headers, status_code = RESPONSES[kind]

    response = http.request(method, path, headers=headers, follow_redirects=False)

    assert response.status_code == status_code
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize("kind", ["html page", "static css", "404 page", "server error"])
def test_https_responses_add_hsts(https: TestClient, kind: str) -> None:
    method, path, headers, status_code = RESPONSES[kind]

    response = https.request(method, path, headers=headers, follow_redirects=False)

    assert response.status_code == status_code
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_a_header_a_route_chose_is_kept(http: TestClient) -> None:
    response = http.get("/test/own-referrer-policy")

    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_each_header_appears_once(http: TestClient) -> None:
    response = http.get("/")

    for name in EXPECTED:
        assert len(response.headers.get_list(name)) == 1


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
HX_ON = re.compile(r"\shx-on", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES_DIR))
)
def test_templates_have_nothing_the_csp_would_block(template) -> None:
    text = JINJA.sub("", template.read_text(encoding="utf-8"))

    for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT, EVENT_HANDLER, HX_ON):
        assert not pattern.search(text), f"{pattern.pattern} in {template.name}"
    assert not JAVASCRIPT_URL.search(text)


def test_the_template_scan_finds_what_it_looks_for() -> None:
    sample = '<script>alert(1)</script><p style="x" onclick="y" hx-on:click="z">'
    jinja_only = "{% call thread(only=true) %}{{ x(onload=1) }}{# style= #}"

    assert INLINE_SCRIPT.search(sample)
    assert STYLE_ATTRIBUTE.search(sample)
    assert EVENT_HANDLER.search(sample)
    assert HX_ON.search(sample)
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')
    assert not EVENT_HANDLER.search(JINJA.sub("", jinja_only))
    assert not STYLE_ATTRIBUTE.search(JINJA.sub("", jinja_only))
