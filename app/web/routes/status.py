"""Routes of the status area: how the data jobs have been running."""

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from app.db import utcnow
from app.services.metrics.freshness import stale_after
from app.services.publishing.status_page import load_status_page
from app.web.routes.deps import SessionDep, SettingsDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)


@router.get("/status", name="status.index", response_class=HTMLResponse)
def status_index(
    request: Request, session: SessionDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    """Recent refresh and import runs, newest first, and whether the live metrics are fresh.

    `?page=` pages through older runs; a bad value falls back with a notice, never an error.
    """
    page = load_status_page(
        session=session,
        page=request.query_params.get("page"),
        now=utcnow(),
        threshold=stale_after(settings),
    )
    return templates.TemplateResponse(request, "status/index.html", {"page": page})
