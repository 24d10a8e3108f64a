"""Routes of ratings and comments.

The model page shows the public part (summary, comment thread) to everyone
alike; what belongs to one visitor comes from `GET …/community/me`:

- htmx loads it once, from a hidden loader in the comments section, as a set
  of out-of-band swaps: the star form into `#rating-me`, the compose form into
  `#comment-compose`, and the controls (edit, delete, hide, unhide) into the
  empty `#comment-<id>-controls` slot of each comment on the page shown that
  this visitor may act on. Anonymous visitors get the sign-in links. A thread
  swapped in later (another page, or after a change) carries its own loader
  asking for the controls only (`only=controls`), so a half-typed comment
  in the compose form is left alone.
- Without JavaScript the same address is a page of its own with plain forms
  and the controls next to each comment; the model page links to it.

Changes answer a plain form with 303 back to the model page, and htmx with
the updated fragment: the ratings summary (plus the visitor's form, out of
band) or the comment thread (after a new comment, plus an empty compose
form). Refused input gets 422 with the message by the field and the text
kept; htmx is pointed at the form with `HX-Retarget`. A rating or comment is
counted against the visitor's rate limit only once it is valid, just before
it is written.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.models import User
from app.services.catalog.pagination import requested_page
from app.services.community import comments
from app.services.community.comments import (
    CommentHiddenError,
    CommentNotFoundError,
    InvalidCommentError,
    NotAllowedError,
    clean_body,
    permissions,
)
from app.services.community.community_page import (
    CommentThread,
    CommunityBlock,
    ModelRef,
    load_community,
    load_rating_summary,
    load_thread,
    model_by_id,
)
from app.services.community.ratings import InvalidRatingError, parse_stars, rate_model, rating_of
from app.services.publishing.snapshot import Snapshot
from app.web.caching.signed_in_parts import parts_request
from app.web.middleware.rate_limit import enforce
from app.web.middleware.visitor import load_visitor, mark_private
from app.web.routes.auth import AdminUserDep, RequiredUserDep
from app.web.routes.deps import HtmxDep, SessionDep, SnapshotDep, TemplatesDep, model_or_404
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

MODEL_PATH = "/models/{author_slug}/{model_slug}"
TextForm = Annotated[str, Form()]


def community_block(request: Request, session: Session, model: ModelRef) -> CommunityBlock:
    """The model page's public ratings and comments; `?comments_page=` picks the comments page.

    The model page found the model already, so it is passed in, not looked up again.
    """
    return load_community(
        session=session, model=model, comments_page=request.query_params.get("comments_page")
    )


def _page_url(request: Request, model: ModelRef, comments_page: int = 1, anchor: str = "") -> str:
    """The model page (at a page of comments), the way a browser is sent back to it."""
    path = request.url_for(
        "models.page", author_slug=model.author_slug, model_slug=model.model_slug
    ).path
    query = f"?{urlencode({'comments_page': comments_page})}" if comments_page > 1 else ""
    return f"{path}{query}{anchor}"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def _retargeted(response: Response, target: str) -> Response:
    """Point htmx at the form that was refused instead of the request's usual target."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _with_vary(response: Response, *headers: str) -> Response:
    response.headers["Vary"] = ", ".join(headers)
    return response


def _me_context(
    session: Session,
    model: ModelRef,
    user: User | None,
    thread: CommentThread,
    *,
    with_rating: bool = True,
) -> dict[str, Any]:
    """What the per-user parts need: the visitor, their rating, their rights on each comment."""
    return {
        "model": model,
        "user": user,
        "my_rating": rating_of(session=session, model_id=model.id, user_id=user.id)
        if user and with_rating
        else None,
        "thread": thread,
        "allowed_by_id": {
            comment.id: permissions(
                author_id=comment.author_id,
                hidden=comment.hidden,
                viewer_id=user.id if user else None,
                viewer_is_admin=bool(user and user.is_admin),
            )
            for comment in thread.comments
        },
    }


def _me_page(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    model: ModelRef,
    user: User | None,
    *,
    comments_page: str | None = None,
    status_code: int = status.HTTP_200_OK,
    **form_state: Any,
) -> Response:
    """The stand-alone page of the visitor's rating and comments (forms without JavaScript)."""
    thread = load_thread(session=session, model_id=model.id, page_text=comments_page)
    context = {
        **_me_context(session, model, user, thread),
        "ratings": load_rating_summary(session=session, model_id=model.id),
        "body": "",
        "rating_error": None,
        "comment_error": None,
        **form_state,
    }
    return templates.TemplateResponse(
        request, "community/me.html", context, status_code=status_code
    )


@router.get(f"{MODEL_PATH}/community/me", name="community.me", response_class=HTMLResponse)
async def community_me(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    snapshot: SnapshotDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    comments_page: str | None = None,
    only: Literal["controls"] | None = None,
) -> Response:
    """The visitor's own parts of the model page: out-of-band pieces for htmx, else a page.

    `only=controls` leaves out the rating and compose forms (see templates/community/_me.html).

    Every signed-in page view asks for this, so it is built for throughput:
    async, with all the database and template work in ONE worker-thread hop
    (a sync route with `CurrentUserDep` took three: the visitor, the route and
    the session's end, each costing about as much as the queries), and the
    transaction ended in that hop too, so the session dependency has nothing
    left to do in a thread of its own. The public page of comments under the
    controls is remembered per content version (`services.publishing.snapshot`), and so
    are the signed-in visitor's parts, for `web.caching.signed_in_parts` to answer.
    """
    work = partial(
        _my_parts,
        request,
        snapshot,
        templates,
        f"{author_slug}/{model_slug}",
        htmx=htmx,
        comments_page=comments_page,
        only=only,
    )
    return await run_in_threadpool(_then_commit, session, work)


def _then_commit(session: Session, work: Callable[[], Response]) -> Response:
    """`work()`, then the commit (a session's last-seen touch), in the same worker thread."""
    response = work()
    session.commit()
    return response


def _my_parts(
    request: Request,
    snapshot: Snapshot,
    templates: TemplatesDep,
    slug: str,
    *,
    htmx: bool,
    comments_page: str | None,
    only: Literal["controls"] | None,
) -> Response:
    session = snapshot.session
    mark_private(request)
    visitor = load_visitor(request, session)
    if not htmx:
        model = model_or_404(session, slug)
        response = _me_page(
            request, session, templates, model, visitor.user, comments_page=comments_page
        )
        return _with_vary(response, "HX-Request", "Cookie")

    def render() -> bytes:
        model = model_or_404(session, slug)
        # The page of comments is the same for everyone: remembered until the next write.
        thread = snapshot.remember(
            ("comment-thread", model.id, comments_page),
            lambda: load_thread(session=session, model_id=model.id, page_text=comments_page),
        )
        context = _me_context(session, model, visitor.user, thread, with_rating=only is None)
        # Starlette types a body as bytes or a memoryview; a rendered template's is bytes,
        # which bytes() hands back as it is.
        return bytes(
            templates.TemplateResponse(
                request, "community/_me.html", {**context, "only": only}, block_name="me"
            ).body
        )

    # Remembered as `web.caching.signed_in_parts` reads the request, for it to answer the next
    # one; an anonymous visitor's token is theirs alone (see csrf.csrf_token).
    asked = parts_request(request.scope)
    row = visitor.session
    if row is None or asked is None:
        body = render()
    else:
        key = asked.key(
            token_hash=row.token_hash,
            csrf_token=row.csrf_token,
            user_id=row.user.id,
            display_name=row.user.display_name,
            is_admin=row.user.is_admin,
        )
        body = snapshot.remember(key, render)
    return _with_vary(HTMLResponse(body), "HX-Request", "Cookie")


def _thread_response(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    model: ModelRef,
    page_text: str | None,
) -> Response:
    """The comment thread fragment at a page (the same for everyone)."""
    thread = load_thread(session=session, model_id=model.id, page_text=page_text)
    return templates.TemplateResponse(
        request,
        "community/_comments.html",
        {"community": {"model": model, "thread": thread}, "controls_loader": True},
        block_name="comment_thread",
    )


@router.get(f"{MODEL_PATH}/comments", name="community.thread", response_class=HTMLResponse)
def comment_thread(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    page: str | None = None,
) -> Response:
    """A page of the comments: the fragment for htmx, a redirect to the model page otherwise."""
    model = model_or_404(session, f"{author_slug}/{model_slug}")
    if not htmx:
        query = f"?{urlencode({'comments_page': page})}" if page else ""
        return _see_other(f"{_page_url(request, model)}{query}#comments")
    response = _thread_response(request, session, templates, model, page)
    if request.headers.get("hx-boosted") == "true":
        number, _ = requested_page(page)
        response.headers["HX-Push-Url"] = _page_url(request, model, number)
    return _with_vary(response, "HX-Request")


def _after_comment_change(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    htmx: bool,
    model: ModelRef,
    comments_page: str | None,
) -> Response:
    """303 back to the model page at the same page of comments; htmx gets that thread page."""
    if htmx:
        return _thread_response(request, session, templates, model, comments_page)
    number, _ = requested_page(comments_page)
    return _see_other(_page_url(request, model, number, "#comments"))


@router.post(f"{MODEL_PATH}/rating", name="community.rate", response_class=HTMLResponse)
def rate(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    stars: TextForm = "",
) -> Response:
    """Rate the model 1 to 5 stars, or change the rating given before."""
    model = model_or_404(session, f"{author_slug}/{model_slug}")
    try:
        chosen = parse_stars(stars)
    except InvalidRatingError as problem:
        return _refused_rating(request, session, templates, htmx, model, user, str(problem))
    enforce(request, "ratings_per_user", key=str(user.id))
    rate_model(session=session, model_id=model.id, user_id=user.id, stars=chosen)
    if not htmx:
        return _see_other(_page_url(request, model, anchor="#ratings"))
    context = {
        "model": model,
        "user": user,
        "my_rating": chosen,
        "ratings": load_rating_summary(session=session, model_id=model.id),
    }
    return templates.TemplateResponse(
        request, "community/_me.html", context, block_name="rating_saved"
    )


def _refused_rating(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    htmx: bool,
    model: ModelRef,
    user: User,
    error: str,
) -> Response:
    if not htmx:
        return _me_page(
            request,
            session,
            templates,
            model,
            user,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            rating_error=error,
        )
    context = {
        "model": model,
        "user": user,
        "my_rating": rating_of(session=session, model_id=model.id, user_id=user.id),
        "error": error,
    }
    response = templates.TemplateResponse(
        request,
        "community/_me.html",
        context,
        block_name="rating_form",
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
    return _retargeted(response, "#rating-me")


def _as_typed(body: str) -> str:
    """The refused text to show again: as typed, but with NULs visible as U+FFFD."""
    return body.replace("\x00", "\ufffd")


@router.post(f"{MODEL_PATH}/comments", name="community.comment", response_class=HTMLResponse)
def post_comment(
    request: Request,
    author_slug: str,
    model_slug: str,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    body: TextForm = "",
) -> Response:
    """Post a comment on the model; it appears first in the thread."""
    model = model_or_404(session, f"{author_slug}/{model_slug}")
    try:
        cleaned = clean_body(body)
    except InvalidCommentError as problem:
        if not htmx:
            return _me_page(
                request,
                session,
                templates,
                model,
                user,
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                body=_as_typed(body),
                comment_error=str(problem),
            )
        response = templates.TemplateResponse(
            request,
            "community/_me.html",
            {"model": model, "user": user, "body": _as_typed(body), "error": str(problem)},
            block_name="compose_form",
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
        return _retargeted(response, "#comment-compose")
    enforce(request, "comments_per_user", key=str(user.id))
    comments.add_comment(session=session, model_id=model.id, author=user, body=cleaned)
    if not htmx:
        return _see_other(_page_url(request, model, anchor="#comments"))
    context = {
        "model": model,
        "user": user,
        "thread": load_thread(session=session, model_id=model.id, page_text=None),
    }
    return templates.TemplateResponse(
        request, "community/_me.html", context, block_name="comment_posted"
    )


@contextmanager
def _comment_problems() -> Iterator[None]:
    """The comment services' refusals as HTTP errors: 404, 403, 409."""
    try:
        yield
    except CommentNotFoundError as problem:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(problem)) from problem
    except NotAllowedError as problem:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(problem)) from problem
    except CommentHiddenError as problem:
        raise HTTPException(status.HTTP_409_CONFLICT, str(problem)) from problem


def _edit_page(
    request: Request,
    templates: TemplatesDep,
    htmx: bool,
    model: ModelRef,
    comment_id: int,
    body: str,
    comments_page: str | None,
    error: str | None = None,
) -> Response:
    """The edit form: a page of its own, or for htmx the block swapped into the comment."""
    context = {
        "model": model,
        "comment_id": comment_id,
        "body": body,
        "page_number": requested_page(comments_page)[0],
        "error": error,
        "htmx": htmx,
    }
    response = templates.TemplateResponse(
        request,
        "community/edit.html",
        context,
        block_name="edit_form" if htmx else None,
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK,
    )
    if htmx and error:
        return _retargeted(response, f"#comment-{comment_id}-edit")
    return response


@router.get("/comments/{comment_id:int}/edit", name="community.edit_form")
def edit_form(
    request: Request,
    comment_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    comments_page: str | None = None,
) -> Response:
    """The form to edit one of your comments."""
    with _comment_problems():
        comment = comments.editable_comment(session=session, comment_id=comment_id, editor=user)
    model = model_by_id(session=session, model_id=comment.model_id)
    return _edit_page(request, templates, htmx, model, comment_id, comment.body, comments_page)


@router.post("/comments/{comment_id:int}/edit", name="community.edit")
def edit(
    request: Request,
    comment_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    body: TextForm = "",
    comments_page: TextForm = "",
) -> Response:
    """Save the new text of one of your comments; it is marked "edited"."""
    with _comment_problems():
        comment = comments.editable_comment(session=session, comment_id=comment_id, editor=user)
    model = model_by_id(session=session, model_id=comment.model_id)
    try:
        cleaned = clean_body(body)
    except InvalidCommentError as problem:
        return _edit_page(
            request,
            templates,
            htmx,
            model,
            comment_id,
            _as_typed(body),
            comments_page,
            str(problem),
        )
    enforce(request, "comments_per_user", key=str(user.id))
    comments.edit_comment(session=session, comment_id=comment_id, editor=user, body=cleaned)
    return _after_comment_change(request, session, templates, htmx, model, comments_page)


@router.post("/comments/{comment_id:int}/delete", name="community.delete")
def delete(
    request: Request,
    comment_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    user: RequiredUserDep,
    comments_page: TextForm = "",
) -> Response:
    """Delete one of your comments for good."""
    with _comment_problems():
        comment = comments.delete_comment(session=session, comment_id=comment_id, user=user)
    model = model_by_id(session=session, model_id=comment.model_id)
    return _after_comment_change(request, session, templates, htmx, model, comments_page)


def _moderate(
    request: Request,
    session: Session,
    templates: TemplatesDep,
    htmx: bool,
    admin: User,
    comment_id: int,
    comments_page: str,
    *,
    hidden: bool,
) -> Response:
    with _comment_problems():
        comment = comments.set_hidden(
            session=session, comment_id=comment_id, moderator=admin, hidden=hidden
        )
    model = model_by_id(session=session, model_id=comment.model_id)
    return _after_comment_change(request, session, templates, htmx, model, comments_page)


@router.post("/comments/{comment_id:int}/hide", name="community.hide")
def hide(
    request: Request,
    comment_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    admin: AdminUserDep,
    comments_page: TextForm = "",
) -> Response:
    """Administrators: hide a comment from everyone (it is kept, and can be unhidden)."""
    return _moderate(
        request, session, templates, htmx, admin, comment_id, comments_page, hidden=True
    )


@router.post("/comments/{comment_id:int}/unhide", name="community.unhide")
def unhide(
    request: Request,
    comment_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    htmx: HtmxDep,
    admin: AdminUserDep,
    comments_page: TextForm = "",
) -> Response:
    """Administrators: show a hidden comment again."""
    return _moderate(
        request, session, templates, htmx, admin, comment_id, comments_page, hidden=False
    )
