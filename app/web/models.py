"""Routes of the models area: the model page."""

from collections.abc import Hashable

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.services.calculator import ModelCalculator, model_calculator
from app.services.community_page import ModelRef
from app.services.freshness import stale_after
from app.services.model_page import ModelPage, load_model_page, load_model_summary
from app.services.price_changes import load_price_history
from app.web.calculator import PresetsDep, calculator_fragment
from app.web.community import community_block
from app.web.deps import HtmxDep, SessionDep, SettingsDep, TemplatesDep
from app.web.page_sections import CALCULATOR, COMMENTS, RATINGS, rendered_section

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
    benchmark: str | None = None,
) -> Response:
    """The model page; `?snippet=<provider>` picks the quick-start provider.

    `?benchmark=<name>` picks the benchmark the price-vs-quality chart shows
    (one the model has no score on falls back to its default, with a note).

    The workload parameters (`?preset=…&requests_per_day=…`, see `services.workload`)
    fill the cost calculator; invalid ones get status 422 and a message by the field.
    An HTMX request for another provider's snippet gets only the quick-start block,
    one for another benchmark only the price-vs-quality block; any other HTMX
    request gets the calculator's fragment, for which only the model's identity
    is loaded, not the whole page.
    """
    if htmx and snippet is None and benchmark is None:
        return _calculator_response(request, author_slug, model_slug, session, templates, presets)
    page = load_model_page(
        session=session,
        author_slug=author_slug,
        model_slug=model_slug,
        stale_after=stale_after(settings),
        benchmark=benchmark,
        memo=request.app.state.computed_memo,
    )
    if page is None:
        raise _not_found(author_slug, model_slug)
    context = {"page": page, "snippet": page.snippet_for(snippet)}
    if htmx:
        block = "quick_start" if snippet is not None else "price_vs_quality"
        return templates.TemplateResponse(request, "models/page.html", context, block_name=block)
    calculator = _page_calculator(request, session, page, presets)
    context["calculator"] = calculator
    context["price_history"] = load_price_history(session=session, model_id=page.id)
    context["community"] = request.app.state.computed_memo.get(
        session,
        ("community", page.id, request.query_params.get("comments_page")),
        page.content_version,
        lambda: community_block(
            request, session, ModelRef(id=page.id, slug=page.slug, name=page.name)
        ),
    )
    context["sections"] = _sections(request, session, templates, context, page)
    response = templates.TemplateResponse(
        request, "models/page.html", context, status_code=calculator.status_code
    )
    response.headers["Vary"] = "HX-Request"
    # Ended here, in the route's worker thread, the transaction spares the session
    # dependency a thread hop of its own (see `deps.get_session`): a tenth of a miss.
    session.commit()
    return response


def _sections(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    context: dict[str, object],
    page: ModelPage,
) -> dict[str, Markup]:
    """The calculator, ratings and comments as HTML, remembered per content version.

    See `web.page_sections`. A calculator for a workload in the query string
    is rendered every time; the default one, the ratings and each page of
    comments are the same for every reader until the next write.
    """

    def section(name: str, key: Hashable | None) -> Markup:
        return rendered_section(
            request, session, templates, name, context, key=key, version=page.content_version
        )

    default_workload = not request.query_params
    return {
        "calculator": section(
            CALCULATOR, ("calculator-html", page.id) if default_workload else None
        ),
        "ratings": section(RATINGS, ("ratings-html", page.id)),
        "comments": section(
            COMMENTS, ("comments-html", page.id, request.query_params.get("comments_page"))
        ),
    }


def _page_calculator(
    request: Request, session: SessionDep, page: ModelPage, presets: PresetsDep
) -> ModelCalculator:
    """The page's calculator; the default workload's (no query) is remembered per content version.

    Its estimate and comparable models depend only on stored prices and
    models, which every write that changes them bumps the version for.
    """

    def calculate() -> ModelCalculator:
        return model_calculator(
            session=session,
            slug=page.slug,
            input_modalities=page.input_modalities,
            params=request.query_params,
            presets=presets,
        )

    if request.query_params:
        return calculate()
    memo = request.app.state.computed_memo
    return memo.get(session, ("calculator", page.id), page.content_version, calculate)


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
