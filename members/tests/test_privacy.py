"""Privacy self-service: exporting and deleting one's data."""

import json

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from members.models import Claim, ContactRequest, Member, MemberManager, Offer, Seek
from members.services.privacy import ANONYMISED_MESSAGE
from members.tests.factories import MemberFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory
from search.models import OutboxEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def make_user(name):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password=PASSWORD
    )


def managed_member(user, role="owner", **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user, role=role)
    return member


def test_privacy_pages_require_login(client):
    """Anonymous visitors are sent to log in; nothing is deleted."""
    for name in ("privacy", "privacy_export"):
        response = client.get(reverse(f"dashboard:{name}"))
        assert response.status_code == 302
        assert response.url.startswith("/en/accounts/login/")
    response = client.post(reverse("dashboard:privacy_delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert response.url.startswith("/en/accounts/login/")


def test_privacy_page_explains_what_is_kept(client):
    user = make_user("nadia")
    managed_member(user, name="Solo Asso")
    client.force_login(user)
    html = client.get(reverse("dashboard:privacy")).text
    assert "Profiles that other people also manage are kept" in html
    assert "Solo Asso" in html


def test_export_contains_private_fields_of_own_members_only(client):
    """The JSON holds the account, own members with e-mail and phone, their
    offers and seeks, contact requests and projects; nothing private of
    other members."""
    user = make_user("nadia")
    mine = managed_member(
        user, name="Mine", email="mine@private.example.org", phone="+32 1"
    )
    other = MemberFactory(
        name="Other", email="other@private.example.org", phone="+32 2"
    )
    Offer.objects.create(member=mine, text="Our van")
    Seek.objects.create(member=mine, text="A designer", kind="researcher")
    ContactRequest.objects.create(
        sender=mine, receiver=other, sent_by=user, message="Shall we meet soon?"
    )
    ProjectFactory(title="Our Experiment", owner=mine)
    ProjectFactory(title="Not Ours", owner=other)

    client.force_login(user)
    response = client.get(reverse("dashboard:privacy_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    [member] = data["members"]
    assert member["name"] == "Mine"
    assert member["email"] == "mine@private.example.org"
    assert member["phone"] == "+32 1"
    assert member["my_role"] == "owner"
    assert [o["text"] for o in member["offers"]] == ["Our van"]
    assert member["seeks"][0]["kind"] == "researcher"
    assert data["contact_requests"][0]["message"] == "Shall we meet soon?"
    assert [p["title"] for p in data["projects"]] == ["Our Experiment"]
    raw = response.content.decode()
    assert "other@private.example.org" not in raw and "+32 2" not in raw


def test_export_holds_ones_own_claims_only(client):
    """A claim's evidence is personal data of the claimant: in their export,
    never in another account's."""
    user, stranger = make_user("nadia"), make_user("omar")
    unmanaged = MemberFactory(name="Imported Coop")
    Claim.objects.create(member=unmanaged, user=user, evidence="I chair its board")
    Claim.objects.create(member=unmanaged, user=stranger, evidence="Omar's proof")
    client.force_login(user)
    data = json.loads(client.get(reverse("dashboard:privacy_export")).content)
    assert [(c["profile"], c["evidence"], c["status"]) for c in data["claims"]] == [
        ("Imported Coop", "I chair its board", "pending")
    ]
    assert "Omar's proof" not in json.dumps(data)


def test_delete_requires_confirmation_and_password(client):
    """Without the box ticked or with a wrong password nothing is deleted."""
    user = make_user("nadia")
    client.force_login(user)
    url = reverse("dashboard:privacy_delete")
    assert client.get(url).status_code == 405
    response = client.post(url, {"password": PASSWORD})
    assert response.status_code == 400
    response = client.post(url, {"confirm": "on", "password": "wrong"})
    assert response.status_code == 400
    assert "This is not your password" in response.text
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_delete_removes_sole_managed_members_and_keeps_shared_ones(client):
    """Deleting the account deletes members only this user managed (and
    queues their removal from the index), keeps co-managed ones with a new
    owner, and anonymises contact requests the user sent."""
    user, partner = make_user("nadia"), make_user("partner")
    solo = managed_member(user, name="Solo")
    shared = managed_member(user, name="Shared")
    MemberManager.objects.create(member=shared, user=partner, role="editor")
    receiver = MemberFactory(name="Receiver")
    kept_request = ContactRequest.objects.create(
        sender=shared, receiver=receiver, sent_by=user, message="Private words here"
    )
    ContactRequest.objects.create(
        sender=solo, receiver=receiver, sent_by=user, message="Gone with solo"
    )
    project = ProjectFactory(title="Solo Project", owner=solo)
    OutboxEntry.objects.all().delete()

    client.force_login(user)
    response = client.post(
        reverse("dashboard:privacy_delete"), {"confirm": "on", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not Member.objects.filter(pk=solo.pk).exists()
    assert Member.objects.filter(pk=shared.pk).exists()
    assert shared.managers.get().user == partner
    assert shared.managers.get().role == "owner"
    assert OutboxEntry.objects.filter(document="member", object_id=solo.pk).exists()
    kept_request.refresh_from_db()
    assert kept_request.message == ANONYMISED_MESSAGE
    assert kept_request.sent_by is None
    assert ContactRequest.objects.count() == 1
    assert Project.objects.get(pk=project.pk).owner is None
    # Logged out: the dashboard asks to log in again.
    assert client.get(reverse("dashboard:home")).status_code == 302
