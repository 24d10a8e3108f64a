"""HEAD answered like GET, without the body, for every page and file.

Uptime monitors and link checkers send HEAD; FastAPI routes declared with
`@router.get` answer it with 405. Rather than declare HEAD on every route,
this pure ASGI middleware hands the app a GET and drops the body on the way
out, keeping the status and every header (Content-Length included), which is
what HEAD means (RFC 9110, 9.3.2). The app runs as for a GET, so the answer
can never differ from the page's.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Serve HEAD requests by running the GET and sending back only the head."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_head_only)
