"""Badges that mean something (issue 16, class 6): the EMES and regional
recognition badges show only what an editor verified, a member's edit of the
verified answers sends the profile back for review, and verification dates
are set by the system."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import querydict_from_html

import pytest

from members.models import ManagerRole, MemberManager, MemberStatus, Visibility
from members.tests.factories import MemberFactory
from members.tests.test_profiles import profile_data
from search.documents import MemberDocument

pytestmark = pytest.mark.django_db

RECOGNISED = "Recognised social enterprise (Brussels-Capital Region)"
EMES_BADGE = "EMES criteria verified"


@pytest.fixture
def owner():
    return get_user_model().objects.create_user(
        username="owner", email="owner@example.org", password="pw"
    )


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser(
        username="editor", email="editor@example.org", password="pw"
    )


def recognised_member(owner=None, **fields):
    member = MemberFactory(
        regional_recognition=True,
        recognition_date=date(2023, 5, 1),
        recognition_number="BXL-2023-17",
        **fields,
    )
    if owner is not None:
        MemberManager.objects.create(member=member, user=owner, role=ManagerRole.OWNER)
    return member


def verified_emes_member(owner, **fields):
    member = MemberFactory(
        emes_social_aim=True,
        emes_limited_profit=True,
        emes_wage_ratio=Decimal("2.5"),
        emes_economic_viability=True,
        emes_democratic_governance=True,
        emes_verified=True,
        emes_verified_at=timezone.now() - timedelta(days=30),
        **fields,
    )
    MemberManager.objects.create(member=member, user=owner, role=ManagerRole.OWNER)
    return member


def emes_answers(member, **overrides):
    """The edit form's data for `member` with its current EMES answers."""
    data = profile_data(
        name=member.name,
        emes_wage_ratio=str(member.emes_wage_ratio or ""),
        **{
            name: "on"
            for name in (
                "emes_social_aim",
                "emes_limited_profit",
                "emes_economic_viability",
                "emes_democratic_governance",
            )
            if getattr(member, name)
        },
    )
    if member.regional_recognition:
        data.update(
            regional_recognition="on",
            recognition_date=member.recognition_date.isoformat(),
            recognition_number=member.recognition_number,
        )
    data.update(overrides)
    return data


def test_recognition_badge_only_when_an_editor_verified_it(client):
    """A self-declared recognition is no badge; a verified one is."""
    member = recognised_member()
    assert RECOGNISED not in client.get(member.get_absolute_url()).text
    member.recognition_verified = True
    member.save()
    assert RECOGNISED in client.get(member.get_absolute_url()).text


def test_index_document_carries_only_verified_recognition():
    """Search results and facets read the index: it holds the verified flag."""
    member = recognised_member(
        visibility={"recognition": Visibility.PUBLIC}, recognition_verified=False
    )
    source = MemberDocument.records([member.pk])[member.pk]
    assert not MemberDocument.source(source, url="/").get("regional_recognition")
    member.recognition_verified = True
    member.save()
    source = MemberDocument.records([member.pk])[member.pk]
    assert MemberDocument.source(source, url="/")["regional_recognition"] is True
    instance = MemberDocument.from_instance(member)
    assert instance.regional_recognition is True


def test_editing_verified_emes_answers_clears_verification(
    client, owner, editor, mailoutbox
):
    """The owner changes the wage ratio: the badge goes, the profile waits for
    review again and the editors are told."""
    member = verified_emes_member(owner)
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, emes_answers(member, emes_wage_ratio="3.5"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.emes_verified is False
    assert member.emes_verified_at is None
    assert member.emes_verified_by is None
    assert member.status == MemberStatus.PENDING
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert "hidden until an editor reviews" in client.get(response["Location"]).text
    assert EMES_BADGE not in client.get(member.get_absolute_url()).text


def test_other_edits_keep_emes_verification(client, owner):
    """Changing the name or the description leaves the verification alone."""
    member = verified_emes_member(owner)
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, emes_answers(member, name="Renamed cooperative"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "Renamed cooperative"
    assert member.emes_verified is True
    assert member.status == MemberStatus.PUBLISHED


def test_editing_verified_recognition_clears_verification(client, owner, editor):
    """A new recognition number is no longer what the editor checked."""
    member = recognised_member(
        owner,
        recognition_verified=True,
        recognition_verified_at=timezone.now(),
        recognition_verified_by=editor,
    )
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, emes_answers(member, recognition_number="BXL-99"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.recognition_number == "BXL-99"
    assert member.recognition_verified is False
    assert member.recognition_verified_at is None
    assert member.recognition_verified_by is None
    assert member.status == MemberStatus.PENDING


def test_form_warns_before_saving_verified_answers(client, owner):
    """The member reads, before saving, what changing verified answers does."""
    member = verified_emes_member(owner)
    client.force_login(owner)
    html = client.get(reverse("members:edit", kwargs={"slug": member.slug})).text
    assert "back for review" in html


def _admin_edit(client, member, **changes):
    url = f"/admin/snippets/members/member/edit/{member.pk}/"
    html = client.get(url).text
    data = querydict_from_html(html, form_id="w-editor-form")
    # Django renders a ticked checkbox without a value: post it as a browser does.
    for box in WagtailTestUtils.get_soup(html).select("input[type=checkbox][checked]"):
        if "value" not in box.attrs:
            data[box["name"]] = "on"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data)


def test_admin_verification_dates_are_set_by_the_system(client, editor):
    """Ticking "verified" records now and the editor; a typed date is ignored."""
    member = recognised_member()
    client.force_login(editor)
    before = timezone.now()
    response = _admin_edit(
        client,
        member,
        emes_verified="on",
        emes_verified_at="2001-01-01 10:00",
        recognition_verified="on",
        recognition_verified_at="2001-01-01 10:00",
    )
    assert response.status_code == 302, response.context["form"].errors
    member.refresh_from_db()
    assert member.emes_verified is True
    assert member.emes_verified_at >= before
    assert member.emes_verified_by == editor
    assert member.recognition_verified is True
    assert member.recognition_verified_at >= before
    assert member.recognition_verified_by == editor
    # Unticking clears the record of who verified when.
    response = _admin_edit(client, member, emes_verified=None)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.emes_verified is False
    assert member.emes_verified_at is None
    assert member.emes_verified_by is None
    assert member.recognition_verified is True
