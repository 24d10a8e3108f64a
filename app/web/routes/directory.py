"""Routes of the directory area: the labs that make models and the providers that serve them."""

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from app.services.catalog.directory import author_page, list_authors, list_providers, provider_page
from app.web.routes.deps import SessionDep, SettingsDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)


@router.get("/authors", name="directory.authors", response_class=HTMLResponse)
def authors_index(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """Every lab with its number of models."""
    authors = list_authors(session=session)
    return templates.TemplateResponse(request, "authors/index.html", {"authors": authors})


@router.get("/authors/{slug}", name="directory.author", response_class=HTMLResponse)
def author_detail(
    request: Request, slug: str, session: SessionDep, templates: TemplatesDep
) -> Response:
    """One lab and its models."""
    page = author_page(session=session, slug=slug)
    if page is None:
        raise HTTPException(status_code=404, detail="There is no lab with that name here.")
    return templates.TemplateResponse(request, "authors/detail.html", {"page": page})


@router.get("/providers", name="directory.providers", response_class=HTMLResponse)
def providers_index(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """Every provider with its number of endpoints."""
    providers = list_providers(session=session)
    return templates.TemplateResponse(request, "providers/index.html", {"providers": providers})


@router.get("/providers/{slug}", name="directory.provider", response_class=HTMLResponse)
def provider_detail(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """One provider and a page of the endpoints it serves, with current prices."""
    page = provider_page(
        session=session,
        slug=slug,
        page=request.query_params.get("page"),
        page_size=settings.page_size,
    )
    if page is None:
        raise HTTPException(status_code=404, detail="There is no provider with that name here.")
    return templates.TemplateResponse(request, "providers/detail.html", {"page": page})
