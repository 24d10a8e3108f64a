"""Routes of the models area: the model page."""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from app.services.calculator import model_calculator
from app.services.community_page import ModelRef
from app.services.freshness import stale_after
from app.services.model_page import load_model_page, load_model_summary
from app.web.calculator import PresetsDep, calculator_fragment
from app.web.community import community_block
from app.web.deps import HtmxDep, SessionDep, SettingsDep, TemplatesDep

router = APIRouter()


@router.get("/models/{author_slug}/{model_slug}", response_class=HTMLResponse, name="models.page")
def model_page(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    presets: PresetsDep,
    snippet: str | None = None,
) -> Response:
    """The model page; `?snippet=<provider>` picks the quick-start provider.

    The workload parameters (`?preset=…&requests_per_day=…`, see `services.workload`)
    fill the cost calculator; invalid ones get status 422 and a message by the field.
    An HTMX request for another provider's snippet gets only the quick-start block;
    any other HTMX request gets the calculator's fragment, for which only the
    model's identity is loaded, not the whole page.
    """
    if htmx and snippet is None:
        return _calculator_response(request, author_slug, model_slug, session, templates, presets)
    page = load_model_page(
        session=session,
        author_slug=author_slug,
        model_slug=model_slug,
        stale_after=stale_after(settings),
    )
    if page is None:
        raise _not_found(author_slug, model_slug)
    context = {"page": page, "snippet": page.snippet_for(snippet)}
    if htmx:
        return templates.TemplateResponse(
            request, "models/page.html", context, block_name="quick_start"
        )
    calculator = model_calculator(
        session=session,
        slug=page.slug,
        input_modalities=page.input_modalities,
        params=request.query_params,
        presets=presets,
    )
    context["calculator"] = calculator
    context["community"] = community_block(
        request, session, ModelRef(id=page.id, slug=page.slug, name=page.name)
    )
    response = templates.TemplateResponse(
        request, "models/page.html", context, status_code=calculator.status_code
    )
    response.headers["Vary"] = "HX-Request"
    return response


def _calculator_response(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    presets: PresetsDep,
) -> Response:
    """The calculator's HTMX fragment: the model's identity, then the estimate."""
    model = load_model_summary(session=session, author_slug=author_slug, model_slug=model_slug)
    if model is None:
        raise _not_found(author_slug, model_slug)
    calculator = model_calculator(
        session=session,
        slug=model.slug,
        input_modalities=model.input_modalities,
        params=request.query_params,
        presets=presets,
    )
    response = calculator_fragment(
        request,
        templates,
        "models/_calculator.html",
        {"page": model, "calculator": calculator},
        status_code=calculator.status_code,
        query=calculator.form.query_string(),
    )
    response.headers["Vary"] = "HX-Request"
    return response


def _not_found(author_slug: str, model_slug: str) -> HTTPException:
    return HTTPException(404, f"There is no model {author_slug}/{model_slug} in the catalog.")
