"""Templates' globals are one flat dict holding what Jinja's chain of maps would hold."""

from jinja2 import DictLoader

from app.web.render.templating import FlatGlobalsEnvironment, make_templates


def _environment() -> FlatGlobalsEnvironment:
    env = FlatGlobalsEnvironment(
        loader=DictLoader(
            {
                "page.html": "{{ site }} {% include 'part.html' %}",
                "part.html": "{{ site }}/{{ section | default('none') }}",
            }
        ),
        autoescape=True,
    )
    env.globals.update(site="atlas")
    return env


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
    template = env.get_template("base.html")
    assert type(template.globals) is dict
    assert template.globals == env.globals
