"""Routes of the models area: the model page."""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.services.model_page import load_model_page
from app.web.deps import HtmxDep, SessionDep, TemplatesDep

router = APIRouter()


@router.get("/models/{author_slug}/{model_slug}", response_class=HTMLResponse, name="models.page")
def model_page(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    snippet: str | None = None,
) -> HTMLResponse:
    """The model page; `?snippet=<provider>` picks the quick-start provider.

    An HTMX request for another provider's snippet gets only the quick-start block.
    """
    page = load_model_page(session=session, author_slug=author_slug, model_slug=model_slug)
    if page is None:
        raise HTTPException(404, f"There is no model {author_slug}/{model_slug} in the catalog.")
    context = {"page": page, "snippet": page.snippet_for(snippet)}
    block_name = "quick_start" if htmx and snippet is not None else None
    return templates.TemplateResponse(request, "models/page.html", context, block_name=block_name)
