"""Django's form renderer, with its commonest widget templates written in Python.

The profile edit form has some ninety widgets (the profile, its offers and
needs, their empty forms); each went through Django's widget templates
(`input.html` including `attrs.html`, a `select.html` including one
`select_option.html` per choice...), which cost more than half of the page's
CPU time in the load mix. `FastWidgetRenderer` renders those templates with
string formatting instead, to the same bytes (hub/tests/test_form_renderer.py
compares both on every widget of the hub's forms), and leaves any other
template, or one an installed app overrides, to the template engine.
"""

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

W = "django/forms/widgets/"
INPUT = f"{W}input.html"
# Templates that are `{% include "django/forms/widgets/input.html" %}` and a
# new line.
INPUTS = {
    f"{W}{name}.html"
    for name in (
        "text",
        "email",
        "url",
        "number",
        "hidden",
        "date",
        "datetime",
        "time",
        "password",
        "checkbox",
        "search",
        "tel",
        "color",
    )
}
INPUT_OPTION = f"{W}input_option.html"
OPTIONS = {f"{W}checkbox_option.html", f"{W}radio_option.html"}
MULTIPLE_INPUT = f"{W}multiple_input.html"
MULTIPLE = {f"{W}checkbox_select.html", f"{W}radio.html"}
SELECT = {f"{W}select.html"}
SELECT_OPTION = {f"{W}select_option.html"}
TEXTAREA = {f"{W}textarea.html"}
TEMPLATES = {
    INPUT,
    INPUT_OPTION,
    MULTIPLE_INPUT,
    *INPUTS,
    *OPTIONS,
    *MULTIPLE,
    *SELECT,
    *SELECT_OPTION,
    *TEXTAREA,
}


def _out(value) -> str:
    """`{{ value }}` in an autoescaping template."""
    value = localize(template_localtime(value), use_l10n=None)
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _s(value) -> str:
    """`{{ value|stringformat:'s' }}`: formatted, escaped unless it was safe."""
    formatted = stringformat(value, "s")
    if isinstance(value, SafeData):
        formatted = mark_safe(formatted)  # noqa: S308 - as the filter does
    return _out(formatted)


def _attrs(attrs) -> str:
    """attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(" " + _out(name))
            if value is not True:
                out.append('="' + _s(value) + '"')
    return "".join(out)


def _input(widget) -> str:
    """input.html (which ends with a new line)."""
    value = widget.get("value")
    return (
        f'<input type="{_out(widget.get("type"))}" name="{_out(widget.get("name"))}"'
        + (f' value="{_s(value)}"' if value is not None else "")
        + _attrs(widget.get("attrs") or {})
        + ">\n"
    )


def _input_option(widget) -> str:
    """input_option.html."""
    if not widget.get("wrap_label"):
        return _input(widget) + "\n"
    attrs = widget.get("attrs") or {}
    label_for = f' for="{_out(attrs["id"])}"' if attrs.get("id") else ""
    return f"<label{label_for}>{_input(widget)} {_out(widget.get('label'))}</label>\n"


def _select_option(widget) -> str:
    """select_option.html."""
    return (
        f'<option value="{_s(widget.get("value"))}"'
        f"{_attrs(widget.get('attrs') or {})}>{_out(widget.get('label'))}</option>\n"
    )


def _textarea(widget) -> str:
    """textarea.html."""
    value = widget.get("value")
    return (
        f'<textarea name="{_out(widget.get("name"))}"'
        f"{_attrs(widget.get('attrs') or {})}>\n"
        f"{_out(value) if value else ''}</textarea>\n"
    )


class FastWidgetRenderer(DjangoTemplates):
    """See the module docstring."""

    def __init__(self):
        super().__init__()
        self._fast = None

    def _fast_templates(self) -> set[str]:
        """The templates above that come from Django itself (not overridden)."""
        if self._fast is None:
            fast = set()
            for name in TEMPLATES:
                try:
                    origin = self.get_template(name).origin.name
                except TemplateDoesNotExist:
                    continue
                if (
                    str(origin)
                    .replace("\\", "/")
                    .endswith("/django/forms/templates/" + name)
                ):
                    fast.add(name)
            self._fast = fast
        return self._fast

    def _template(self, name, widget) -> str | None:
        """What template `name` renders for `widget`, new lines included;
        None when it is not one of ours."""
        if name not in self._fast_templates():
            return None
        if name == INPUT:
            return _input(widget)
        if name in INPUTS:  # {% include "…/input.html" %} and a new line
            return _input(widget) + "\n"
        if name == INPUT_OPTION:
            return _input_option(widget)
        if name in OPTIONS:  # {% include "…/input_option.html" %}
            return _input_option(widget) + "\n"
        if name in SELECT_OPTION:
            return _select_option(widget)
        if name in TEXTAREA:
            return _textarea(widget)
        if name in SELECT:
            groups = self._groups(widget, select=True)
            if groups is None:
                return None
            return (
                f'<select name="{_out(widget.get("name"))}"'
                f"{_attrs(widget.get('attrs') or {})}>{groups}\n</select>\n"
            )
        if name == MULTIPLE_INPUT or name in MULTIPLE:
            groups = self._groups(widget, select=False)
            if groups is None:
                return None
            attrs = widget.get("attrs") or {}
            ident = f' id="{_out(attrs["id"])}"' if attrs.get("id") else ""
            css = f' class="{_out(attrs["class"])}"' if attrs.get("class") else ""
            html = f"<div{ident}{css}>{groups}\n</div>\n"
            # checkbox_select.html and radio.html include multiple_input.html.
            return html if name == MULTIPLE_INPUT else html + "\n"
        return None

    def _groups(self, widget, *, select: bool) -> str | None:
        out = []
        for group, options, _index in widget.get("optgroups") or []:
            if group:
                out.append(
                    f'\n  <optgroup label="{_out(group)}">'
                    if select
                    else f"\n  <div><label>{_out(group)}</label>"
                )
            for option in options:
                html = self._template(option.get("template_name"), option)
                if html is None:
                    return None
                out.append(f"\n  {html}" if select else f"<div>\n    {html}</div>")
            if group:
                out.append("\n  </optgroup>" if select else "\n  </div>")
        return "".join(out)

    def render(self, template_name, context, request=None):
        html = None
        if set(context) == {"widget"}:
            html = self._template(template_name, context["widget"])
        if html is None:
            return super().render(template_name, context, request=request)
        # BaseRenderer.render strips what the template gives.
        return html.strip()
