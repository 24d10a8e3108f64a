"""The interactive API reference at /docs, served from vendored Swagger UI.

FastAPI's built-in page loads Swagger UI from a CDN and starts it with an
inline script; a self-hosted catalog must work offline and under a strict
Content-Security-Policy, so the assets live in static/vendor and the starter
script in static/js.
"""

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.web.routes.deps import TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router()


@router.get("/docs", name="api.docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request, templates: TemplatesDep) -> Response:
    """Swagger UI pointed at this app's OpenAPI description."""
    return templates.TemplateResponse(
        request, "api/docs.html", {"openapi_url": request.app.openapi_url}
    )
