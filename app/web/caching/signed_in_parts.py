"""A signed-in visitor's own parts of a model page, answered from the memo before FastAPI runs.

Every page view of a signed-in visitor asks htmx's `GET …/community/me`
(see `web.routes.community`): their star form, their compose form and their controls
on the comments shown. The route remembers what it rendered in the app's
`ComputedMemo` under `PartsRequest.key` (the session, the person as the forms
show them, the request's choices) and the content version, for the requests
`parts_request` reads, the same function this middleware reads them with. Answering a
remembered one through the route still cost routing, dependency injection
and an ORM session lookup: about twice what the answer itself needs. So this
pure ASGI middleware answers it with one Core statement that reads the
session, its user and the content version together (`PartsSessionReader`
says where it runs on each backend), then the memo.

What stays as in the route: the session is looked up on every request, so a
revoked (deleted) or ended session never gets a remembered answer; the
answer is the route's own bytes with the route's headers (tested), kept out
of shared caches (`Cache-Control: private, no-store`).

Anything else goes on to the route, which renders, remembers and writes:
- not an htmx GET of that address with a session cookie (without htmx the
  address is a page of its own; a history restore wants the page too);
- query parameters other than one `comments_page` and one `only=controls`;
- no such session, an ended one (the route deletes it and expires the
  cookie), or one due to have its last-seen time written (`touch_due`);
- nothing remembered under the key at the current version: the memo is off,
  it is the first view, or something was written since.

Where it sits: inside the page cache, the request log and the security headers
(answers are logged and carry them), outside the queued-cookie middleware
(an answer from here sets no cookie).
"""

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import utcnow
from app.services.accounts.sessions import has_ended, token_digest, touch_due
from app.services.publishing.computed_memo import ComputedMemo
from app.web.caching.parts_session_reader import PartsSessionReader, SessionLookupError
from app.web.middleware.database_gate import DatabaseBusy
from app.web.middleware.visitor import (
    PRIVATE_CACHE_CONTROL,
    SESSION_COOKIE,
    scheme_cookie_name,
    session_policy,
)

logger = logging.getLogger("app.signed_in_parts")

PATH_PREFIX = "/models/"
PATH_SUFFIX = "/community/me"
QUERY_NAMES = frozenset({"comments_page", "only"})
ONLY_CHOICES = frozenset({"controls"})


@dataclass(frozen=True, slots=True)
class PartsRequest:
    """A request for a visitor's parts that may be answered from the memo: the model and
    the choices, read from the request by `parts_request` for the middleware and the
    route alike."""

    slug: str
    comments_page: str | None
    only: str | None

    def key(
        self, *, token_hash: str, csrf_token: str, user_id: int, display_name: str, is_admin: bool
    ) -> Hashable:
        """What these parts are remembered under besides the content version.

        The session (its token's hash and its CSRF token, written into the forms),
        the person as the forms and rights see them (id, name, administrator or
        not), and the request's choices. Their rating, the comments and everyone's
        rights on them change only with a write, which moves the version.
        """
        return (
            "my-parts",
            token_hash,
            csrf_token,
            user_id,
            display_name,
            is_admin,
            self.slug,
            self.comments_page,
            self.only,
        )


def parts_request(scope: Scope) -> PartsRequest | None:
    """The parts an htmx GET of `…/community/me` asks for; None for any other request.

    Other requests (see the module) are the route's alone: it neither remembers
    nor is answered for them.
    """
    path: str = scope["path"]
    if scope["method"] != "GET" or not (
        path.startswith(PATH_PREFIX) and path.endswith(PATH_SUFFIX)
    ):
        return None
    slug = path[len(PATH_PREFIX) : -len(PATH_SUFFIX)]
    author, _, model = slug.partition("/")
    if not author or not model or "/" in model:
        return None
    headers = _first_values(scope, (b"hx-request", b"hx-history-restore-request"))
    if headers[b"hx-request"] != b"true" or headers[b"hx-history-restore-request"] == b"true":
        return None
    choices = _choices(scope["query_string"])
    return None if choices is None else PartsRequest(slug=slug, **choices)


class SignedInPartsMiddleware:
    """Answer a signed-in visitor's remembered parts; pass everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = parts_request(scope) if scope["type"] == "http" else None
        token = _session_token(scope) if asked else None
        body = await _remembered(scope["app"].state, asked, token) if asked and token else None
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"text/html; charset=utf-8"),
            (b"vary", b"HX-Request, Cookie"),
            (b"cache-control", PRIVATE_CACHE_CONTROL.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _session_token(scope: Scope) -> str | None:
    """The session cookie's value, read as the route's `read_cookie` reads it."""
    cookie = _first_values(scope, (b"cookie",))[b"cookie"]
    cookies = cookie_parser(cookie.decode("latin-1")) if cookie else {}
    return cookies.get(scheme_cookie_name(scope["scheme"], SESSION_COOKIE)) or None


def _first_values(scope: Scope, names: tuple[bytes, ...]) -> dict[bytes, bytes | None]:
    """The first value of each named header (as Starlette's `headers.get` reads it)."""
    found: dict[bytes, bytes | None] = dict.fromkeys(names)
    for name, value in scope["headers"]:
        if name in found and found[name] is None:
            found[name] = value
    return found


def _choices(query_string: bytes) -> dict[str, str | None] | None:
    """`comments_page` and `only` when each is given at most once and nothing else is."""
    pairs = QueryParams(query_string).multi_items()
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or not QUERY_NAMES.issuperset(names):
        return None
    values = dict(pairs)
    only = values.get("only")
    if only is not None and only not in ONLY_CHOICES:
        return None
    return {"comments_page": values.get("comments_page"), "only": only}


async def _remembered(state: Any, asked: PartsRequest, token: str) -> bytes | None:
    """The remembered parts for a live session that needs no write, else None."""
    memo: ComputedMemo = state.computed_memo
    if not memo.enabled:
        return None
    reader: PartsSessionReader = state.parts_session_reader
    try:
        row = await reader.read(state.session_factory, state.database_gate, token_digest(token))
    except (SessionLookupError, DatabaseBusy):
        logger.warning("signed-in parts: session lookup failed; the route answers", exc_info=True)
        return None
    if row is None:
        return None
    now = utcnow()
    policy = session_policy(state.settings)
    if has_ended(row.expires_at, row.last_seen_at, policy=policy, now=now) or touch_due(
        row.last_seen_at, now=now
    ):
        return None
    key = asked.key(
        token_hash=row.token_hash,
        csrf_token=row.csrf_token,
        user_id=row.user_id,
        display_name=row.display_name,
        is_admin=row.is_admin,
    )
    found = memo.peek(key, row.content_version)
    return found if isinstance(found, bytes) else None
