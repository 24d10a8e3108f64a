"""Hostile comments and display names render inert: checked on the parsed HTML of the page.

Each payload is posted through the real compose form by a signed-in person
and the model page is then read as a browser would parse it: within the
comment thread there must be no element, attribute or URL that could run
script or fire a request, and the payload must still be readable as text.
"""

import re
from pathlib import Path

import pytest
from bs4 import Tag
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

import app
from app.models import Comment
from app.paths import TEMPLATES_DIR
from app.services.community.comments import MAX_BODY_CHARS
from app.services.community.markdown_render import ALLOWED_TAGS
from app.web.render.templating import make_templates
from tests.support.auth import sign_up
from tests.support.community_pages import (
    MODEL_PATH,
    find,
    htmx_submit,
    parse,
    per_user_parts,
)
from tests.support.page_text import text_of

PAYLOADS = {
    "script tag": "<script>alert(1)</script>",
    "script in markdown code": "`<script>alert(1)</script>`",
    "javascript link": "[click me](javascript:alert(1))",
    "javascript link, mixed case and entities": "[x](JaVaScRiPt&#58;alert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "data url link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "event handler": '<img src=x onerror="alert(1)">',
    "event handler in a link title": '[x](https://example.com "onmouseover=alert(1)")',
    "hx attributes": '<div hx-get="/logout" hx-trigger="load">boom</div>',
    "hx attributes in markdown": "[x](https://example.com){hx-post=/logout}",
    "svg": '<svg><script>alert(1)</script><animate onbegin="alert(1)"/></svg>',
    "svg link": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "unclosed tags": '<b><i><a href="javascript:alert(1)" <script',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style": "<style>body{display:none}</style>",
    "html comment": "<!-- <script>alert(1)</script> -->",
    "very long": "<script>" * (MAX_BODY_CHARS // len("<script>")),
}
RTL_OVERRIDE = "safe \u202egnp.exe\u202c text"
ALLOWED_ATTRIBUTES = {"a": {"href", "rel"}, "ol": {"start"}}
URL_SCHEMES = ("http://", "https://", "mailto:")


def assert_inert(body: Tag) -> None:
    """Nothing in a rendered comment body can run script, load anything or fire htmx."""
    for element in body.find_all(True):
        assert element.name in ALLOWED_TAGS, element
        assert set(element.attrs) <= ALLOWED_ATTRIBUTES.get(element.name, set()), element
        href = element.get("href")
        if href is not None:
            assert href.lower().startswith(URL_SCHEMES), href
            assert element["rel"] == ["nofollow", "ugc", "noopener"]


def thread_of(client: TestClient) -> Tag:
    return find(parse(client.get(MODEL_PATH)), "#comment-thread")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payload_renders_inert(client: TestClient, payload: str) -> None:
    sign_up(client, display_name="Poster")
    form = find(per_user_parts(client), "#comment-compose form")
    assert htmx_submit(client, form, body=payload).status_code == 200

    thread = thread_of(client)
    (body,) = thread.select(".comment-body")
    assert_inert(body)
    assert thread.find_all(["script", "svg", "iframe", "style", "img", "object", "embed"]) == []
    for element in thread.find_all(True):
        hostile = [name for name in element.attrs if name.startswith("on")]
        assert hostile == [], element
        htmx = [name for name in element.attrs if name.startswith(("hx-", "data-hx-"))]
        assert htmx == [] or element["class"] == ["community-me-loader"], element
    if "<" in payload and "`" not in payload:
        assert "<" in body.get_text(), "typed markup is shown as text, not dropped"


def test_script_payload_is_escaped_in_the_raw_html(client: TestClient) -> None:
    sign_up(client)
    form = find(per_user_parts(client), "#comment-compose form")
    htmx_submit(client, form, body=PAYLOADS["script tag"])
    raw = client.get(MODEL_PATH).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<script>alert(1)" not in raw


def test_nul_bytes_are_refused_and_never_echoed(client: TestClient) -> None:
    sign_up(client)
    form = find(per_user_parts(client), "#comment-compose form")
    response = htmx_submit(client, form, body="a\x00<script>b")
    assert response.status_code == 422
    assert "\x00" not in response.text
    assert find(parse(response), "textarea").get_text() == "a\ufffd<script>b"
    assert text_of(thread_of(client).select_one(".comment-count")) == "0 comments"


def test_right_to_left_text_is_posted_as_typed_and_laid_out_on_its_own(
    client: TestClient,
) -> None:
    sign_up(client, display_name="\u05e9\u05e8\u05d4")  # a right-to-left name
    form = find(per_user_parts(client), "#comment-compose form")
    typed = (
        "\u05d4\u05e9\u05ea\u05de\u05e9\u05ea\u05d9 \u05d1-GPT-4o\u200f."  # RLM: stop at the end
    )
    assert htmx_submit(client, form, body=typed).status_code == 200
    item = find(thread_of(client), ".comment")
    assert find(item, ".comment-author").name == "bdi"
    body = find(item, ".comment-body")
    assert body["dir"] == "auto"
    assert text_of(body) == typed


def test_an_override_stored_before_the_rule_stays_inside_its_comment(
    client: TestClient, catalog_session: Session
) -> None:
    sign_up(client)
    form = find(per_user_parts(client), "#comment-compose form")
    assert htmx_submit(client, form, body="placeholder").status_code == 200
    catalog_session.execute(update(Comment).values(body=RTL_OVERRIDE))
    catalog_session.commit()

    item = find(thread_of(client), ".comment")
    body = find(item, ".comment-body")
    assert body["dir"] == "auto"
    assert "\u202e" in body.get_text()
    outside = "".join(text for text in item.find_all(string=True) if body not in text.parents)
    assert "\u202e" not in outside


def test_an_override_is_refused_and_the_text_kept(client: TestClient) -> None:
    sign_up(client)
    form = find(per_user_parts(client), "#comment-compose form")
    response = htmx_submit(client, form, body=RTL_OVERRIDE)
    assert response.status_code == 422
    assert "text-direction control (U+202E" in text_of(find(parse(response), ".form-error"))
    assert find(parse(response), "textarea").get_text() == RTL_OVERRIDE
    assert text_of(thread_of(client).select_one(".comment-count")) == "0 comments"


def test_hostile_display_name_is_text(client: TestClient) -> None:
    name = "<img src=x onerror=alert(1)>\"'&"
    sign_up(client, display_name=name)
    form = find(per_user_parts(client), "#comment-compose form")
    htmx_submit(client, form, body="hello")
    item = find(thread_of(client), ".comment")
    assert text_of(find(item, ".comment-author")) == name
    assert item.find("img") is None
    assert find(per_user_parts(client), "#comment-compose label").get_text().endswith(name)


def test_templates_never_mark_anything_safe() -> None:
    """`|safe` would bypass autoescaping; user HTML must arrive as sanitized Markup instead."""
    marked = [
        f"{path.relative_to(TEMPLATES_DIR)}:{number}"
        for path in sorted(Path(TEMPLATES_DIR).rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\|\s*safe\b", line)
    ]
    assert marked == []
    assert make_templates().env.autoescape is True


def test_only_the_sanitizer_turns_comment_text_into_markup() -> None:
    """No community module builds Markup itself; the renderer does, once, from nh3's output."""
    app_dir = Path(app.__file__).parent
    community_code = [
        app_dir / "services" / "community" / "comments.py",
        app_dir / "services" / "community" / "community_page.py",
        app_dir / "services" / "community" / "ratings.py",
        app_dir / "web" / "routes" / "community.py",
    ]
    assert [path.name for path in community_code if "Markup(" in path.read_text()] == []
    renderer = (app_dir / "services" / "community" / "markdown_render.py").read_text()
    assert renderer.count("Markup(") == 1
    assert "Markup(_sanitizer.clean(" in renderer
