"""Routes of watching models: the button on a model page, and the watches page.

The model page is the same for every visitor (it may be cached for all), so
it carries only a slot for the button: a plain link to
`GET …/watch` that htmx swaps, on load, for this visitor's own button from
the same address (an anonymous visitor gets a sign-in link). Without
JavaScript the link opens a small page with the same form.

`/account/watches` lists the watched models, the private feed (its address
is shown once, when made; a new one replaces it, and the feed can be turned
off) and the webhooks with their delivery logs. A new webhook's secret is
shown once too, on the answer to the form that made it.

Every change is a POST with CSRF and counts against `watches_per_user`.
Nothing here sends a webhook: deliveries run in the import, refresh and
`modelatlas deliver` processes.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.models.accounts import User
from app.services.community.community_page import ModelRef
from app.services.publishing import watches, webhooks
from app.services.publishing.watches import WatchLimitError
from app.services.publishing.webhooks import WebhookError, WebhookNotFoundError
from app.web.middleware.rate_limit import enforce
from app.web.middleware.visitor import mark_private
from app.web.routes.auth import CurrentUserDep, RequiredUserDep, SignInRequired, safe_next
from app.web.routes.deps import HtmxDep, SessionDep, SettingsDep, TemplatesDep, model_or_404
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

MODEL_PATH = "/models/{author_slug}/{model_slug}"
PAGE_PATH = "/account/watches"
RULE = "watches_per_user"
TextForm = Annotated[str, Form()]


def _model_url(request: Request, model: ModelRef) -> str:
    return request.url_for(
        "models.page", author_slug=model.author_slug, model_slug=model.model_slug
    ).path


def _button(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    user: User | None,
    model: ModelRef,
    *,
    htmx: bool,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    mark_private(request)
    watching = user is not None and watches.is_watching(
        session=session, user_id=user.id, model_id=model.id
    )
    context = {
        "user": user,
        "model": model,
        "model_url": _model_url(request, model),
        "watching": watching,
        "notice": notice,
        "error": error,
    }
    response = templates.TemplateResponse(
        request,
        "watches/button.html",
        context,
        block_name="button" if htmx else None,
        status_code=status_code,
    )
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


@router.get(f"{MODEL_PATH}/watch", name="watches.button", response_class=HTMLResponse)
def watch_button(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: CurrentUserDep,
) -> Response:
    """This visitor's watch button: the fragment for htmx, else a page with the form.

    Every anonymous view of a model page asks for it, so an anonymous visitor's
    sign-in link is answered from the address alone, without a query.
    """
    if user is None:
        if not htmx:
            raise SignInRequired
        mark_private(request)
        model_url = request.url_for(
            "models.page", author_slug=author_slug, model_slug=model_slug
        ).path
        return templates.TemplateResponse(
            request,
            "watches/button.html",
            {"user": None, "model_url": model_url},
            block_name="button",
            headers={"Vary": "HX-Request, Cookie"},
        )
    model = model_or_404(session, f"{author_slug}/{model_slug}")
    return _button(request, session, templates, user, model, htmx=htmx)


@router.post(f"{MODEL_PATH}/watch", name="watches.toggle", response_class=HTMLResponse)
def toggle_watch(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    watch: TextForm = "1",
    next: TextForm = "",
) -> Response:
    """Watch (`watch=1`) or stop watching (`watch=0`) the model."""
    model = model_or_404(session, f"{author_slug}/{model_slug}")
    if watch not in ("0", "1"):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "watch must be 1 or 0.")
    enforce(request, RULE, key=str(user.id))
    try:
        if watch == "1":
            watches.watch(session=session, user_id=user.id, model_id=model.id)
        else:
            watches.unwatch(session=session, user_id=user.id, model_id=model.id)
    except WatchLimitError as problem:
        if not htmx:
            raise HTTPException(status.HTTP_409_CONFLICT, str(problem)) from problem
        return _button(
            request,
            session,
            templates,
            user,
            model,
            htmx=True,
            error=str(problem),
            status_code=status.HTTP_409_CONFLICT,
        )
    if not htmx:
        target = safe_next(next) if next else _model_url(request, model)
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    notice = "Watching: changes reach your feed and webhooks." if watch == "1" else "Not watching."
    return _button(request, session, templates, user, model, htmx=True, notice=notice)


def _page(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    user: User,
    *,
    status_code: int = status.HTTP_200_OK,
    **state: Any,
) -> Response:
    mark_private(request)
    context = {
        "user": user,
        "watched": watches.watched_models(session=session, user_id=user.id),
        "feed_made": watches.feed_token_made(session=session, user_id=user.id),
        "feed_url": None,
        "webhooks": webhooks.webhooks_of(session=session, user_id=user.id),
        "new_secret": None,
        "webhook_error": None,
        "typed_url": "",
        "notice": None,
        "max_webhooks": webhooks.MAX_WEBHOOKS_PER_USER,
        **state,
    }
    response = templates.TemplateResponse(
        request, "watches/page.html", context, status_code=status_code
    )
    # Secrets may be on it (a new feed address or webhook secret): kept by no cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _back() -> RedirectResponse:
    return RedirectResponse(PAGE_PATH, status_code=status.HTTP_303_SEE_OTHER)


@router.get(PAGE_PATH, name="watches.page", response_class=HTMLResponse)
def watches_page(
    request: Request, session: SessionDep, templates: TemplatesDep, user: RequiredUserDep
) -> Response:
    """Watched models, the private feed and the webhooks."""
    return _page(request, session, templates, user)


@router.post(f"{PAGE_PATH}/feed", name="watches.new_feed", response_class=HTMLResponse)
def new_feed(
    request: Request, session: SessionDep, templates: TemplatesDep, user: RequiredUserDep
) -> Response:
    """Make a new secret feed address (the old one stops working); shown on this answer only."""
    enforce(request, RULE, key=str(user.id))
    token = watches.new_feed_token(session=session, user_id=user.id)
    feed_url = str(request.url_for("feeds.watched", token=token))
    notice = "Your new feed address is below. Copy it now: it is shown only this once."
    return _page(request, session, templates, user, feed_url=feed_url, notice=notice)


@router.post(f"{PAGE_PATH}/feed/revoke", name="watches.revoke_feed")
def revoke_feed(request: Request, session: SessionDep, user: RequiredUserDep) -> Response:
    """Turn the private feed off: its address answers 404 from now on."""
    enforce(request, RULE, key=str(user.id))
    watches.revoke_feed_token(session=session, user_id=user.id)
    return _back()


@router.post(f"{PAGE_PATH}/webhooks", name="watches.add_webhook", response_class=HTMLResponse)
def add_webhook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: RequiredUserDep,
    url: TextForm = "",
) -> Response:
    """Add a webhook; its secret is shown on this answer only."""
    try:
        cleaned = webhooks.clean_url(url, allow_loopback=settings.webhooks_allow_loopback)
        enforce(request, RULE, key=str(user.id))
        webhook = webhooks.add_webhook(
            session=session,
            user_id=user.id,
            url=cleaned,
            allow_loopback=settings.webhooks_allow_loopback,
        )
    except WebhookError as problem:
        return _page(
            request,
            session,
            templates,
            user,
            webhook_error=str(problem),
            typed_url=url,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    notice = "Webhook added. Copy its secret now: it is shown only this once."
    return _page(
        request, session, templates, user, new_secret=(webhook.id, webhook.secret), notice=notice
    )


def _owned_or_404(action: Callable[[], None]) -> None:
    """Someone else's webhook, or none: 404 either way."""
    try:
        action()
    except WebhookNotFoundError as problem:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(problem)) from problem


@router.post(f"{PAGE_PATH}/webhooks/{{webhook_id:int}}/delete", name="watches.remove_webhook")
def remove_webhook(
    request: Request, webhook_id: int, session: SessionDep, user: RequiredUserDep
) -> Response:
    """Remove a webhook and its delivery log."""
    enforce(request, RULE, key=str(user.id))
    _owned_or_404(
        lambda: webhooks.remove_webhook(session=session, user_id=user.id, webhook_id=webhook_id)
    )
    return _back()


@router.post(f"{PAGE_PATH}/webhooks/{{webhook_id:int}}/enable", name="watches.enable_webhook")
def enable_webhook(
    request: Request, webhook_id: int, session: SessionDep, user: RequiredUserDep
) -> Response:
    """Enable a webhook that failed too often, once its receiver is fixed."""
    enforce(request, RULE, key=str(user.id))
    _owned_or_404(
        lambda: webhooks.enable_webhook(session=session, user_id=user.id, webhook_id=webhook_id)
    )
    return _back()
