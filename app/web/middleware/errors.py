"""Error pages: a friendly 404 and 500 in HTML, JSON under /api, never a traceback."""

import logging
import sqlite3
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.middleware.database_gate import RETRY_AFTER_SECONDS, DatabaseBusy
from app.web.middleware.security_headers import add_security_headers
from app.web.routes.deps import is_htmx

logger = logging.getLogger("app.errors")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


# Where an htmx request's error message goes: a region in base.html, so the message
# shows at a fixed place instead of replacing the element that made the request.
MESSAGE_REGION = "#flash"


def message_fragment(
    request: Request,
    status_code: int,
    message: str,
    *,
    link_href: str | None = None,
    link_text: str | None = None,
) -> Response:
    """A short message for an htmx request, swapped into the page's message region."""
    response = request.app.state.templates.TemplateResponse(
        request,
        "errors/_message.html",
        {"message": message, "link_href": link_href, "link_text": link_text},
        status_code=status_code,
    )
    response.headers["HX-Retarget"] = MESSAGE_REGION
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def _render(request: Request, status_code: int, title: str, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"code": status_code, "message": message}}, status_code)
    if is_htmx(request):
        return message_fragment(request, status_code, message)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
    )


TITLES = {
    400: "Bad request",
    401: "Sign in required",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
    503: "Temporarily unavailable",
}


# Starlette's own 404 and 405 carry only the status phrase ("Not Found");
# say instead what the visitor can do about it.
STOCK_PHRASE_MESSAGES = {
    404: "There is nothing at this address. Check the link, or find what you need "
    "from the catalog.",
    405: "This address does not accept that kind of request.",
}


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Any HTTPException as a page (or JSON for the API) with its own message."""
    title = TITLES.get(exc.status_code, "Error")
    message = exc.detail if isinstance(exc.detail, str) else title
    friendlier = STOCK_PHRASE_MESSAGES.get(exc.status_code)
    if friendlier and message == HTTPStatus(exc.status_code).phrase:
        message = friendlier
    response = _render(request, exc.status_code, title, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """Invalid path or query input: say which parameter and why, with status 422."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'][1:]) or 'request'}: {err['msg']}"
        for err in exc.errors()
    )
    return _render(request, 422, TITLES[422], problems)


async def server_error(request: Request, exc: Exception) -> Response:
    """Log the traceback for operators; show the visitor a plain apology."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response = _render(
        request,
        500,
        "Something went wrong",
        "The server hit an unexpected error. It has been logged; please try again.",
    )
    # Starlette sends this response from outside the middleware stack, past
    # SecurityHeadersMiddleware, so the headers are added here.
    add_security_headers(response.raw_headers, request.url.scheme)
    return response


DATABASE_UNAVAILABLE = (
    "The database is not answering right now, so this could not be shown or saved. "
    "Please try again in a moment."
)
WRITE_CONFLICT = (
    "This change conflicted with another one made at the same moment and was not saved. "
    "Reload the page and try again."
)


# SQLite reports a missing table as an OperationalError too: only these messages
# mean the database could not be reached or was busy, not that the code is wrong.
SQLITE_UNAVAILABLE_MESSAGES = ("locked", "busy", "unable to open", "disk i/o")


def means_unavailable(exc: Exception) -> bool:
    """True when `exc` says the database is down, hung, locked or busy (not a bug)."""
    if isinstance(exc, DatabaseBusy | PoolTimeout | InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if exc.connection_invalidated or not isinstance(exc.orig, sqlite3.Error):
        return True
    return any(message in str(exc.orig).lower() for message in SQLITE_UNAVAILABLE_MESSAGES)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """The database is down, hung, locked or busy: 503 and when to come back, never a 500.

    Nothing was committed (a commit that fails raises here before any answer
    was sent), so the visitor may simply retry. The driver's message, which
    names hosts and databases, goes to the log only. Any other database error
    is a bug, answered as one.
    """
    if not means_unavailable(exc):
        return await server_error(request, exc)
    logger.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        (str(exc).strip().splitlines() or [type(exc).__name__])[0],
    )
    response = _render(request, 503, TITLES[503], DATABASE_UNAVAILABLE)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def write_conflict(request: Request, exc: Exception) -> Response:
    """A constraint refused the write (two requests raced for one row): 409, nothing saved."""
    logger.warning("write conflict on %s %s: %s", request.method, request.url.path, exc)
    return _render(request, 409, TITLES[409], WRITE_CONFLICT)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    # Starlette types every handler as taking any Exception; it calls each with its own class.
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    for unavailable in (DatabaseBusy, OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, database_unavailable)
    app.add_exception_handler(IntegrityError, write_conflict)
    app.add_exception_handler(Exception, server_error)
