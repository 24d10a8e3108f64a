"""Who is asking: the session cookie, the signed-in session it points to, and cookie writes.

The visitor is looked up lazily, at most once per request, and remembered on
`request.state`: a page that never asks who is signed in costs no query, and
one that asks twice (CSRF check, then the route) costs one.

Cookies are HttpOnly, SameSite=Lax, Path=/. Over HTTPS they are also Secure
and carry the `__Host-` prefix, which makes the browser refuse them unless they
come from this exact host over HTTPS: a sibling subdomain cannot plant one.
Whether a request is HTTPS is `request.url.scheme`; behind a TLS-terminating
proxy, uvicorn sets it from `X-Forwarded-Proto`, but only for the proxies
named in `MODELATLAS_FORWARDED_ALLOW_IPS` (none by default).

Code that cannot reach the response (a template asking for a CSRF token, a
dependency finding a dead session) queues cookie writes on the request;
`ResponseCookiesMiddleware` adds them to whatever response goes out.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db import session_scope
from app.models.accounts import User, UserSession
from app.services.accounts.sessions import SessionPolicy, load_session

SESSION_COOKIE = "modelatlas_session"
# Set by sign-up, read once by the header's account menu (loaded by htmx), which says welcome.
WELCOME_COOKIE = "modelatlas_welcome"
WELCOME_SECONDS = 300
SECURE_PREFIX = "__Host-"
# Responses that carry a per-visitor secret (a CSRF token) must never be stored by
# a shared cache, or one visitor's token would be served to the next.
PRIVATE_CACHE_CONTROL = "private, no-store"


@dataclass(frozen=True)
class Visitor:
    """The signed-in session of this request, or none for an anonymous visitor."""

    session: UserSession | None

    @property
    def user(self) -> User | None:
        return self.session.user if self.session else None


@dataclass
class PendingCookies:
    """Cookie writes (by name: the last write wins) and the no-store flag."""

    set_cookie_headers: dict[str, str] = field(default_factory=dict)
    private: bool = False


ANONYMOUS = Visitor(session=None)


def is_https(request: Request) -> bool:
    """True when the browser reached us over HTTPS."""
    return request.url.scheme == "https"


def cookie_name(request: Request, base_name: str) -> str:
    """The name a cookie has on this request's scheme (`__Host-` prefixed over HTTPS)."""
    return scheme_cookie_name(request.url.scheme, base_name)


def scheme_cookie_name(scheme: str, base_name: str) -> str:
    """The name a cookie has over `scheme`, for code that has an ASGI scope, not a Request."""
    return f"{SECURE_PREFIX}{base_name}" if scheme == "https" else base_name


def read_cookie(request: Request, base_name: str) -> str | None:
    """A cookie's value under the name this scheme uses; the other name is ignored."""
    return request.cookies.get(cookie_name(request, base_name)) or None


def session_policy(settings: Settings) -> SessionPolicy:
    """The settings' idle and absolute lifetimes of a session."""
    return SessionPolicy(
        idle=timedelta(hours=settings.session_idle_timeout_hours),
        absolute=timedelta(hours=settings.session_absolute_timeout_hours),
    )


def cookie_header(
    request: Request, base_name: str, value: str, *, max_age: int | None = None
) -> str:
    """A complete Set-Cookie value with this app's flags."""
    cookie: SimpleCookie = SimpleCookie()
    name = cookie_name(request, base_name)
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if is_https(request):
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString()


def pending_cookies(request: Request) -> PendingCookies:
    """This request's queue of cookie writes (made on first use)."""
    if not hasattr(request.state, "pending_cookies"):
        request.state.pending_cookies = PendingCookies()
    return request.state.pending_cookies


def queue_cookie(
    request: Request, base_name: str, value: str, *, max_age: int | None = None
) -> None:
    """Set this cookie on the response, whichever response it turns out to be."""
    header = cookie_header(request, base_name, value, max_age=max_age)
    pending_cookies(request).set_cookie_headers[base_name] = header


def mark_private(request: Request) -> None:
    """Keep this response out of shared caches (it holds something per visitor)."""
    pending_cookies(request).private = True


def set_session_cookie(request: Request, token: str, settings: Settings) -> None:
    """Hand the browser a new session token, living as long as the session can."""
    max_age = settings.session_absolute_timeout_hours * 3600
    queue_cookie(request, SESSION_COOKIE, token, max_age=max_age)


def queue_welcome(request: Request) -> None:
    """Ask the next account menu to greet this new account (once, within a few minutes)."""
    queue_cookie(request, WELCOME_COOKIE, "1", max_age=WELCOME_SECONDS)


def take_welcome(request: Request) -> bool:
    """Whether this browser has just signed up; the greeting is then spent."""
    if read_cookie(request, WELCOME_COOKIE) is None:
        return False
    queue_cookie(request, WELCOME_COOKIE, "", max_age=0)
    return True


def expire_session_cookie(request: Request) -> None:
    """Tell the browser to drop its session cookie (signed out or no longer valid)."""
    queue_cookie(request, SESSION_COOKIE, "", max_age=0)


def remember_visitor(request: Request, visitor: Visitor) -> None:
    """Record who this request now belongs to (after a lookup, a sign-in or a sign-out)."""
    request.state.visitor = visitor


def load_visitor(request: Request, session: Session) -> Visitor:
    """The visitor of this request, looked up once: no cookie means no query."""
    known: Visitor | None = getattr(request.state, "visitor", None)
    if known is not None:
        return known
    token = read_cookie(request, SESSION_COOKIE)
    visitor = ANONYMOUS
    if token:
        row = load_session(
            session=session, token=token, policy=session_policy(request.app.state.settings)
        )
        if row is None:
            expire_session_cookie(request)
        else:
            visitor = Visitor(session=row)
    remember_visitor(request, visitor)
    return visitor


def load_visitor_outside_route(request: Request) -> Visitor:
    """The visitor, for code with no database session of its own (template globals)."""
    known: Visitor | None = getattr(request.state, "visitor", None)
    if known is not None:
        return known
    if not read_cookie(request, SESSION_COOKIE):
        remember_visitor(request, ANONYMOUS)
        return ANONYMOUS
    with session_scope(request.app.state.session_factory) as session:
        return load_visitor(request, session)


class ResponseCookiesMiddleware:
    """Pure ASGI: add the request's queued cookies (and no-store flag) to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_cookies(message: Message) -> None:
            queued: PendingCookies | None = state.get("pending_cookies")
            if message["type"] == "http.response.start" and queued is not None:
                headers = MutableHeaders(scope=message)
                for header in queued.set_cookie_headers.values():
                    headers.append("set-cookie", header)
                if queued.private:
                    headers["cache-control"] = PRIVATE_CACHE_CONTROL
            await send(message)

        await self.app(scope, receive, send_with_cookies)
