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
