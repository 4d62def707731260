"""Editors moderate members in the Wagtail admin."""

from django.contrib.auth import get_user_model

import pytest

from members.models import MemberStatus
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser(
        username="editor", email="editor@example.org", password="x"
    )
    client.force_login(user)
    return user


def test_member_listing_and_edit_form_render(client, editor):
    """The member snippet list filters by status and the edit form shows every tab."""
    member = MemberFactory(status=MemberStatus.PENDING)
    listing = client.get("/admin/snippets/members/member/", {"status": "pending"})
    assert listing.status_code == 200 and member.name in listing.text
    edit = client.get(f"/admin/snippets/members/member/edit/{member.pk}/")
    assert edit.status_code == 200
    for tab in ("Offers and seeks", "EMES and recognition", "Moderation"):
        assert tab in edit.text


def test_anonymous_and_plain_members_cannot_reach_the_admin(client):
    """The admin redirects anyone without admin access to its log-in page."""
    assert client.get("/admin/snippets/members/member/").status_code == 302
    user = get_user_model().objects.create_user(username="m", password="x")
    client.force_login(user)
    assert client.get("/admin/snippets/members/member/").status_code == 302


def test_network_figures_panel_counts(editor):
    """The dashboard panel counts members per kind, reviews and contacts."""
    from members.models import ContactRequest, ContactStatus, MemberKind
    from members.wagtail_hooks import NetworkFiguresPanel

    MemberFactory(kind=MemberKind.RESEARCHER)
    MemberFactory(kind=MemberKind.RESEARCHER)
    a = MemberFactory(status=MemberStatus.PENDING)
    b = MemberFactory()
    ContactRequest.objects.create(
        sender=a, receiver=b, message="hello there", status=ContactStatus.ACCEPTED
    )
    html = NetworkFiguresPanel().render_html({})
    assert "1 profile waits for review" in html
    assert "1 of 1 contact requests accepted" in html
    figures = dict(NetworkFiguresPanel().get_context_data()["members_by_kind"])
    assert figures[MemberKind.RESEARCHER.label] == 2


def test_admin_home_shows_network_and_index_panels(client, editor):
    """Both dashboard panels render on the admin home, even with search down."""
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "The network" in response.text
    assert "Search index health" in response.text
