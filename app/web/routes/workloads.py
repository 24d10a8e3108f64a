"""Routes of saved workloads: "My workloads" beside every calculator, and a page without JS.

The model page is the same for every visitor (it may be cached for all), so
it carries only a slot for "My workloads": a plain link to `GET /workloads`
that htmx swaps, on load, for this visitor's own fragment from the same
address (an anonymous visitor gets a sign-in link there). Nothing of a
person's workloads is ever in a page that is shared or remembered.

`at` names the calculator the list re-prices on: a model page, `/compare`
(with its `models`) or `/calculator`. Each saved workload is a link to that
page with the workload's fields in the query string, which is exactly how
the calculator takes its inputs; with htmx it replaces the calculator's
region, as a preset link does. Saving with htmx sends the calculator form's
own fields along (`hx-include`); the page without JavaScript carries the
workload it was opened with as hidden fields. The usage replay's result page
saves through the same route with a plain form: the replay's average month
as the calculator's fields, plus the description of the replay
(`replay_rows`, `replay_first`, `replay_last`) that the list shows.

Changes answer htmx with the fragment again (a refused name or workload:
422, or 409 for a name in use, with the message by the form) and a plain
form with 303 back to the page. Someone else's workload id is 404, like an
id that does not exist.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.models.accounts import User
from app.services.pricing import saved_workloads
from app.services.pricing.saved_workloads import (
    DuplicateNameError,
    SavedWorkloadError,
    SavedWorkloadNotFoundError,
    clean_name,
    read_source,
    read_submitted_workload,
    repricing_query,
    stored_fields,
)
from app.web.middleware.rate_limit import enforce
from app.web.middleware.visitor import mark_private
from app.web.routes.auth import CurrentUserDep, RequiredUserDep, SignInRequired, safe_next
from app.web.routes.calculator import PresetsDep
from app.web.routes.deps import HtmxDep, SessionDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

TEMPLATE = "workloads/page.html"
DEFAULT_PAGE = "/calculator"
CALCULATOR_PAGES = ("/compare", "/calculator")
MODEL_PAGE_PREFIX = "/models/"
TextForm = Annotated[str, Form()]


async def submitted_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (the last value of a repeated one, as the calculator reads)."""
    form = await request.form()
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


SubmittedDep = Annotated[dict[str, str], Depends(submitted_fields)]


def repricing_page(at: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The calculator page `at` names, and the parameters of it to keep (compare's models).

    Anything else, or anything not on this site, re-prices on `/calculator`.
    """
    parts = urlsplit(safe_next(at))
    path = parts.path
    is_model_page = path.startswith(MODEL_PAGE_PREFIX) and path.count("/") == 3
    if not (is_model_page or path in CALCULATOR_PAGES):
        return DEFAULT_PAGE, []
    keep = [(name, value) for name, value in parse_qsl(parts.query) if name == "models"][:1]
    return path, keep


def _at(path: str, keep: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(keep)}" if keep else path


def _context(
    session: Session,
    user: User | None,
    at: str | None,
    *,
    inline: bool,
    **state: Any,
) -> dict[str, Any]:
    """What the fragment and the page show: the person's workloads as links to re-price them."""
    path, keep = repricing_page(at)
    anchor = "#cost-calculator" if path.startswith(MODEL_PAGE_PREFIX) else ""
    workloads = saved_workloads.list_workloads(session=session, user_id=user.id) if user else []
    return {
        "user": user,
        "inline": inline,
        "at": _at(path, keep),
        "items": [
            (saved, f"{path}?{repricing_query(saved, keep)}", saved_workloads.summary(saved))
            for saved in workloads
        ],
        "anchor": anchor,
        "limit": saved_workloads.MAX_WORKLOADS_PER_USER,
        "name": "",
        "error": None,
        "error_for": None,
        "notice": None,
        "carried": None,
        **state,
    }


def _answer(
    request: Request,
    templates: TemplatesDep,
    context: dict[str, Any],
    *,
    htmx: bool,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    mark_private(request)
    response = templates.TemplateResponse(
        request, TEMPLATE, context, block_name="mine" if htmx else None, status_code=status_code
    )
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


@router.get("/workloads", name="workloads.page", response_class=HTMLResponse)
def workloads_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    presets: PresetsDep,
    user: CurrentUserDep,
    at: str | None = None,
) -> Response:
    """The visitor's workloads: the fragment beside a calculator for htmx, else a page.

    The page also offers to save the workload in its query string (the
    calculator's fields), for visitors without JavaScript.
    """
    if user is None and not htmx:
        raise SignInRequired
    carried = None
    if not htmx:
        form = read_submitted_workload(request.query_params, presets=presets)
        carried = stored_fields(form.workload) if form.requested and form.workload else None
    context = _context(session, user, at, inline=htmx, carried=carried)
    return _answer(request, templates, context, htmx=htmx)


def _back_to_page(at: str) -> RedirectResponse:
    return RedirectResponse(
        f"/workloads?{urlencode({'at': at})}", status_code=status.HTTP_303_SEE_OTHER
    )


def _refused(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    user: User,
    at: str,
    htmx: bool,
    problem: SavedWorkloadError,
    **state: Any,
) -> Response:
    code = (
        status.HTTP_409_CONFLICT
        if isinstance(problem, DuplicateNameError)
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    context = _context(session, user, at, inline=htmx, error=str(problem), **state)
    return _answer(request, templates, context, htmx=htmx, status_code=code)


@router.post("/workloads", name="workloads.save", response_class=HTMLResponse)
def save(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    presets: PresetsDep,
    user: RequiredUserDep,
    submitted: SubmittedDep,
) -> Response:
    """Save the submitted calculator fields (and the replay they came from) under the name."""
    at = submitted.get("at", "")
    typed = submitted.get("name", "")
    form = read_submitted_workload(submitted, presets=presets)
    carried = stored_fields(form.workload) if form.workload else None
    try:
        source = read_source(submitted)
        if carried is not None and source is not None:
            carried |= source.fields()
        name = clean_name(typed)
        if form.workload is None or not form.requested:
            problems = " ".join(form.problems) or "There is no workload to save."
            raise SavedWorkloadError(f"Fix the calculator's fields first. {problems}")
        enforce(request, "workloads_per_user", key=str(user.id))
        saved = saved_workloads.save_workload(
            session=session, user_id=user.id, name=name, workload=form.workload, source=source
        )
    except SavedWorkloadError as problem:
        return _refused(
            request, session, templates, user, at, htmx, problem, name=typed, carried=carried
        )
    if not htmx:
        return _back_to_page(at)
    context = _context(session, user, at, inline=True, notice=f"Saved “{saved.name}”.")
    return _answer(request, templates, context, htmx=True)


@contextmanager
def _owned() -> Iterator[None]:
    """Someone else's workload, or none: 404 either way."""
    try:
        yield
    except SavedWorkloadNotFoundError as problem:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(problem)) from problem


@router.post("/workloads/{workload_id:int}/rename", name="workloads.rename")
def rename(
    request: Request,
    workload_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    name: TextForm = "",
    at: TextForm = "",
) -> Response:
    """Give one of your workloads a new name."""
    with _owned():
        saved = saved_workloads.owned_workload(
            session=session, user_id=user.id, workload_id=workload_id
        )
    try:
        cleaned = clean_name(name)
        enforce(request, "workloads_per_user", key=str(user.id))
        saved_workloads.rename_workload(session=session, saved=saved, name=cleaned)
    except SavedWorkloadError as problem:
        return _refused(request, session, templates, user, at, htmx, problem, error_for=workload_id)
    if not htmx:
        return _back_to_page(at)
    context = _context(session, user, at, inline=True, notice=f"Renamed “{saved.name}”.")
    return _answer(request, templates, context, htmx=True)


@router.post("/workloads/{workload_id:int}/delete", name="workloads.delete")
def delete(
    request: Request,
    workload_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    at: TextForm = "",
) -> Response:
    """Delete one of your workloads for good."""
    with _owned():
        saved_workloads.delete_workload(session=session, user_id=user.id, workload_id=workload_id)
    if not htmx:
        return _back_to_page(at)
    context = _context(session, user, at, inline=True, notice="Deleted.")
    return _answer(request, templates, context, htmx=True)
