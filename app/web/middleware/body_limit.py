"""A cap on request body size, so a huge form cannot tie up memory or a worker.

Starlette parses a whole urlencoded form into memory and has no overall limit;
our largest legitimate body is a 5,000-character comment. A request announcing
a larger `Content-Length` is refused with 413 before the app runs; a body sent
without one (chunked) is read up to the cap first and refused the same way if
it goes over, so the app never sees a partial body. Pure ASGI, like the others.

A few paths take larger bodies by design (the usage replay reads a log of up
to `MODELATLAS_REPLAY_MAX_BYTES`); they name their own cap in `larger`, and
every other path keeps the small one.
"""

from collections.abc import Mapping

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimitMiddleware:
    """Answer 413 to any HTTP request whose body exceeds `max_bytes` (or its path's own cap)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None:
            if declared > limit:
                await self._refuse(limit, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        buffered = await self._read_capped(receive, limit)
        if buffered is None:
            await self._refuse(limit, scope, receive, send)
            return
        await self.app(scope, _replay(buffered, receive), send)

    async def _read_capped(self, receive: Receive, limit: int) -> list[Message] | None:
        """Every body message of a request, or None once they exceed the cap."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > limit:
                return None
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse(
            f"The request body is larger than {limit:,} bytes, the most this site accepts.",
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive callable that hands out the buffered messages, then the real ones."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
