"""`AtlasEnvironment` renders what Jinja's own environment renders, for less work.

Its globals are one flat dict holding what Jinja's chain of maps would hold;
its output tags escape exactly as `markupsafe.escape` does; and its calls
pass the context, environment or evaluation context to exactly the callables
Jinja passes them to.
"""

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment, pass_context, pass_environment, pass_eval_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.web.render.template_runtime import AtlasEnvironment, escape_output
from app.web.render.templating import make_templates


def _environment(templates: dict[str, str] | None = None) -> AtlasEnvironment:
    env = AtlasEnvironment(
        loader=DictLoader(
            templates
            or {
                "page.html": "{{ site }} {% include 'part.html' %}",
                "part.html": "{{ site }}/{{ section | default('none') }}",
            }
        ),
        autoescape=True,
    )
    env.globals.update(site="atlas")
    return env


def _rendered_by_both(source: str, **context: Any) -> tuple[str, str]:
    """`source` rendered by our environment and by Jinja's own, with the same settings."""
    ours = AtlasEnvironment(autoescape=True).from_string(source).render(**context)
    jinjas = Environment(autoescape=True).from_string(source).render(**context)
    return ours, jinjas


def test_templates_see_the_environment_globals() -> None:
    env = _environment()
    assert env.get_template("page.html").render() == "atlas atlas/none"


def test_a_templates_own_globals_stay_its_own() -> None:
    """As with Jinja's chain: globals given for one template overlay the environment's there
    only, and a template's globals changing leaves the environment's as they were."""
    env = _environment()
    own = env.get_template("part.html", globals={"section": "pricing", "site": "mirror"})
    assert own.render() == "mirror/pricing"
    own.globals["site"] = "changed"
    assert env.globals["site"] == "atlas"
    assert "section" not in env.get_template("page.html").globals
    assert env.get_template("page.html").render() == "atlas atlas/none"


def test_the_apps_templates_hold_every_global_in_one_dict() -> None:
    """A plain dict: contexts copy it in C, not key by key through a ChainMap."""
    env = make_templates().env
    assert isinstance(env, AtlasEnvironment)
    template = env.get_template("base.html")
    assert type(template.globals) is dict
    assert template.globals == env.globals


class _Html:
    def __html__(self) -> str:
        return "<b>trusted</b>"

    def __repr__(self) -> str:
        return "_Html()"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "<script>alert('x') & \"y\"</script>",
        Markup("<em>safe</em>"),
        42,
        Decimal("0.10"),
        None,
        True,
        _Html(),
        ["<li>"],
    ],
    ids=repr,
)
def test_output_escapes_as_markupsafe_does(value: object) -> None:
    assert escape_output(value) == str(escape(value))


@given(st.text())
def test_any_text_escapes_as_markupsafe_does(text: str) -> None:
    assert escape_output(text) == str(escape(text))
    ours, jinjas = _rendered_by_both("<p title='{{ text }}'>{{ text }}</p>", text=text)
    assert ours == jinjas


@pytest.mark.parametrize(
    "source",
    [
        # Output wrapped by Jinja as safe must not be escaped a second time.
        "{% macro bold(x) %}<b>{{ x }}</b>{% endmacro %}{{ bold(text) }}|{{ bold(bold(text)) }}",
        "{% set block %}<p>{{ text }}</p>{% endset %}{{ block }}{{ block }}",
        "{% filter upper %}<i>{{ text }}</i>{% endfilter %}",
        "{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}"
        "{% call wrap() %}<span>{{ text }}</span>{% endcall %}",
        "{% for item in items %}{{ loop.index }}:{{ item }} {% endfor %}{{ items | join(', ') }}",
        "{{ text ~ safe }} {{ safe }} {{ text | e }} {{ safe | safe }} {{ text | safe }}",
        "{% autoescape false %}{{ text }}{% endautoescape %}{{ text }}",
    ],
)
def test_templates_render_as_with_jinjas_environment(source: str) -> None:
    ours, jinjas = _rendered_by_both(
        source, text="<a href='x'>&</a>", safe=Markup("<br>"), items=["<1>", Markup("<2>")]
    )
    assert ours == jinjas


@pass_context
def _from_context(context: Context, name: str) -> str:
    return f"{name}={context.get(name)}"


@pass_environment
def _from_environment(environment: Environment, text: str) -> str:
    return f"{type(environment).__name__}:{text}"


@pass_eval_context
def _from_eval_context(eval_context: Any, text: str) -> str:
    return f"autoescape={eval_context.autoescape}:{text}"


class _Greeter:
    greeting = "hello"

    def greet(self, name: str) -> str:
        return f"{self.greeting} {name}"

    @pass_context
    def greet_from_context(self, context: Context) -> str:
        return f"{self.greeting} {context.get('who')}"


class _CallableWithContext:
    @pass_context
    def __call__(self, context: Context) -> str:
        return f"called with {context.get('who')}"


def _raises_stop_iteration() -> str:
    raise StopIteration


def test_calls_pass_what_each_callable_asks_for() -> None:
    """Marked functions and methods get the context, environment or evaluation context as
    with Jinja's own; plain functions, methods, builtins and macros get their arguments."""
    greeter = _Greeter()
    source = (
        "{% macro twice(x) %}{{ x }}{{ x }}{% endmacro %}"
        "{{ from_context('who') }}|{{ from_environment('e') }}|{{ from_eval_context('v') }}|"
        "{{ greeter.greet(who) }}|{{ greeter.greet_from_context() }}|{{ callable_object() }}|"
        "{{ '{:,}'.format(12345) }}|{{ twice(who) }}|{{ dict(a=1)['a'] }}|"
        "{% for _ in [1] %}{% set who = 'loop' %}{{ from_context('who') }}{% endfor %}|"
        "{{ stops() }}"
    )
    context = {
        "who": "<ada>",
        "greeter": greeter,
        "callable_object": _CallableWithContext(),
        "from_context": _from_context,
        "from_environment": _from_environment,
        "from_eval_context": _from_eval_context,
        "stops": _raises_stop_iteration,
    }
    ours = AtlasEnvironment(autoescape=True).from_string(source).render(**context)
    jinjas = Environment(autoescape=True).from_string(source).render(**context)
    assert ours == jinjas.replace("Environment:e", "AtlasEnvironment:e")
    assert ours.split("|") == [
        "who=&lt;ada&gt;",
        "AtlasEnvironment:e",
        "autoescape=True:v",
        "hello &lt;ada&gt;",
        "hello &lt;ada&gt;",
        "called with &lt;ada&gt;",
        "12,345",
        "&lt;ada&gt;&lt;ada&gt;",
        "1",
        "who=loop",
        "",
    ]
