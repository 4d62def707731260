"""The dashboard and the expiry reminders."""

from datetime import timedelta
from io import StringIO

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest

from members.models import ContactRequest, MemberManager, MemberStatus, Offer, Seek
from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory

pytestmark = pytest.mark.django_db


def make_user(name):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password="pw"
    )


def managed_member(user, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user)
    return member


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith("/en/accounts/login/")


def test_dashboard_empty_states(client):
    """A new user is told how to start: create a profile."""
    client.force_login(make_user("new"))
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert "You do not manage any profile yet" in response.text
    assert reverse("members:create") in response.text
    assert "Nothing expires soon" in response.text


def test_dashboard_lists_my_things_only(client):
    """Profiles, experiments, partnership proposals, contact requests and
    expiring lines of the user's members appear; other members' do not."""
    user = make_user("me")
    mine = managed_member(user, name="Mon Asso", status=MemberStatus.PENDING)
    other = MemberFactory(name="Someone Else")
    ProjectFactory(title="My Heat Pumps", owner=mine)
    ProjectFactory(title="Their Project", owner=other)
    proposal = ProjectPartnerFactory(
        project=ProjectFactory(title="Invited Project", owner=other),
        member=mine,
        confirmed=False,
    )
    incoming = ContactRequest.objects.create(
        sender=other, receiver=mine, message="Hello there, let us talk."
    )
    outgoing = ContactRequest.objects.create(
        sender=mine, receiver=other, message="Hello again, let us talk."
    )
    today = timezone.localdate()
    soon, past, far = today + timedelta(5), today - timedelta(1), today + timedelta(90)
    Offer.objects.create(member=mine, text="Soon gone", expires_on=soon)
    Seek.objects.create(member=mine, text="Already gone", expires_on=past)
    Offer.objects.create(member=mine, text="Far away", expires_on=far)
    Offer.objects.create(member=other, text="Not mine", expires_on=today)

    client.force_login(user)
    html = client.get(reverse("dashboard:home")).text
    assert "Mon Asso" in html and "Pending review" in html
    assert reverse("members:edit", kwargs={"slug": mine.slug}) in html
    assert "My Heat Pumps" in html and "Their Project" not in html
    assert "Invited Project" in html
    assert reverse("projects:partnership_confirm", args=[proposal.pk]) in html
    assert f"/contacts/{incoming.pk}/" in html
    assert f"/contacts/{outgoing.pk}/" in html
    assert "Soon gone" in html and "Already gone" in html
    assert "Far away" not in html and "Not mine" not in html


def test_reminder_sends_once_per_member():
    """Managers of a member with lines expiring within 14 days (or expired)
    get one e-mail; a second run sends nothing; later lines wait."""
    alice, bob = make_user("alice"), make_user("bob")
    member = managed_member(alice, name="Coop Bois")
    MemberManager.objects.create(member=member, user=bob, role="editor")
    today = timezone.localdate()
    soon = Offer.objects.create(
        member=member, text="Wood workshop", expires_on=today + timedelta(10)
    )
    gone = Seek.objects.create(
        member=member, text="A carpenter", expires_on=today - timedelta(3)
    )
    later = Offer.objects.create(
        member=member, text="Later thing", expires_on=today + timedelta(40)
    )
    Offer.objects.create(member=member, text="Forever")

    call_command("members_remind_expiring", stdout=StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bob.email]
    body = mail.outbox[0].body
    assert "Wood workshop" in body and "A carpenter" in body
    assert "Later thing" not in body and "Forever" not in body
    assert reverse("members:edit", kwargs={"slug": member.slug}) in body
    soon.refresh_from_db(), gone.refresh_from_db(), later.refresh_from_db()
    assert soon.reminded_at and gone.reminded_at and later.reminded_at is None

    mail.outbox.clear()
    call_command("members_remind_expiring", stdout=StringIO())
    assert mail.outbox == []
