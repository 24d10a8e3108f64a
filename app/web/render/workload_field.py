"""The calculator's per-field markup: a field's message slot and its invalid marker.

Template globals, not macros: the workload form writes them for every field
(a dozen times a calculator), and a Jinja macro call costs more than the few
characters it writes. The markup is that of the form's fields in
`calculator/_macros.html`; the message is escaped, as the template would.
"""

from markupsafe import Markup, escape

from app.services.pricing.workload import WorkloadForm

_INVALID = Markup(' aria-invalid="true"')
_VALID = Markup("")


def field_error(form: WorkloadForm, name: str, oob: bool = False) -> Markup:
    """The field's message slot, `<p id="workload-{name}-error">`, holding its error if any.

    `oob` makes it an out-of-band swap, for a result that leaves the fields in place.
    """
    swap = ' hx-swap-oob="true"' if oob else ""
    message = escape(form.errors.get(name, ""))
    return Markup(  # noqa: S704 - the name is the form's own field name, the message escaped
        f'<p class="field-error" id="workload-{escape(name)}-error"{swap}>{message}</p>'
    )


def invalid(form: WorkloadForm, name: str) -> Markup:
    """` aria-invalid="true"` on a field the form has an error for, else nothing."""
    return _INVALID if name in form.errors else _VALID
