"""Site-wide files browsers ask for at fixed addresses, outside any one area of the app.

Browsers request `/favicon.ico` from every site whether or not a page names an
icon; answering with a permanent redirect to the SVG icon the pages link to
spares a 404 (and an error line in the log) on every first visit.
"""

from fastapi import status
from fastapi.responses import RedirectResponse

from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

FAVICON_PATH = "/static/favicon.svg"


@router.get("/favicon.ico", name="site.favicon")
def favicon() -> RedirectResponse:
    """The site icon lives with the other static files; this only points there."""
    return RedirectResponse(FAVICON_PATH, status_code=status.HTTP_301_MOVED_PERMANENTLY)
