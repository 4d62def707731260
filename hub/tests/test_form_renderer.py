"""hub/form_renderer.py renders Django's widget templates to the same bytes."""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import override

import pytest

from hub.form_renderer import TEMPLATES as TEMPLATE_NAMES
from hub.form_renderer import FastWidgetRenderer

TEMPLATES = DjangoTemplates()


class Fast(FastWidgetRenderer):
    """Notes the widget templates left to the engine."""

    engine_renders: set = set()

    def render(self, template_name, context, request=None):
        if (
            set(context) == {"widget"}
            and self._template(template_name, context["widget"]) is None
        ):
            Fast.engine_renders.add(template_name)
        return super().render(template_name, context, request=request)


FAST = Fast()


def _same(form) -> None:
    """Every widget of `form` renders alike with both renderers, and none of
    the widgets it knows through the engine (a file input still goes there)."""
    Fast.engine_renders = set()
    for bound in form:
        expected = bound.as_widget(widget=bound.field.widget)
        form.renderer = FAST
        try:
            got = bound.as_widget(widget=bound.field.widget)
        finally:
            form.renderer = TEMPLATES
        assert got == expected, bound.name
    assert not Fast.engine_renders & TEMPLATE_NAMES


class Everything(forms.Form):
    text = forms.CharField(max_length=5, help_text="h", label="<b>")
    email = forms.EmailField(required=False)
    url = forms.URLField(initial="https://x.example/?a=1&b=<2>", assume_scheme="https")
    number = forms.IntegerField(initial=12345)
    decimal = forms.DecimalField(initial="1234.5")
    hidden = forms.CharField(widget=forms.HiddenInput, initial='"quoted"')
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    check = forms.BooleanField(initial=True, required=False)
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial="a\n<b>")
    empty_area = forms.CharField(widget=forms.Textarea, required=False)
    safe = forms.CharField(initial=mark_safe("<i>safe</i>"))
    select = forms.ChoiceField(
        choices=[("", "—"), ("a", "A & B"), ("Group", [("g1", "G1"), ("g2", 2)])],
        initial="g1",
    )
    multi = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "<Y>")],
        initial=["y"],
        widget=forms.SelectMultiple(attrs={"disabled": True, "data-x": False}),
    )
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("Group", [("y", "Y"), ("z", "Z")])],
        initial=["x", "z"],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "c"}),
        required=False,
    )
    radio = forms.ChoiceField(
        choices=[(1, "One"), (2, "Two")], widget=forms.RadioSelect, initial=2
    )
    no_id = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)


def test_every_kind_of_widget():
    with override("fr"):
        _same(Everything())
        _same(Everything(auto_id=False))
        bound = Everything(data={"text": "too long <x>", "boxes": ["y"], "radio": "9"})
        bound.is_valid()
        _same(bound)


@pytest.mark.django_db
def test_the_profile_form_and_its_formsets():
    from members.forms import MemberForm, OfferFormSet, SeekFormSet
    from members.tests.factories import MemberFactory

    member = MemberFactory()
    member.offers.create(text="Workshops <&>")
    for language in ("en", "fr", "nl"):
        with override(language):
            _same(MemberForm(instance=member))
            offers = OfferFormSet(instance=member, prefix="offers")
            seeks = SeekFormSet(instance=member, prefix="seeks")
            for formset in (offers, seeks):
                for form in [
                    *formset.forms,
                    formset.empty_form,
                    formset.management_form,
                ]:
                    _same(form)
            invalid = MemberForm(data={"name": ""}, instance=member)
            invalid.is_valid()
            _same(invalid)


@pytest.mark.django_db
def test_the_experiment_form():
    from django.contrib.auth import get_user_model

    from projects.forms import ProjectForm

    user = get_user_model().objects.create_user(
        username="renderer", email="renderer@example.org", password="x"
    )
    _same(ProjectForm(user=user))


def test_an_overridden_template_goes_to_the_engine(tmp_path, monkeypatch):
    """A widget template an app overrides is not replaced by the Python."""
    renderer = FastWidgetRenderer()
    renderer._fast = set()
    html = forms.CharField().widget.render("x", "y", renderer=renderer)
    assert html == '<input type="text" name="x" value="y">'
