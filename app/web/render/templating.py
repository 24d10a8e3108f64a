"""The Jinja environment: one place for template settings, filters and globals.

`Jinja2Blocks` renders either a whole page or one named block of it, which is
how an HTMX request and a plain request share a route and a template.

Two settings are about speed, measured on the model page. Jinja checks every
template file's modification time on each use unless `auto_reload` is off, so
it is on only in development. And templates' `path_for` and `url_for` remember
the paths they have built: Starlette's tries the app's routes one by one (an
exception per miss), about 30 µs a call, and a model page makes some twenty calls.

`path_for(name, **params)` is the path alone, as `url_for(...).path` is (the
app is served at the root: no `root_path`). It needs no request, so macros that
only link to routes can be imported without context: Jinja keeps such a module
once per template, where an import with context runs the whole macro file again
on every render.
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jinja2 import FileSystemLoader, pass_context
from jinja2.runtime import Context
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.routing import Router

from app.paths import STATIC_DIR, TEMPLATES_DIR
from app.services.catalog.model_kind import takes_chat_requests
from app.web.caching.static_files import StaticManifest
from app.web.middleware.csrf import csrf_token
from app.web.render import formatting
from app.web.render.amount import amount
from app.web.render.compiled_templates import COMPILED_TEMPLATES
from app.web.render.known_columns import known_columns
from app.web.render.sparkline import endpoint_sparklines
from app.web.render.template_runtime import AtlasEnvironment
from app.web.render.workload_field import field_error, invalid

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
# Distinct (route, parameters) pairs remembered: a catalog page links some
# hundred models, so this keeps the pages people browse without growing forever.
URL_CACHE_SIZE = 4096


def make_templates(
    *,
    static: StaticManifest | None = None,
    auto_reload: bool = False,
    router: Router | None = None,
) -> Jinja2Blocks:
    """Templates with autoescaping on and our filters and globals installed.

    `static` names the content-hashed static files (read from `static/` when
    not given); `auto_reload` re-reads changed template files (development);
    `router` is the app's, whose routes `path_for` and `url_for` name (without
    it, templates have no `path_for`, and Starlette's own `url_for`).
    """
    env = AtlasEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
        bytecode_cache=COMPILED_TEMPLATES,
        # Every template, loaded once, in a plain dict: they are a fixed few dozen, and
        # Jinja's bounded cache moves each one to the front of a queue under a lock on
        # every include, import and render, some forty times a model page.
        cache_size=-1,
    )
    templates = Jinja2Blocks(env=env)
    static = static or StaticManifest.of_directory(STATIC_DIR)
    env.filters.update(
        price=formatting.price,
        tokens_short=formatting.tokens_short,
        number_short=formatting.number_short,
        iso_date=formatting.iso_date,
        utc_timestamp=formatting.utc_timestamp,
        window_words=formatting.window_words,
        duration_words=formatting.duration_words,
        count_short=formatting.count_short,
        percent=formatting.percent,
        money=formatting.money,
        token_count=formatting.token_count,
        fact_value=formatting.fact_value,
        whole_count=formatting.whole_count,
    )
    env.globals.update(
        NOT_KNOWN=formatting.NOT_KNOWN,
        HTMX_SCRIPT=HTMX_SCRIPT,
        HTMX_INTEGRITY=HTMX_INTEGRITY,
        endpoint_sparklines=endpoint_sparklines,
        amount=amount,
        known_columns=known_columns,
        workload_field_error=field_error,
        workload_invalid=invalid,
        takes_chat_requests=takes_chat_requests,
        csrf_token=csrf_token,
        static_url=static.url,
    )
    if router is not None:
        path_for = _remembering_path_for(router)
        env.globals.update(path_for=path_for, url_for=_absolute_url_for(path_for))
    return templates


def _remembering_path_for(router: Router) -> Callable[..., str]:
    """A template `path_for(name, **path_params)`: the path of one of `router`'s routes,
    remembered (routes do not change once the app serves)."""

    @lru_cache(maxsize=URL_CACHE_SIZE)
    def remembered(name: str, params: tuple[tuple[str, Any], ...]) -> str:
        return str(router.url_path_for(name, **dict(params)))

    def path_for(name: str, /, **path_params: Any) -> str:
        return remembered(name, tuple(sorted(path_params.items())))

    return path_for


def _absolute_url_for(path_for: Callable[..., str]) -> Callable[..., URL]:
    """A template `url_for`: Starlette's (the absolute URL, on the request's host), with
    `path_for`'s remembered paths."""

    @pass_context
    def url_for(context: Context, name: str, /, **path_params: Any) -> URL:
        request: Request = context["request"]
        # What `URLPath.make_absolute_url` makes, without taking both URLs apart again.
        return URL(str(request.base_url).rstrip("/") + path_for(name, **path_params))

    return url_for
