"""Templates' `path_for` and `url_for`, and the macro files that need no render context.

`path_for` is the path Starlette's `url_for` would give, without a request, so
the community and workload macros are imported without context: Jinja then
keeps each macro module once, instead of running the whole file again on
every render that imports it.
"""

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from jinja2 import Template
from starlette.requests import Request

from app.web.render.templating import make_templates


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/models/{author_slug}/{model_slug}", name="models.page")
    def model_page(author_slug: str, model_slug: str) -> None:
        """A route to link to."""

    @app.get("/workloads", name="workloads.page")
    def workloads() -> None:
        """A route without parameters."""

    return app


def _request(app: FastAPI) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "server": ("atlas.example", 443),
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"atlas.example")],
        "app": app,
        "router": app.router,
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("models.page", {"author_slug": "mistral", "model_slug": "mistral-small-2603"}),
        ("models.page", {"author_slug": "a b", "model_slug": "ünï-code"}),
        ("workloads.page", {}),
    ],
)
def test_path_for_is_starlettes_path_and_url_for_its_url(name: str, params: dict[str, Any]) -> None:
    app = _app()
    request = _request(app)
    env = make_templates(router=app.router).env
    expected = request.url_for(name, **params)
    source = "{{ path_for(name, **params) }}|{{ url_for(name, **params) }}"
    for _ in range(2):  # the second time from what was remembered
        rendered = env.from_string(source).render(name=name, params=params, request=request)
        assert rendered == f"{expected.path}|{expected}"


def test_without_a_router_templates_have_no_path_for() -> None:
    """(And `url_for` is Starlette's own, which Jinja2Templates installs.)"""
    assert "path_for" not in make_templates().env.globals


def test_a_model_pages_community_sections_build_no_macro_module_after_the_first() -> None:
    """Their macros are imported without context: rendered again, the sections reuse the
    modules Jinja kept (with context, each render would run the macro files again)."""
    app = _app()

    @app.get("/models/{author_slug}/{model_slug}/community/me", name="community.me")
    def me(author_slug: str, model_slug: str) -> None:
        """The per-visitor parts the sections link to."""

    env = make_templates(router=app.router).env
    model = SimpleNamespace(
        id=1, author_slug="mistral", model_slug="mistral-small-2603", name="Mistral Small 4"
    )
    community = SimpleNamespace(model=model, ratings=SimpleNamespace(count=0))
    built: list[str | None] = []
    make_module = Template.make_module

    def counting(self: Template, *args: Any, **kwargs: Any) -> Any:
        built.append(self.name)
        return make_module(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Template, "make_module", counting)
        first = env.get_template("community/_ratings.html").render(community=community)
        assert built == ["community/_macros.html"]
        built.clear()
        again = env.get_template("community/_ratings.html").render(community=community)
    assert built == []
    assert again == first
    assert 'href="/models/mistral/mistral-small-2603/community/me"' in first
