"""The application factory.

`create_app(settings)` builds a self-contained app (engine, session factory,
templates) so tests can build as many as they like against their own databases.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from anyio import to_thread
from fastapi import Depends, FastAPI

from app.config import Settings
from app.db import ConnectionLimits, make_engine, make_session_factory, postgresql_connect_args
from app.paths import STATIC_DIR
from app.release import release_fingerprint
from app.services.publishing.computed_memo import ComputedMemo
from app.web.caching.page_cache import install_page_cache
from app.web.caching.parts_session_reader import PartsSessionReader
from app.web.caching.signed_in_parts import SignedInPartsMiddleware
from app.web.caching.static_files import STATIC_URL_PREFIX, HashedStaticFiles, StaticManifest
from app.web.middleware.body_limit import BodySizeLimitMiddleware
from app.web.middleware.database_gate import DatabaseGate
from app.web.middleware.errors import install_error_handlers
from app.web.middleware.head_requests import HeadAsGetMiddleware
from app.web.middleware.nul_characters import refuse_nul_characters
from app.web.middleware.password_checks import PasswordChecks
from app.web.middleware.public_url import PublicUrlMiddleware
from app.web.middleware.rate_limit import make_rate_limiter
from app.web.middleware.request_log import FastAPIWithRequestLog
from app.web.middleware.security_headers import SecurityHeadersMiddleware
from app.web.middleware.visitor import ResponseCookiesMiddleware
from app.web.render.templating import make_templates
from app.web.routes import (
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
    model_pages,
    replay,
    site,
    status,
    watches,
    workloads,
)
from app.web.routes.unit_of_work import UnitOfWorkRoute

# The groups of /docs, in this order, each saying what it is for.
OPENAPI_TAGS = [
    {"name": "api", "description": "The JSON API: models, their endpoints, the whole catalog."},
    {"name": "feeds", "description": "Atom feeds of new models and price changes."},
    {"name": "operations", "description": "Health check for load balancers and monitoring."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Model Atlas ASGI app for the given settings (environment by default)."""
    settings = settings or Settings()
    limits = web_connection_limits(settings)
    engine = make_engine(settings.database_url, limits)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        _enough_threads(settings)
        yield
        app.state.parts_session_reader.close()
        engine.dispose()

    app = FastAPIWithRequestLog(
        title="Model Atlas",
        summary="A self-hostable catalog of AI models, their prices and performance.",
        version="0.1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Whichever router a route is in: no NUL in the address.
        dependencies=[Depends(refuse_nul_characters)],
    )
    # Routes added to the app itself, not only the areas' routers, commit in their own
    # thread and check CSRF on unsafe methods.
    app.router.route_class = UnitOfWorkRoute
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.database_gate = DatabaseGate(
        settings.database_max_concurrency, settings.database_queue_timeout_seconds
    )
    app.state.parts_session_reader = PartsSessionReader(
        postgresql_connect_args(limits), wait_seconds=settings.database_queue_timeout_seconds
    )
    static = StaticManifest.of_directory(STATIC_DIR)
    app.state.release = release_fingerprint(static.hashed_by_path)
    app.state.templates = make_templates(
        static=static, auto_reload=settings.environment == "development", router=app.router
    )
    app.state.rate_limiter = make_rate_limiter(settings)
    app.state.password_checks = PasswordChecks(
        settings.password_check_concurrency, settings.database_queue_timeout_seconds
    )
    app.state.workload_presets = calculator.configured_presets(settings)
    # One memo per content counter (see `services.publishing.computed_memo`).
    new_memo = partial(
        ComputedMemo,
        enabled=settings.computed_memo,
        max_age_seconds=settings.computed_memo_max_age_seconds,
    )
    app.state.computed_memo = new_memo()
    app.state.catalog_memo = new_memo()

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
        model_pages,
        calculator,
        status,
        auth,
        account,
        community,
        compare,
        feeds,
        export,
        replay,
        workloads,
        watches,
    ):
        app.include_router(area.router)
    install_error_handlers(app)
    app.add_exception_handler(auth.SignInRequired, auth.sign_in_required)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        larger={replay.REPLAY_PATH: settings.replay_max_bytes + replay.FORM_OVERHEAD_BYTES},
    )
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


# Threads a request may need besides its turn at the database: the CSRF check, static
# files, a page rendered without the database.
SPARE_THREADS = 24


def web_connection_limits(settings: Settings) -> ConnectionLimits:
    """Timeouts and pool size of the web process, sized with its database gate.

    The gate lets `database_max_concurrency` requests at the database at once;
    each holds one connection, and a template may briefly open a second (the
    visitor's CSRF token), so the pool holds twice as many and a request never
    waits for one. The signed-in parts' session reader (`PartsSessionReader`)
    keeps one more on SQLite, and on PostgreSQL `KEPT_CONNECTIONS` of its own
    beside the pool. `pool_timeout` is then only a backstop.
    """
    turns = settings.database_max_concurrency
    statement = settings.database_statement_timeout_seconds
    return ConnectionLimits(
        connect_timeout=settings.database_connect_timeout_seconds,
        lock_timeout=settings.database_lock_timeout_seconds,
        statement_timeout=statement or None,
        pool_size=turns,
        max_overflow=turns + 1,
        pool_timeout=settings.database_queue_timeout_seconds,
    )


def _enough_threads(settings: Settings) -> None:
    """Give the worker-thread pool room for every turn at the database and then some.

    A request holding a turn (and a connection) must always find a thread for its
    next step; if threads ran out first, turns would wait on threads held by
    requests waiting on turns.
    """
    limiter = to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(
        limiter.total_tokens, settings.database_max_concurrency + SPARE_THREADS
    )
