"""The model page's heaviest sections as HTML, rendered once per content version for everyone.

The cost calculator (default workload), the ratings, the comments and the
quick start are the same for every reader of a model page and change only
with a write; their templates were over half of a page render. The providers
table and the price history also depend on the clock, so the route keys them
by what of the clock they show as well (see `web.models`). The route renders each with the
page's context and hands the HTML to `models/page.html`, remembered in the
app's `ComputedMemo` under the content version (see `services.computed_memo`)
when a key is given, so a page the page cache cannot serve (a miss, or after
a write) renders them once per version rather than on every request.

Sections drawn from catalog data alone (the calculator, the providers, the
price history, the quick start) are remembered in the catalog memo under the
catalog version, so a rating or a comment re-renders only the ratings and
comments sections, which stay under the pages version.
"""

from collections.abc import Hashable, Mapping
from typing import Any

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.services.computed_memo import ComputedMemo

CALCULATOR = "models/_calculator.html"
RATINGS = "community/_ratings.html"
COMMENTS = "community/_comments.html"


def rendered_section(
    request: Request,
    session: Session,
    templates: Jinja2Blocks,
    name: str,
    context: Mapping[str, Any],
    *,
    key: Hashable | None,
    memo: ComputedMemo,
    version: int,
) -> Markup:
    """Template `name` rendered with `context` as the page would include it.

    With a `key`, remembered in `memo` under it and `version` (the version of
    that memo's counter, read in `session`'s transaction before the data in
    `context`, and one that moves whenever anything `context` shows does); without,
    rendered every time (a calculator for a workload in the query string).
    """

    def render() -> Markup:
        html = templates.get_template(name).render({**context, "request": request})
        return Markup(html)  # noqa: S704 - autoescaped template output

    if key is None:
        return render()
    return memo.get(session, key, version, render)
