"""The 301 that a merged model's old address answers with, for every route under a model's URL.

When two models are merged (`services.catalog.model_redirects`), the old slug is
recorded; any page or feed asked for by it is sent, with its query, to the
same route of the canonical model, so links given out before the merge keep
working and search engines learn the new address.
"""

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.services.catalog.model_redirects import redirect_target


def moved_model(
    request: Request, session: Session, route: str, author_slug: str, model_slug: str
) -> RedirectResponse | None:
    """A 301 to `route` of the model `author_slug/model_slug` was merged into; None if none was."""
    target = redirect_target(session=session, slug=f"{author_slug}/{model_slug}")
    if target is None:
        return None
    author, _, model = target.partition("/")
    path = request.url_for(route, author_slug=author, model_slug=model).path
    query = request.url.query
    return RedirectResponse(f"{path}?{query}" if query else path, status_code=301)
