"""Signing up, in and out; and the dependencies that tell routes who is signed in.

Routes declare one of
- `CurrentUserDep`: the signed-in `User`, or None (one query at most, none
  without a session cookie);
- `RequiredUserDep`: a `User`; an anonymous visitor gets `SignInRequired`, which
  the app turns into a redirect to the sign-in page (or a 401 message for htmx)
  before the route runs, so nothing is written;
- `AdminUserDep`: a signed-in administrator; anyone else signed in gets 403.

Pages stay the same for every visitor: the header's account area is a static
"Sign in" link that htmx replaces with `GET /account/menu`, the per-visitor
fragment.
"""

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.config import Settings
from app.models.accounts import User
from app.services.accounts import account_actions
from app.services.accounts.sessions import IssuedSession, create_session, revoke_session
from app.web.middleware import rate_limit
from app.web.middleware.errors import message_fragment
from app.web.middleware.password_checks import password_check
from app.web.middleware.visitor import (
    ANONYMOUS,
    SESSION_COOKIE,
    Visitor,
    expire_session_cookie,
    load_visitor,
    mark_private,
    queue_welcome,
    read_cookie,
    remember_visitor,
    session_policy,
    set_session_cookie,
    take_welcome,
)
from app.web.routes.deps import SessionDep, SettingsDep, TemplatesDep, is_htmx
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

MAX_NEXT_LENGTH = 2000
SIGN_IN_FAILED = "The email or password is not right."
SIGN_IN_TO_CONTINUE = "Sign in to do that."


class SignInRequired(Exception):  # noqa: N818 - named for what it means to callers
    """Raised for an anonymous visitor where a signed-in user is required."""


def current_user(request: Request, session: SessionDep) -> User | None:
    """The signed-in user, or None."""
    return load_visitor(request, session).user


CurrentUserDep = Annotated[User | None, Depends(current_user)]


def require_user(user: CurrentUserDep) -> User:
    """The signed-in user; `SignInRequired` for an anonymous visitor."""
    if user is None:
        raise SignInRequired
    return user


RequiredUserDep = Annotated[User, Depends(require_user)]


def require_admin(user: RequiredUserDep) -> User:
    """The signed-in user if an administrator; 403 for anyone else signed in."""
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only administrators can do this.")
    return user


AdminUserDep = Annotated[User, Depends(require_admin)]


def safe_next(candidate: str | None) -> str:
    """`candidate` if it is a path on this site, else "/" (no open redirects).

    Refused: absolute URLs, scheme-relative `//host`, backslashes (browsers read
    `/\\host` as `//host`), and control characters or spaces (browsers strip
    some of them, turning `/\\t/host` into `//host`).
    """
    if not candidate or len(candidate) > MAX_NEXT_LENGTH or not candidate.startswith("/"):
        return "/"
    if candidate.startswith("//") or "\\" in candidate:
        return "/"
    if any(ord(char) <= 0x20 or 0x7F <= ord(char) <= 0x9F for char in candidate):
        return "/"
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return "/"
    return candidate


def _local_path(url: str | None, request: Request) -> str | None:
    """The path (and query) of `url` if it points at this site, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc != request.url.netloc:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if safe_next(path) == path else None


def return_path(request: Request) -> str:
    """Where to come back to after signing in, for a request that needs a user.

    A page asked for directly comes back to itself; a form post or an htmx
    request comes back to the page it was made from (same-site Referer or
    htmx's HX-Current-URL), else to the catalog.
    """
    if request.method == "GET" and not is_htmx(request):
        return _local_path(str(request.url), request) or "/"
    page = request.headers.get("hx-current-url") or request.headers.get("referer")
    return _local_path(page, request) or "/"


def login_url(next_path: str) -> str:
    """The sign-in page, returning to `next_path` afterwards."""
    return "/login" if next_path == "/" else f"/login?next={quote(next_path, safe='/')}"


async def sign_in_required(request: Request, _exc: Exception) -> Response:
    """The app-wide answer to `SignInRequired`: go sign in, then come back."""
    target = login_url(return_path(request))
    if is_htmx(request):
        return message_fragment(
            request,
            status.HTTP_401_UNAUTHORIZED,
            SIGN_IN_TO_CONTINUE,
            link_href=target,
            link_text="Sign in",
        )
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def start_session(request: Request, issued: IssuedSession, settings: Settings) -> None:
    """Send the new session's cookie and make it this request's visitor."""
    set_session_cookie(request, issued.token, settings)
    remember_visitor(request, Visitor(session=issued.row))


def end_current_session(request: Request, session: SessionDep) -> None:
    """Delete the session this browser's cookie names, if any (sign-out; fixation)."""
    token = read_cookie(request, SESSION_COOKIE)
    if token:
        revoke_session(session=session, token=token)
    remember_visitor(request, ANONYMOUS)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def _form_page(
    request: Request,
    templates: TemplatesDep,
    template: str,
    context: dict,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    mark_private(request)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/signup", name="auth.signup", response_class=HTMLResponse)
def signup_page(
    request: Request, templates: TemplatesDep, user: CurrentUserDep, next: str = "/"
) -> Response:
    """The sign-up form (a signed-in visitor goes straight on)."""
    if user is not None:
        return _redirect(safe_next(next))
    return _form_page(
        request, templates, "auth/signup.html", {"next": safe_next(next), "values": {}}
    )


@router.post("/signup", name="auth.signup_submit", response_class=HTMLResponse)
def signup_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    email: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Create the account and sign it in; show each field's problem otherwise."""
    rate_limit.enforce(request, "signups_per_ip", rate_limit.client_ip(request))
    try:
        with password_check(request):
            issued = account_actions.sign_up(
                session=session,
                email=email,
                display_name=display_name,
                password=password,
                policy=session_policy(settings),
            )
    except account_actions.AccountDetailsError as problems:
        duplicate = problems.problems == {"email": account_actions.DUPLICATE_EMAIL}
        return _form_page(
            request,
            templates,
            "auth/signup.html",
            {
                "next": safe_next(next),
                "values": {"email": email, "display_name": display_name},
                "errors": problems.problems,
            },
            status.HTTP_409_CONFLICT if duplicate else status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    end_current_session(request, session)
    start_session(request, issued, settings)
    queue_welcome(request)
    return _redirect(safe_next(next))


@router.get("/login", name="auth.login", response_class=HTMLResponse)
def login_page(
    request: Request, templates: TemplatesDep, user: CurrentUserDep, next: str = "/"
) -> Response:
    """The sign-in form (a signed-in visitor goes straight on)."""
    if user is not None:
        return _redirect(safe_next(next))
    return _form_page(
        request, templates, "auth/login.html", {"next": safe_next(next), "values": {}}
    )


@router.post("/login", name="auth.login_submit", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in with a fresh session; one answer for unknown email and wrong password.

    Attempts are counted per account and per IP address, reserved before the
    password is checked (see `rate_limit.attempt`); once either limit is used
    up the form answers 429 without checking the password at all.
    """
    account_key = account_actions.normalise_email(email)
    ip_key = rate_limit.client_ip(request)
    context = {"next": safe_next(next), "values": {"email": email}}
    try:
        with (
            rate_limit.attempt(
                request,
                ("login_failures_per_account", account_key),
                ("login_failures_per_ip", ip_key),
            ) as attempt,
            password_check(request),
        ):
            user = account_actions.authenticate(session=session, email=email, password=password)
            attempt.succeeded = user is not None
    except rate_limit.RateLimited as limited:
        response = _form_page(
            request,
            templates,
            "auth/login.html",
            {**context, "form_error": limited.detail},
            status.HTTP_429_TOO_MANY_REQUESTS,
        )
        response.headers.update(limited.headers or {})
        return response
    if user is None:
        return _form_page(
            request,
            templates,
            "auth/login.html",
            {**context, "form_error": SIGN_IN_FAILED},
            status.HTTP_400_BAD_REQUEST,
        )
    rate_limit.reset(request, "login_failures_per_account", account_key)
    end_current_session(request, session)
    issued = create_session(session=session, user=user, policy=session_policy(settings))
    start_session(request, issued, settings)
    return _redirect(safe_next(next))


@router.post("/logout", name="auth.logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End this browser's session and forget its cookie."""
    end_current_session(request, session)
    expire_session_cookie(request)
    return _redirect("/")


@router.get("/account/menu", name="auth.menu", response_class=HTMLResponse)
def account_menu(request: Request, templates: TemplatesDep, user: CurrentUserDep) -> Response:
    """The header's account area for this visitor (loaded by htmx into every page); right
    after sign-up it also greets the new account, out of band in the page's message area."""
    mark_private(request)
    page = _local_path(request.headers.get("hx-current-url"), request) or "/"
    context = {
        "user": user,
        "login_href": login_url(page),
        "welcome": user is not None and take_welcome(request),
    }
    response = templates.TemplateResponse(request, "auth/_account_menu.html", context)
    response.headers["Vary"] = "Cookie"
    return response
