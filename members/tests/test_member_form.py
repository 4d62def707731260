"""The profile form in sections and the experiment form: right defaults and
hints, selects that say what to choose, empty extra lines that are not
required, the EMES part folded unless it matters, and a way out."""

import re

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from members.forms import MemberForm, OfferFormSet, SeekFormSet
from members.models import Member, MemberManager, Offer
from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return get_user_model().objects.create_user(
        username="owner", email="owner@accounts.example.org", password="pw"
    )


@pytest.fixture
def member(owner):
    member = MemberFactory(name="Repair Café Molenbeek")
    MemberManager.objects.create(member=member, user=owner)
    return member


def new_profile_page(client, owner) -> str:
    client.force_login(owner)
    return client.get(reverse("members:create")).text


def test_form_is_in_sections_with_legends(client, owner):
    """The profile form is grouped in titled sections, the EMES part folded."""
    html = new_profile_page(client, owner)
    legends = re.findall(r'<fieldset class="form-section">\s*<legend>([^<]+)<', html)
    assert legends == [
        "Identity",
        "About",
        "What you offer and seek",
        "Place and languages",
        "Contact (private)",
        "Who can see what",
    ]
    assert '<details class="form-section form-section--details">' in html
    assert "<summary>Social enterprise: EMES self-assessment" in html


def test_selects_say_what_to_choose(client, owner):
    """No "---------": empty choices are worded."""
    html = new_profile_page(client, owner)
    assert "---------" not in html
    assert '<option value="" selected>Choose a kind of member…</option>' in html
    assert '<option value="" selected>Choose a commune…</option>' in html
    assert '<option value="" selected>Choose a legal form…</option>' in html
    assert '<option value="" selected>Any kind of partner</option>' in html


def test_organisation_box_and_its_hint_agree(client, owner):
    """The box is ticked by default, as most profiles are organisations, and
    its hint says to untick it for a person (not "leave unticked")."""
    html = new_profile_page(client, owner)
    box = re.search(r'<input type="checkbox" name="is_organisation"[^>]*>', html)[0]
    assert "checked" in box
    assert "Untick it for a profile of yourself as a person." in html
    assert "Leave unticked" not in html


def test_empty_extra_lines_are_not_required(client, owner):
    """The one empty offer line and seek line carry no "(required)" marker
    and no `required` attribute; there is a template for "Add another line"."""
    html = new_profile_page(client, owner)
    for prefix in ("offers", "seeks"):
        total = re.search(rf'name="{prefix}-TOTAL_FORMS" value="(\d+)"', html)[1]
        assert total == "1"
        start = html.index(f'data-formset="{prefix}"')
        section = html[start : html.index("</fieldset>", start)]
        assert "(required)" not in section
        assert " required" not in section
        assert "data-formset-add" in html[start:]
        assert f'name="{prefix}-__prefix__-text"' in html
    assert "js/formset.js" in html


def test_saved_items_keep_their_required_text_and_delete_box(member):
    """A saved line still needs its text and can be deleted; the empty line
    offers no delete box."""
    Offer.objects.create(member=member, text="Van")
    formset = OfferFormSet(instance=member, prefix="offers")
    saved, empty = formset.forms
    assert saved.fields["text"].required and "DELETE" in saved.fields
    assert not empty.fields["text"].required and "DELETE" not in empty.fields


def formset_post(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def test_empty_line_is_skipped_and_half_filled_line_asks_for_its_text():
    """An untouched extra line is valid and saves nothing; a line with only a
    date or a kind asks for its text."""
    assert SeekFormSet(
        formset_post("seeks", [{"text": "", "kind": "", "expires_on": ""}]),
        instance=Member(),
        prefix="seeks",
    ).is_valid()
    half = SeekFormSet(
        formset_post("seeks", [{"text": "", "kind": "researcher"}]),
        instance=Member(),
        prefix="seeks",
    )
    assert not half.is_valid()
    assert "leave the line empty" in str(half.errors[0]["text"])


def test_emes_section_opens_when_it_holds_an_answer(member):
    """Folded for most members; open once an EMES answer or the regional
    recognition is given, or when one of its fields has an error."""
    assert not MemberForm(instance=member).emes_open
    member.emes_social_aim = True
    member.save()
    assert MemberForm(instance=member).emes_open
    bound = MemberForm({"name": "X", "kind": "researcher", "emes_wage_ratio": "0.5"})
    assert not bound.is_valid() and bound.emes_open


def test_experiment_form_has_a_cancel_link_and_worded_selects(client, member, owner):
    """The new-experiment form leads back to the dashboard, the edit form to
    the experiment; no "---------" in its selects."""
    client.force_login(owner)
    html = client.get(reverse("projects:create")).text
    assert re.search(
        r'<a class="button button--secondary" href="/en/dashboard/">'
        r"Cancel</a>",
        html,
    )
    assert "---------" not in html
    assert '<fieldset class="form-section">' in html
    project = ProjectFactory(owner=member)
    html = client.get(reverse("projects:edit", kwargs={"slug": project.slug})).text
    assert (
        f'<a class="button button--secondary" href="{project.get_absolute_url()}">'
        "Cancel</a>"
    ) in html


def test_visibility_selects_are_not_marked_required(client, owner, member):
    """The visibility selects always hold a value: no "(required)" noise, and
    a missing value keeps the current visibility."""
    html = new_profile_page(client, owner)
    start = html.index('<div class="form__grid">')
    grid = html[start : html.index("</fieldset>", start)]
    assert "(required)" not in grid and "<select" in grid
    member.visibility = {"skills": "members"}
    member.save()
    form = MemberForm(
        {"name": member.name, "kind": member.kind, "visibility_website": "matching"},
        instance=member,
    )
    assert form.is_valid(), form.errors
    assert form.visibility()["skills"] == "members"
    assert form.visibility()["website"] == "matching"
