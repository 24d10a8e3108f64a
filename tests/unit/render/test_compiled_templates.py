"""Templates compiled once per process: every app's environment reuses what the first compiled."""

from typing import Any

import pytest
from jinja2 import DictLoader

from app.web.render.compiled_templates import CompiledTemplates
from app.web.render.template_runtime import AtlasEnvironment
from app.web.render.templating import make_templates


def _counting_compiles(environment: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates `environment` compiles from now on."""
    compiled: list[str] = []
    compile_source = environment.compile

    def counting(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return compile_source(source, name, *args, **kwargs)

    monkeypatch.setattr(environment, "compile", counting)
    return compiled


def test_a_second_app_loads_the_template_the_first_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = make_templates().env
    second = make_templates().env
    name = "models/page.html"
    blocks = set(first.get_template(name).blocks)
    compiled = _counting_compiles(second, monkeypatch)

    assert set(second.get_template(name).blocks) == blocks
    assert compiled == []


def test_a_changed_source_is_compiled_again() -> None:
    shared = CompiledTemplates()
    before = AtlasEnvironment(loader=DictLoader({"t.html": "before"}), bytecode_cache=shared)
    after = AtlasEnvironment(loader=DictLoader({"t.html": "after"}), bytecode_cache=shared)

    assert before.get_template("t.html").render() == "before"
    assert after.get_template("t.html").render() == "after"
    assert before.get_template("t.html").render() == "before"
