"""Error pages: a friendly 404 and 500 in HTML, JSON under /api, never a traceback."""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.deps import is_htmx
from app.web.security_headers import add_security_headers

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
    add_security_headers(response.headers, request.url.scheme)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
