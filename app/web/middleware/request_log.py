"""Structured request logging as a pure ASGI middleware.

One JSON line per request (method, path, status, duration, bytes). Pure ASGI
rather than BaseHTTPMiddleware: no extra task per request, streaming intact.

The log wraps the whole app, outside Starlette's `ServerErrorMiddleware`
(`FastAPIWithRequestLog`): that middleware sends the 500 page of an unhandled
error, and `add_middleware` can only place a middleware inside it, where the
error passes by before any answer is sent and its size is unknown.
"""

import logging
import time
from json.encoder import encode_basestring_ascii
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logging_config import plain_line_writer

logger = logging.getLogger("app.requests")

# Paths whose last part is a secret (a private feed's token): logged without it, so a log
# that is shipped or shared hands out no one's feed.
SECRET_PATH_PREFIXES = ("/feeds/watched/",)
REDACTED = "[redacted]"


def logged_path(path: str) -> str:
    """The path as the log shows it: a secret's place kept, the secret itself left out."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + REDACTED
    return path


def request_line(method: str, path: str, status: int, ms: float, size: int) -> str:
    """The JSON object of one request, as `json.dumps` writes it, put together directly:
    only the two strings need encoding, and encoding the whole object was a sixth of a
    cached page's time. The strings go straight to the encoder `json.dumps` ends in for a
    string (its default `ensure_ascii`), a third of the cost of calling `json.dumps`."""
    return (
        f'{{"event": "request", "method": {encode_basestring_ascii(method)}, '
        f'"path": {encode_basestring_ascii(path)}, '
        f'"status": {status}, "ms": {ms!r}, "bytes": {size}}}'
    )


class RequestLogMiddleware:
    """Log each HTTP request once it has been answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        size = 0

        async def send_and_record(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            line = request_line(
                scope["method"],
                logged_path(scope["path"]),
                status,
                round((time.perf_counter() - started) * 1000, 2),
                size,
            )
            _log(line)


def _log(line: str) -> None:
    """Write a request's line straight to the one handler that prints it when logging is
    configured as served (`plain_line_writer`); else hand it to logging as `logger.info`
    would, less the search of the call stack for the caller's file and line."""
    write = plain_line_writer(logger)
    if write is not None:
        write(logger.name, line)
    else:
        logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, line, (), None))


# FastAPI's own OpenTelemetry spans, metrics and logs, all off: nothing here exports
# them, and checking on every request whether an exporter was configured since costs
# each answer several environment lookups.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


class FastAPIWithRequestLog(FastAPI):
    """A FastAPI app whose request log sees every answer it sends, the 500 page included.

    The request log is the app's record of its requests; FastAPI's telemetry is off.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(telemetry=NO_TELEMETRY, **options)

    def build_middleware_stack(self) -> ASGIApp:
        return RequestLogMiddleware(super().build_middleware_stack())
