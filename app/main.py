"""The application factory.

`create_app(settings)` builds a self-contained app (engine, session factory,
templates) so tests can build as many as they like against their own databases.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.paths import STATIC_DIR
from app.services.computed_memo import ComputedMemo
from app.web import (
    account,
    api,
    api_docs,
    auth,
    calculator,
    catalog,
    community,
    compare,
    directory,
    export,
    feeds,
    health,
    models,
    site,
    status,
)
from app.web.body_limit import BodySizeLimitMiddleware
from app.web.csrf import verify_csrf
from app.web.errors import install_error_handlers
from app.web.head_requests import HeadAsGetMiddleware
from app.web.nul_characters import refuse_nul_characters
from app.web.page_cache import install_page_cache
from app.web.public_url import PublicUrlMiddleware
from app.web.rate_limit import make_rate_limiter
from app.web.request_log import FastAPIWithRequestLog
from app.web.security_headers import SecurityHeadersMiddleware
from app.web.signed_in_parts import SignedInPartsMiddleware
from app.web.static_files import STATIC_URL_PREFIX, HashedStaticFiles, StaticManifest
from app.web.templating import make_templates
from app.web.visitor import ResponseCookiesMiddleware


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Model Atlas ASGI app for the given settings (environment by default)."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPIWithRequestLog(
        title="Model Atlas",
        summary="A self-hostable catalog of AI models, their prices and performance.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Whichever router a route is in: no NUL in the address, and the CSRF check of
        # every unsafe request.
        dependencies=[Depends(refuse_nul_characters), Depends(verify_csrf)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    static = StaticManifest.of_directory(STATIC_DIR)
    app.state.templates = make_templates(
        static=static, auto_reload=settings.environment == "development"
    )
    app.state.rate_limiter = make_rate_limiter(settings)
    app.state.workload_presets = calculator.configured_presets(settings)
    app.state.computed_memo = ComputedMemo(enabled=settings.computed_memo)

    app.mount(
        STATIC_URL_PREFIX,
        HashedStaticFiles(directory=STATIC_DIR, manifest=static),
        name="static",
    )
    for area in (
        health,
        site,
        api,
        api_docs,
        catalog,
        directory,
        models,
        calculator,
        status,
        auth,
        account,
        community,
        compare,
        feeds,
        export,
    ):
        app.include_router(area.router)
    install_error_handlers(app)
    app.add_exception_handler(auth.SignInRequired, auth.sign_in_required)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(ResponseCookiesMiddleware)
    # Outside the queued cookies (its answers set none), inside the page cache.
    app.add_middleware(SignedInPartsMiddleware)
    # Outside the queued cookies (a response that sets one is not stored), inside the
    # security headers (cached answers carry them) and the request log, which wraps
    # the whole stack (`FastAPIWithRequestLog`), so cached answers are logged too.
    install_page_cache(app, settings)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.public_url:
        # Outermost but for the request log: the page cache and every link see the
        # public address (the log records only the method and the path).
        app.add_middleware(PublicUrlMiddleware, public_url=settings.public_url)
    return app
