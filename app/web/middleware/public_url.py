"""Serve every request as if it came to the configured public address (`MODELATLAS_PUBLIC_URL`).

Absolute links (the Atom feeds'), the page cache's key and the cross-site
check all read the request's scheme and Host header. Behind a proxy that
does not pass the original Host, or wherever a client may send any Host it
likes, those would follow whatever the client said. With a public URL set,
this middleware rewrites the scope before anything else reads it: the scheme,
the server address and the Host header become the configured origin's, so
every part of the app agrees on one address. Without the setting the app
trusts the Host header, as before (and the README says so).
"""

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_PORTS = {"http": 80, "https": 443}


class PublicUrlMiddleware:
    """Pure ASGI: replaces scheme, server and Host of HTTP requests with the public origin's."""

    def __init__(self, app: ASGIApp, *, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url)
        self.scheme = parts.scheme
        self.host_header = parts.netloc.encode("latin-1")
        self.server = (parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
        headers.append((b"host", self.host_header))
        scope = {**scope, "scheme": self.scheme, "server": self.server, "headers": headers}
        await self.app(scope, receive, send)
