"""Side-by-side comparison of two to four models: `/compare?models=a/b,c/d`, and its picker.

`/compare` takes the ids as one comma-separated `models` parameter or as
repeated ones (the catalog's checkboxes send those), and a plain GET in any
other spelling is redirected to the canonical URL, so an address bar always
shows a link worth sharing. Ids that cannot be compared get status 400 and the
picker again, with a message naming every problem. The workload's cost row is
the calculator's: a field edit re-renders only that row, a preset link the
whole comparison, and HTMX is told the canonical URL (`calculator_fragment`).

`/compare/pick` is where "Compare with…" leads: the models chosen so far and
a search of the catalog, all in one GET form that works without JavaScript.
"""

from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.services.catalog.compare import (
    CompareError,
    Picker,
    load_comparison,
    load_picker,
    read_model_ids,
)
from app.web.routes.calculator import PresetsDep, calculator_fragment
from app.web.routes.deps import HtmxDep, SessionDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)


@router.get("/compare", response_class=HTMLResponse, name="compare.page")
def compare_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    presets: PresetsDep,
) -> Response:
    """The comparison table, with the calculator's workload fields for its cost row."""
    ids = read_model_ids(request.query_params.getlist("models"))
    try:
        comparison = load_comparison(
            session=session, ids=ids, params=request.query_params, presets=presets
        )
    except CompareError as error:
        if htmx:
            raise HTTPException(400, str(error)) from error
        return templates.TemplateResponse(
            request,
            "compare/pick.html",
            {"picker": Picker(selected=error.known), "error": str(error)},
            status_code=400,
        )
    context = {"comparison": comparison}
    if htmx:
        response = calculator_fragment(
            request,
            templates,
            "compare/page.html",
            context,
            status_code=comparison.status_code,
            query=comparison.query_string(),
        )
    else:
        canonical = comparison.query_string()
        if comparison.status_code == 200 and _spelt_otherwise(request, canonical):
            return RedirectResponse(f"{request.url.path}?{canonical}", status_code=303)
        response = templates.TemplateResponse(
            request, "compare/page.html", context, status_code=comparison.status_code
        )
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/compare/pick", response_class=HTMLResponse, name="compare.pick")
def compare_pick(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """Choose models to compare: `?models=` those chosen so far, `?q=` a search for more."""
    picker = load_picker(
        session=session,
        ids=read_model_ids(request.query_params.getlist("models")),
        q=request.query_params.get("q", ""),
    )
    return templates.TemplateResponse(request, "compare/pick.html", {"picker": picker})


def _spelt_otherwise(request: Request, canonical: str) -> bool:
    """True when the URL asks for this comparison in other words than its canonical query.

    Parameters are compared decoded: `models=a%2Fb` is the canonical `models=a/b`.
    """
    given = parse_qsl(request.url.query, keep_blank_values=True)
    return given != parse_qsl(canonical, keep_blank_values=True)
