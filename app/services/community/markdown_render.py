"""Comment Markdown to safe HTML: a small Markdown subset, then a sanitizer.

Two layers on purpose. markdown-it-py runs with raw HTML off and only the
rules of the subset we promise (paragraphs, emphasis, code, links, lists), so
HTML that people type shows as text. A bare address (`https://…`, `www.…`,
an email address) becomes a link too, as people expect of a comment box
(linkify-it); the same checks apply to it as to a written link. nh3 (Ammonia)
then keeps only the tags that subset produces and only absolute
http/https/mailto links, and marks every link `nofollow ugc noopener`; a bug or
a future rule in the Markdown layer therefore cannot smuggle markup through.
The result is `Markup`, so templates print it as it is and never need `|safe`
on user data.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Block and inline rules on top of markdown-it's "zero" preset (paragraphs and text).
# Headings, block quotes, tables, images and raw HTML stay off: "# x" is just text.
BLOCK_RULES = ["code", "fence", "list"]
INLINE_RULES = ["newline", "escape", "backticks", "emphasis", "link", "autolink", "entity"]
LINKIFY_RULE = "linkify"

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li"}
# "*" lists the attributes allowed on every tag: none (Ammonia's default allows title and lang).
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# Rendered bodies remembered: fifty pages of comments; about 10 MB even if
# every one had the maximum 5,000 characters, far less for real comments.
RENDERED_CACHE_SIZE = 1024

LINK_PREFIXES = tuple(f"{scheme}:" for scheme in sorted(ALLOWED_URL_SCHEMES))


def _is_allowed_link(url: str) -> bool:
    """Absolute http/https/mailto only; anything else stays text instead of becoming a link.

    A relative link would point into this site (at a form's action, say);
    comments have no reason to, so it is refused here and again by the sanitizer.
    """
    return url.strip().lower().startswith(LINK_PREFIXES)


class _CommentMarkdown(MarkdownIt):
    """markdown-it asking `_is_allowed_link` about every link, written or linkified."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's hook, by its name
        return _is_allowed_link(url)


_markdown = (
    _CommentMarkdown("zero", {"breaks": True, "linkify": True})
    .enable(BLOCK_RULES)
    .enable(INLINE_RULES)
    .enable(LINKIFY_RULE)
)

_sanitizer = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


@lru_cache(maxsize=RENDERED_CACHE_SIZE)
def render_comment(markdown: str) -> Markup:
    """The HTML of a comment's body, safe to put in any page as it is.

    Remembered by body text: the output depends on nothing else, and parsing
    plus sanitizing a page of twenty comments would otherwise be the model
    page's largest single cost.
    """
    return Markup(_sanitizer.clean(_markdown.render(markdown)))  # noqa: S704 - sanitized above
