"""Routes of the calculator area: `/calculator` (several models on one workload) and its CSV.

The model page's own calculator is served by the model page route; the
pieces both pages share live here: the presets dependency and the HTMX
fragment response. A field edit re-renders only the result block (the
fields the visitor is typing in stay put, and their messages are swapped
out of band); a preset link targets the whole calculator region, because
choosing a preset refills the fields. Either way the response names the
canonical URL of the inputs in `HX-Push-Url`, so the address bar can be
bookmarked or shared.
"""

import csv
import io
from collections.abc import Mapping
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks

from app.config import Settings
from app.db import without_trailing_zeros
from app.services.pricing.calculator import Comparison, ModelEstimate, compare_models
from app.services.pricing.workload import Presets, load_presets
from app.services.pricing.workload_cost import PRECISION
from app.web.routes.deps import HtmxDep, SessionDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

# The id of the element wrapping presets, form and result; htmx sends it as HX-Target.
REGION_ID = "calculator"
CSV_COMPONENT_COLUMNS = {
    "input": "input_usd_per_month",
    "cache_read": "cached_input_usd_per_month",
    "cache_write": "cache_write_usd_per_month",
    "output": "output_usd_per_month",
    "reasoning": "reasoning_usd_per_month",
    "requests": "request_fees_usd_per_month",
}
CSV_COLUMNS = (
    "model",
    "model_name",
    "provider",
    "variant",
    "router",
    "tier",
    "long_context",
    "fits_context",
    "per_request_usd",
    "per_day_usd",
    "per_month_usd",
    *CSV_COMPONENT_COLUMNS.values(),
    "prices_not_known",
)
# Exported amounts keep ten decimals: exact for any real bill, short enough for a spreadsheet.
CSV_QUANTUM = Decimal("1e-10")
# Spreadsheets run cells that start with these as formulas; such text gets a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def configured_presets(settings: Settings) -> Presets:
    """The presets file the settings name, or the bundled one; raises PresetsFileError if bad."""
    path = settings.workload_presets_file
    return load_presets(Path(path) if path else None)


async def get_presets(request: Request) -> Presets:
    """The presets loaded when the app was created."""
    return request.app.state.workload_presets


PresetsDep = Annotated[Presets, Depends(get_presets)]


def calculator_fragment(
    request: Request,
    templates: Jinja2Blocks,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int,
    query: str,
) -> Response:
    """The calculator's HTMX response: the result block, or the whole region for a preset link."""
    whole_region = request.headers.get("hx-target") == REGION_ID
    response = templates.TemplateResponse(
        request,
        template,
        {**context, "oob_errors": not whole_region},
        block_name=REGION_ID if whole_region else "calculator_result",
        status_code=status_code,
    )
    response.headers["HX-Push-Url"] = f"{request.url.path}?{query}" if query else request.url.path
    return response


@router.get("/calculator", response_class=HTMLResponse, name="calculator.page")
def calculator_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    presets: PresetsDep,
) -> Response:
    """Several models on one workload: `?models=a/b,c/d` and the model page's workload fields."""
    comparison = compare_models(session=session, params=request.query_params, presets=presets)
    context = {"comparison": comparison}
    if htmx:
        response = calculator_fragment(
            request,
            templates,
            "calculator/page.html",
            context,
            status_code=comparison.status_code,
            query=comparison.query_string(),
        )
    else:
        response = templates.TemplateResponse(
            request, "calculator/page.html", context, status_code=comparison.status_code
        )
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/calculator.csv", name="calculator.csv")
def calculator_csv(request: Request, session: SessionDep, presets: PresetsDep) -> Response:
    """The comparison as CSV: one row per model and provider, exact amounts in USD."""
    comparison = compare_models(session=session, params=request.query_params, presets=presets)
    problems = _export_problems(comparison)
    if problems:
        raise HTTPException(422, problems)
    return Response(
        content=_csv_text(comparison.results),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="modelatlas-estimate.csv"'},
    )


def _export_problems(comparison: Comparison) -> str:
    messages = list(comparison.form.errors.values())
    if comparison.models_error:
        messages.insert(0, comparison.models_error)
    elif not comparison.results and not messages:
        messages.append("Name the models to export: ?models=author/model,author/model.")
    return " ".join(messages)


def _csv_text(results: tuple[ModelEstimate, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for result in results:
        for row in result.rows:
            estimate = row.estimate
            writer.writerow(
                [
                    _text(result.subject.slug),
                    _text(result.subject.name),
                    _text(row.offer.provider_name),
                    _text(row.offer.variant),
                    _yes_no(row.offer.is_router),
                    estimate.tier,
                    _yes_no(estimate.long_context),
                    _yes_no(row.fits),
                    _amount(estimate.per_request),
                    _amount(estimate.per_day),
                    _amount(estimate.per_month),
                    *(
                        _amount(estimate.component(kind).per_month)
                        for kind in CSV_COMPONENT_COLUMNS
                    ),
                    "; ".join(estimate.missing),
                ]
            )
    return buffer.getvalue()


def _amount(value: Decimal | None) -> str:
    """An exact amount as plain digits; empty when not known (never 0)."""
    if value is None:
        return ""
    with localcontext(prec=PRECISION):
        return format(without_trailing_zeros(value.quantize(CSV_QUANTUM)), "f")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
