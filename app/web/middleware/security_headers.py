"""Security headers on every response: pages, fragments, JSON, static files, errors.

A pure ASGI middleware (not BaseHTTPMiddleware): it only edits the header list
of `http.response.start`, so streaming and static files pass through untouched.
A header a route set itself is left alone.

The Content-Security-Policy allows only this origin's scripts and styles, with
no inline script or style and no eval (htmx runs with `allowEval: false`);
`frame-ancestors 'none'` forbids framing (clickjacking); `form-action 'self'`
keeps an injected form from posting elsewhere. HSTS is sent only over HTTPS,
where the browser honours it.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=31536000"
COMMON_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

RawHeaders = list[tuple[bytes, bytes]]


def security_headers(scheme: str) -> dict[str, str]:
    """The headers for a response sent over `scheme` (http or https)."""
    if scheme == "https":
        return {**COMMON_HEADERS, "Strict-Transport-Security": HSTS}
    return COMMON_HEADERS


def _encoded(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.lower().encode(), value.encode()) for name, value in headers.items())


# Encoded once: every response of the app passes through here.
_ENCODED = {scheme: _encoded(security_headers(scheme)) for scheme in ("http", "https")}


def add_security_headers(headers: RawHeaders, scheme: str) -> None:
    """Append to an ASGI header list each security header it does not already carry."""
    present = {name.lower() for name, _ in headers}
    headers.extend(header for header in _ENCODED[scheme] if header[0] not in present)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scheme = "https" if scope.get("scheme") == "https" else "http"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not isinstance(headers, list):
                    headers = message["headers"] = list(headers)
                add_security_headers(headers, scheme)
            await send(message)

        await self.app(scope, receive, send_with_headers)
