"""The workload form's field markup is what the calculator's macros printed, escaping included."""

import pytest
from markupsafe import Markup, escape

from app.services.pricing.workload import Limits, load_presets, read_workload
from app.web.render.templating import make_templates
from app.web.render.workload_field import field_error, invalid

# The macros the globals replaced, kept here as the reference output.
_MACROS = (
    "{% macro field_error(form, name, oob=false) -%}\n"
    '<p class="field-error" id="workload-{{ name }}-error"{% if oob %} hx-swap-oob="true"'
    '{% endif %}>{{ form.errors.get(name, "") }}</p>\n'
    "{%- endmacro %}"
    '{% macro invalid(form, name) %}{% if name in form.errors %} aria-invalid="true"'
    "{% endif %}{% endmacro %}"
    "{{ field_error(form, name, oob) }}|{{ invalid(form, name) }}"
)


def _form(params: dict[str, str]):
    return read_workload(params, presets=load_presets(), limits=Limits())


@pytest.mark.parametrize("oob", [False, True])
@pytest.mark.parametrize("name", ["input_tokens", "days", "batch", "preset"])
@pytest.mark.parametrize(
    "params", [{}, {"input_tokens": "<b>", "days": "40", "batch": "7", "preset": "x&y"}]
)
def test_the_field_markup_is_what_the_macros_printed(
    params: dict[str, str], name: str, oob: bool
) -> None:
    form = _form(params)
    reference = make_templates().env.from_string(_MACROS).render(form=form, name=name, oob=oob)

    shown = f"{field_error(form, name, oob)}|{invalid(form, name)}"

    assert isinstance(field_error(form, name), Markup)
    assert shown == reference


def test_a_field_in_error_is_marked_and_its_message_shown() -> None:
    form = _form({"input_tokens": "x"})

    assert str(field_error(form, "input_tokens")) == (
        '<p class="field-error" id="workload-input_tokens-error">'
        f"{escape(form.errors['input_tokens'])}</p>"
    )
    assert str(invalid(form, "input_tokens")) == ' aria-invalid="true"'
    assert str(invalid(form, "days")) == ""
