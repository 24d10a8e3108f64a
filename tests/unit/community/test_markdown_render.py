"""Comment Markdown: the promised subset renders, everything else stays inert text."""

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from app.services.community.markdown_render import LINK_REL, render_comment


def parsed(markdown: str) -> BeautifulSoup:
    return BeautifulSoup(str(render_comment(markdown)), "html.parser")


def tags_in(markdown: str) -> set[str]:
    return {tag.name for tag in parsed(markdown).find_all(True)}


def test_result_is_markup_so_templates_need_no_safe_filter() -> None:
    assert isinstance(render_comment("hi"), Markup)


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("plain words", "<p>plain words</p>"),
        ("*em* and **strong**", "<p><em>em</em> and <strong>strong</strong></p>"),
        ("use `x < y`", "<p>use <code>x &lt; y</code></p>"),
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("first\n\nsecond", "<p>first</p>\n<p>second</p>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
        ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"),
    ],
)
def test_the_subset_renders(markdown: str, html: str) -> None:
    assert str(render_comment(markdown)).strip() == html


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[docs](https://example.com/a?b=1)", "https://example.com/a?b=1"),
        ("[site](http://example.com)", "http://example.com"),
        ("<https://example.com/x>", "https://example.com/x"),
        ("[mail](mailto:team@example.com)", "mailto:team@example.com"),
        ("see https://example.com/a?b=1 for more", "https://example.com/a?b=1"),
        ("docs at www.example.com", "http://www.example.com"),
        ("write to team@example.com", "mailto:team@example.com"),
    ],
)
def test_links_keep_allowed_schemes_and_get_rel(markdown: str, href: str) -> None:
    link = parsed(markdown).a
    assert link is not None
    assert link["href"] == href
    assert link["rel"] == LINK_REL.split()
    assert set(link.attrs) == {"href", "rel"}


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox(1))",
        "[x](/logout)",
        "[x](//evil.example/path)",
        "[x](ftp://files.example)",
        "<javascript:alert(1)>",
    ],
)
def test_other_links_stay_text(markdown: str) -> None:
    soup = parsed(markdown)
    assert soup.find("a") is None
    assert soup.get_text().strip() == markdown


@pytest.mark.parametrize(
    "markdown",
    [
        "# heading",
        "> quote",
        "![image](https://example.com/i.png)",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "~~strike~~",
        "***",
        '<b onmouseover="x()">bold</b>',
        "<!-- comment -->",
    ],
)
def test_outside_the_subset_produces_no_other_tags(markdown: str) -> None:
    assert tags_in(markdown) <= {"p", "a", "br"}


def test_link_titles_are_dropped() -> None:
    assert set(parsed('[x](https://example.com "title")').a.attrs) == {"href", "rel"}


@pytest.mark.parametrize(
    "markdown",
    ["javascript:alert(1)//example.com", "ftp://files.example.com/x", "`https://example.com`"],
)
def test_bare_addresses_of_other_schemes_or_in_code_stay_text(markdown: str) -> None:
    assert parsed(markdown).find("a") is None
