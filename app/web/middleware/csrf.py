"""Cross-site request forgery defence for every unsafe request, with no route opting in.

`verify_csrf` is the first dependency of every route that accepts an unsafe
method (`app.web.routes.unit_of_work.UnitOfWorkRoute` adds it): every POST, PUT,
PATCH and DELETE must
1. not come from another site: a browser's `Sec-Fetch-Site` must be
   `same-origin` (or `none`, a user's own action), and an `Origin` header, when
   sent, must be this site's origin: scheme, host and port (see `_same_origin`); and
2. echo the visitor's token, in the form field `csrf_token` (plain forms) or the
   `X-CSRF-Token` header (htmx, from `hx-headers` on a wrapper element).

A signed-in visitor's token is the random `csrf_token` stored with their
session. An anonymous visitor (signing up or in) gets a random cookie, and
their token is an HMAC of it under the secret key: a page on another site can
neither read the cookie nor compute the token.

Templates write the token with the `csrf_token(request)` global; for an
anonymous visitor without the cookie yet, that call queues the cookie on the
response. Either way the response is marked `no-store`.

A route that streams a large form instead of parsing it whole (the usage
replay) is marked with `token_checked_in_stream`: its automatic dependency is
only the cross-site check (`refuse_cross_site_request`, no database turn held
while a slow upload streams in), and the route itself checks the token, from
the header or the form's first field, with `verify_form_token` before it
reads anything else (`app.web.routes.replay`).
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL

from app.web.middleware.public_url import DEFAULT_PORTS
from app.web.middleware.visitor import (
    load_visitor,
    load_visitor_outside_route,
    mark_private,
    queue_cookie,
    read_cookie,
)
from app.web.routes.deps import SessionDep

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
ANONYMOUS_COOKIE = "modelatlas_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
COOKIE_VALUE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
MISSING_OR_WRONG = (
    "This form has expired or did not come from this site, so it was not accepted. "
    "Reload the page and try again."
)
CROSS_SITE = "Requests from other sites are not accepted here."
STREAMED_FORM_MARK = "csrf_token_checked_in_stream"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _anonymous_token(request: Request, cookie_value: str) -> str:
    secret = request.app.state.settings.secret_key.encode()
    return hmac.new(secret, b"csrf-anonymous:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def _anonymous_cookie_value(request: Request) -> str | None:
    value = read_cookie(request, ANONYMOUS_COOKIE)
    return value if value and COOKIE_VALUE_PATTERN.fullmatch(value) else None


def csrf_token(request: Request) -> str:
    """The token this visitor's forms must send back (the Jinja global of that name)."""
    mark_private(request)
    visitor = load_visitor_outside_route(request)
    if visitor.session is not None:
        return visitor.session.csrf_token
    value = getattr(request.state, "anonymous_csrf_cookie", None) or _anonymous_cookie_value(
        request
    )
    if value is None:
        value = secrets.token_urlsafe(32)
        queue_cookie(request, ANONYMOUS_COOKIE, value)
    request.state.anonymous_csrf_cookie = value
    return _anonymous_token(request, value)


def _expected_token(request: Request, session: SessionDep) -> str | None:
    visitor = load_visitor(request, session)
    if visitor.session is not None:
        return visitor.session.csrf_token
    value = _anonymous_cookie_value(request)
    return _anonymous_token(request, value) if value else None


def _same_origin(origin: str, site: URL) -> bool:
    """Whether an `Origin` header names the site at `site`: same scheme, host and port.

    The scheme counts: a page served over plain http (readable and writable by
    anyone on the network path) is another origin than the https site, and
    the other way round. `site` is the request's URL, which is the public
    address when `MODELATLAS_PUBLIC_URL` is set (see `web.middleware.public_url`).
    A default port, written or not, is the same port.
    """
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    return (scheme, parts.hostname, port or DEFAULT_PORTS.get(scheme)) == (
        site.scheme,
        site.hostname,
        site.port or DEFAULT_PORTS.get(site.scheme),
    )


def _refuse_cross_site(request: Request) -> None:
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ALLOWED_FETCH_SITES:
        raise HTTPException(status.HTTP_403_FORBIDDEN, CROSS_SITE)
    origin = request.headers.get("origin")
    if origin is not None and not _same_origin(origin, request.url):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CROSS_SITE)


def token_checked_in_stream(endpoint: Endpoint) -> Endpoint:
    """Mark a route that reads its own streamed form and checks its token with
    `verify_form_token` (see the module)."""
    setattr(endpoint, STREAMED_FORM_MARK, True)
    return endpoint


def checks_token_in_stream(endpoint: Callable[..., Any]) -> bool:
    """True for an endpoint marked with `token_checked_in_stream`."""
    return getattr(endpoint, STREAMED_FORM_MARK, False)


async def refuse_cross_site_request(request: Request) -> None:
    """The cross-site half of the check (403), for a route that checks its token itself."""
    if request.method not in SAFE_METHODS:
        _refuse_cross_site(request)


async def submitted_token(request: Request) -> str:
    """The token an unsafe request carries: the header first, else the form field."""
    if request.method in SAFE_METHODS:
        return ""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_CONTENT_TYPES):
        value = (await request.form()).get(FORM_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _same_token(expected: str, submitted: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input."""
    return hmac.compare_digest(expected.encode(), submitted.encode("utf-8", "replace"))


async def verify_csrf(
    request: Request,
    session: SessionDep,
    submitted: Annotated[str, Depends(submitted_token)],
) -> None:
    """Refuse an unsafe request from another site or without this visitor's token (403).

    A safe request to a route that also takes unsafe ones passes at once; the
    check, which may read the visitor's session from the database, runs in a
    worker thread.
    """
    if request.method in SAFE_METHODS:
        return
    await run_in_threadpool(_verify, request, session, submitted)


def _verify(request: Request, session: SessionDep, submitted: str) -> None:
    _refuse_cross_site(request)
    verify_form_token(request, session, submitted)


def verify_form_token(request: Request, session: SessionDep, submitted: str) -> None:
    """Refuse (403) a token that is not this visitor's; run in a worker thread."""
    expected = _expected_token(request, session)
    if not expected or not submitted or not _same_token(expected, submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, MISSING_OR_WRONG)
