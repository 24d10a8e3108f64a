"""Routes of the catalog area: the searchable, filterable list of models at `/`."""

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.db import read_without_a_transaction
from app.services.catalog.catalog_page import INPUT_MODALITIES, SORTS, STATUSES, catalog_listing
from app.web.render.select_options import catalog_filter_options
from app.web.routes.deps import HtmxDep, SessionDep, SettingsDep, SnapshotDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)


@router.get("/", name="catalog.index", response_class=HTMLResponse)
def catalog_index(
    request: Request,
    session: SessionDep,
    snapshot: SnapshotDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
) -> Response:
    """The catalog; an HTMX request gets only the results region, with the URL to push.

    The lab and provider choices, and their options' markup, are remembered by the
    request's snapshot (see `services.catalog.catalog_page.catalog_facets` and
    `web.render.select_options`); the search runs every time. It only reads, outside a
    transaction (`app.db.read_without_a_transaction`).
    """
    read_without_a_transaction(session)
    listing = catalog_listing(
        session=session,
        params=request.query_params,
        page_size=settings.page_size,
        snapshot=snapshot,
    )
    context = {
        "listing": listing,
        "sorts": SORTS,
        "modalities": INPUT_MODALITIES,
        "statuses": STATUSES,
    }
    if not htmx:
        context["filter_options"] = catalog_filter_options(listing, snapshot)
        response = templates.TemplateResponse(request, "catalog/index.html", context)
    else:
        response = templates.TemplateResponse(
            request, "catalog/index.html", context, block_name="results"
        )
        query_string = listing.query.query_string()
        path = request.url_for("catalog.index").path
        response.headers["HX-Push-Url"] = f"{path}?{query_string}" if query_string else path
    response.headers["Vary"] = "HX-Request"
    return response
