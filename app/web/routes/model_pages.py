"""Routes of the models area: the model page.

A page the page cache cannot serve (a miss, or after a write) is rendered
with the request's snapshot (`services.publishing.snapshot`): what is computed from the
database and the heaviest sections' HTML (the default calculator, the
providers, the price history, the quick start, the ratings, the comments:
over half of a render in their templates) are remembered under the content
version, so they are computed once per version for every reader. What is drawn
from catalog data alone is kept under the catalog version, so a rating or a
comment re-renders only the ratings and comments. What depends on the clock
is in the key (the providers' staleness, the price charts' span), and a
calculator for a workload in the query string is rendered every time.
"""

from collections.abc import Hashable, Mapping
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.db import read_without_a_transaction
from app.services.community.community_page import ModelRef
from app.services.metrics.freshness import stale_after
from app.services.metrics.week_window import history_window
from app.services.model_page.model_lineage import load_model_lineage
from app.services.model_page.model_page_loader import (
    ModelPage,
    Snippet,
    load_model_page,
    load_model_summary,
)
from app.services.pricing.calculator import ModelCalculator, model_calculator, page_subject
from app.services.pricing.price_history_section import remembered_price_history
from app.web.render.price_chart import price_charts
from app.web.routes.calculator import PresetsDep, calculator_fragment
from app.web.routes.community import community_block
from app.web.routes.deps import HtmxDep, SessionDep, SettingsDep, SnapshotDep, TemplatesDep
from app.web.routes.moved_models import moved_model
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

CALCULATOR = "models/_calculator.html"
RATINGS = "community/_ratings.html"
COMMENTS = "community/_comments.html"
PRICE_HISTORY = "models/_price_history.html"
QUICK_START = "models/_quick_start.html"
PROVIDERS = "models/_providers.html"


@router.get("/models/{author_slug}/{model_slug}", response_class=HTMLResponse, name="models.page")
def model_page(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    snapshot: SnapshotDep,
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

    The workload parameters (`?preset=…&requests_per_day=…`, see `services.pricing.workload`)
    fill the cost calculator; invalid ones get status 422 and a message by the field.
    An HTMX request for another provider's snippet gets only the quick-start block,
    one for another benchmark only the price-vs-quality block; any other HTMX
    request gets the calculator's fragment, for which only the model's identity
    is loaded, not the whole page. It only reads, outside a transaction
    (`app.db.read_without_a_transaction`).
    """
    read_without_a_transaction(session)
    if htmx and snippet is None and benchmark is None:
        return _calculator_response(request, author_slug, model_slug, session, templates, presets)
    page = load_model_page(
        session=session,
        author_slug=author_slug,
        model_slug=model_slug,
        stale_after=stale_after(settings),
        benchmark=benchmark,
        snapshot=snapshot,
    )
    if page is None:
        return _moved(request, session, author_slug, model_slug)
    chosen = page.snippet_for(snippet)
    context: dict[str, object] = {"page": page, "snippet": chosen}
    if htmx and snippet is not None:
        context["sections"] = {
            "quick_start": _quick_start(request, snapshot, templates, page, chosen)
        }
        return templates.TemplateResponse(
            request, "models/page.html", context, block_name="quick_start"
        )
    if htmx:
        return templates.TemplateResponse(
            request, "models/page.html", context, block_name="price_vs_quality"
        )
    calculator = _page_calculator(request, snapshot, page, presets)
    context["calculator"] = calculator
    context["lineage"] = snapshot.remember(
        ("lineage", page.id),
        lambda: load_model_lineage(session=session, model_id=page.id, slug=page.slug),
        catalog_only=True,
    )
    price_history = remembered_price_history(
        snapshot=snapshot, model_id=page.id, now=page.freshness.now
    )
    context["price_history"] = price_history
    context["price_charts"] = price_charts(price_history)
    context["community"] = snapshot.remember(
        ("community", page.id, request.query_params.get("comments_page")),
        lambda: community_block(
            request, session, ModelRef(id=page.id, slug=page.slug, name=page.name)
        ),
    )
    context["sections"] = {
        "quick_start": _quick_start(request, snapshot, templates, page, chosen),
        **_sections(request, snapshot, templates, context, page),
    }
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
    snapshot: SnapshotDep,
    templates: TemplatesDep,
    context: dict[str, object],
    page: ModelPage,
) -> dict[str, Markup]:
    """The page's sections as HTML but the quick start (see the module)."""

    def section(name: str, key: Hashable, *, catalog_only: bool = True) -> Markup:
        return snapshot.remember(
            key, lambda: _rendered(request, templates, name, context), catalog_only=catalog_only
        )

    comments_page = request.query_params.get("comments_page")
    return {
        "calculator": section(CALCULATOR, ("calculator-html", page.id))
        if not request.query_params
        else _rendered(request, templates, CALCULATOR, context),
        "providers": section(PROVIDERS, _providers_key(page)),
        "price_history": section(
            PRICE_HISTORY, ("price-history-html", page.id, context["price_charts"])
        ),
        "ratings": section(RATINGS, ("ratings-html", page.id), catalog_only=False),
        "comments": section(
            COMMENTS, ("comments-html", page.id, comments_page), catalog_only=False
        ),
    }


def _rendered(
    request: Request, templates: TemplatesDep, name: str, context: Mapping[str, Any]
) -> Markup:
    """Template `name` rendered with `context` as the page includes it."""
    html = templates.get_template(name).render({**context, "request": request})
    return Markup(html)  # noqa: S704 - autoescaped template output


def _providers_key(page: ModelPage) -> Hashable:
    """What the providers section's HTML is remembered under, besides the catalog version.

    Everything in it that depends on the clock (see `models/_providers.html`):
    which rows are stale, whether the refresh ever ran or is overdue (and the
    threshold it says), and the week the charts span (which moves on the hour).
    """
    freshness = page.freshness
    return (
        "providers-html",
        page.id,
        tuple(row.stale for row in (*page.providers, *page.routers)),
        freshness.ever_refreshed,
        freshness.refresh_overdue,
        freshness.threshold,
        history_window(freshness.now),
    )


def _quick_start(
    request: Request,
    snapshot: SnapshotDep,
    templates: TemplatesDep,
    page: ModelPage,
    snippet: Snippet | None,
) -> Markup:
    """The quick start for `snippet`, remembered per catalog version and provider.

    Its examples and links depend on the model's stored endpoints alone.
    """
    return snapshot.remember(
        ("quick-start-html", page.id, snippet and snippet.provider_slug),
        lambda: _rendered(request, templates, QUICK_START, {"page": page, "snippet": snippet}),
        catalog_only=True,
    )


def _page_calculator(
    request: Request, snapshot: SnapshotDep, page: ModelPage, presets: PresetsDep
) -> ModelCalculator:
    """The page's calculator; the default workload's (no query) is remembered per catalog version.

    Its estimate and comparable models depend only on stored prices and
    models, catalog data: every write that changes them bumps the catalog
    version, and ratings and comments leave it where it is. The model's offers
    are the ones the page read (`page_subject`).
    """

    def calculate() -> ModelCalculator:
        return model_calculator(
            session=snapshot.session,
            slug=page.slug,
            input_modalities=page.input_modalities,
            params=request.query_params,
            presets=presets,
            subject=page_subject(page),
        )

    if request.query_params:
        return calculate()
    return snapshot.remember(("calculator", page.id), calculate, catalog_only=True)


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
        return _moved(request, session, author_slug, model_slug)
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


def _moved(request: Request, session: SessionDep, author_slug: str, model_slug: str) -> Response:
    """301 to the canonical page of a merged or alternative slug; 404 for an unknown one."""
    moved = moved_model(request, session, "models.page", author_slug, model_slug)
    if moved is None:
        raise _not_found(author_slug, model_slug)
    return moved


def _not_found(author_slug: str, model_slug: str) -> HTTPException:
    return HTTPException(404, f"There is no model {author_slug}/{model_slug} in the catalog.")
