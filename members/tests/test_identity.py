"""Organisation identity (issue 16, class 8): the Belgian enterprise number
(BCE/KBO) checked and unique, claims of imported or unmanaged profiles that an
editor approves, and editors merging duplicate profiles."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

import pytest

from members.enterprise import enterprise_number_clean
from members.models import (
    AccountSettings,
    Affiliation,
    Claim,
    ClaimStatus,
    ContactRequest,
    ContactStatus,
    Dismissal,
    ManagerRole,
    Member,
    MemberManager,
    MemberStatus,
    Offer,
)
from members.services.claims import CLAIMS_PER_DAY
from members.services.merge import member_merge
from members.tests.factories import MemberFactory
from members.tests.test_profiles import profile_data
from projects.models import Project, ProjectPartner
from search.models import OutboxEntry

pytestmark = pytest.mark.django_db

CLAIMS_ADMIN = "/admin/members/claims/"
MERGE_ADMIN = "/admin/members/merge/"


def make_user(name, **extra):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password="pw", **extra
    )


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser(
        username="editor", email="editor@example.org", password="pw"
    )


def claim_url(member):
    return reverse("members:claim", kwargs={"slug": member.slug})


# Enterprise number -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0123.456.749", "0123456749"),
        ("BE0123456749", "0123456749"),
        ("be 0123 456 749", "0123456749"),
        ("1000.000.021", "1000000021"),
    ],
)
def test_enterprise_number_spellings_are_normalised(typed, stored):

    assert enterprise_number_clean(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "0123.456.748",  # wrong check digits
        "2123.456.749",  # starts with 2
        "0123.456.74",  # nine digits
        "NL0123456749",
        "0123456749x",
    ],
)
def test_enterprise_number_refused_when_not_valid(typed):

    with pytest.raises(ValidationError):
        enterprise_number_clean(typed)


def test_enterprise_number_in_the_form_checked_stored_and_shown(client):
    """The owner types a spelling; the form checks it, stores it normalised and
    the public profile shows it (it is a public register)."""
    owner = make_user("owner")
    member = MemberFactory()
    MemberManager.objects.create(member=member, user=owner, role=ManagerRole.OWNER)
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, profile_data(enterprise_number="0123.456.748"))
    assert response.status_code == 200
    assert "enterprise_number" in response.context["form"].errors
    response = client.post(url, profile_data(enterprise_number="BE 0123.456.749"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.enterprise_number == "0123456749"
    client.logout()
    assert "0123.456.749" in client.get(member.get_absolute_url()).text


def test_enterprise_number_unique_across_spellings(client):
    """Another spelling of a number already taken is the same number: a clear
    form error, and the database refuses it too."""

    MemberFactory(enterprise_number="0123456749")
    owner = make_user("owner")
    member = MemberFactory()
    MemberManager.objects.create(member=member, user=owner, role=ManagerRole.OWNER)
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, profile_data(enterprise_number="BE0123.456.749"))
    assert response.status_code == 200
    errors = response.context["form"].errors["enterprise_number"]
    assert "already" in " ".join(errors)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(enterprise_number="0123456749")
    # Profiles without a number are many.
    MemberFactory(enterprise_number=None)
    MemberFactory(enterprise_number=None)


# Claims ----------------------------------------------------------------------


def test_anonymous_visitor_cannot_claim(client):
    member = MemberFactory(external_id="import:1")
    response = client.post(claim_url(member), {"evidence": "It is ours."})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

    assert not Claim.objects.exists()


def test_managed_profile_cannot_be_claimed(client):
    """A profile with managers is theirs: no claim form, and a post is refused."""

    member = MemberFactory()
    MemberManager.objects.create(member=member, user=make_user("owner"))
    client.force_login(make_user("claimant"))
    assert client.get(claim_url(member)).status_code == 404
    response = client.post(claim_url(member), {"evidence": "It is ours, really."})
    assert response.status_code == 404
    assert not Claim.objects.exists()


def test_pending_profile_cannot_be_claimed(client):
    """Only published profiles are claimed: a pending one is not revealed."""
    member = MemberFactory(status=MemberStatus.PENDING)
    client.force_login(make_user("claimant"))
    assert client.get(claim_url(member)).status_code == 404


def test_claim_once_then_duplicate_refused(client):
    """A claimant sends one claim per profile; the evidence is bounded."""

    member = MemberFactory(external_id="import:2")
    claimant = make_user("claimant")
    client.force_login(claimant)
    page = client.get(member.get_absolute_url()).text
    assert claim_url(member) in page
    response = client.post(claim_url(member), {"evidence": "x" * 5000})
    assert response.status_code == 200
    assert "evidence" in response.context["form"].errors
    response = client.post(
        claim_url(member), {"evidence": "I am the director; see our website."}
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.member, claim.user, claim.status) == (
        member,
        claimant,
        ClaimStatus.PENDING,
    )
    response = client.post(claim_url(member), {"evidence": "Again, it is ours."})
    assert response.status_code == 200
    assert "already" in response.text
    assert Claim.objects.count() == 1


def test_claims_are_rate_limited(client):
    """One account cannot flood editors with claims."""

    claimant = make_user("claimant")
    client.force_login(claimant)
    members = [MemberFactory() for _ in range(CLAIMS_PER_DAY + 1)]
    for member in members[:-1]:
        response = client.post(claim_url(member), {"evidence": "It is ours."})
        assert response.status_code == 302
    response = client.post(claim_url(members[-1]), {"evidence": "It is ours."})
    assert response.status_code == 200
    assert Claim.objects.count() == CLAIMS_PER_DAY


def test_editor_approves_a_claim_in_the_admin(client, editor, mailoutbox):
    """Approval makes the claimant an owner and tells them, in their language;
    plain members cannot reach the claims queue."""

    member = MemberFactory(external_id="import:3")
    claimant = make_user("claimant")
    AccountSettings.objects.create(user=claimant, language="nl")
    claim = Claim.objects.create(member=member, user=claimant, evidence="Ours.")
    client.force_login(claimant)
    assert client.get(CLAIMS_ADMIN).status_code == 302
    response = client.post(f"{CLAIMS_ADMIN}{claim.pk}/approve/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    client.force_login(editor)
    listing = client.get(CLAIMS_ADMIN)
    assert listing.status_code == 200 and member.name in listing.text
    response = client.post(f"{CLAIMS_ADMIN}{claim.pk}/approve/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.decided_by == editor and claim.decided_at is not None
    assert MemberManager.objects.get(member=member).user == claimant
    assert MemberManager.objects.get(member=member).role == ManagerRole.OWNER
    (message,) = mailoutbox
    assert message.to == [claimant.email]
    assert "/nl/" in message.body


def test_editor_refuses_a_claim_with_a_reason(client, editor, mailoutbox):

    member = MemberFactory()
    claimant = make_user("claimant")
    claim = Claim.objects.create(member=member, user=claimant, evidence="Ours.")
    client.force_login(editor)
    response = client.post(
        f"{CLAIMS_ADMIN}{claim.pk}/refuse/", {"reason": "No link to the register."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REFUSED
    assert not MemberManager.objects.filter(member=member).exists()
    (message,) = mailoutbox
    assert "No link to the register." in message.body


# Merging duplicates ----------------------------------------------------------


def duplicate_world():
    keep = MemberFactory(name="Habitat Solidaire", slug="habitat-solidaire")
    duplicate = MemberFactory(
        name="Habitat Solidaire ASBL",
        slug="habitat-solidaire-asbl",
        email="secret-duplicate@example.org",
        phone="+32 2 999 99 99",
        external_id="import:habitat",
        enterprise_number="0123456749",
    )
    other = MemberFactory(name="Other cooperative")
    person = MemberFactory(name="Ada Person", is_organisation=False)
    project = Project.objects.create(
        title="Shared housing pilot", summary="A pilot.", owner=duplicate
    )
    both = Project.objects.create(title="Both were partners", summary="Both.")
    ProjectPartner.objects.create(project=project, member=duplicate)
    ProjectPartner.objects.create(project=both, member=duplicate)
    ProjectPartner.objects.create(project=both, member=keep)
    Affiliation.objects.create(person=person, organisation=duplicate, title="Chair")
    Offer.objects.create(member=duplicate, text="Meeting rooms")
    sent = ContactRequest.objects.create(
        sender=duplicate,
        receiver=other,
        message="A private message about our plans",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    between = ContactRequest.objects.create(
        sender=keep, receiver=duplicate, message="Are we the same?"
    )
    dismissal = Dismissal.objects.create(member=duplicate, suggested_member=other)
    manager = MemberManager.objects.create(member=duplicate, user=make_user("dupe"))
    return locals()


def test_merge_moves_everything_to_the_kept_profile():

    world = duplicate_world()
    keep, duplicate = world["keep"], world["duplicate"]
    editor = get_user_model().objects.create_superuser(username="ed", password="x")
    OutboxEntry.objects.all().delete()
    member_merge(keep=keep, duplicate=duplicate, user=editor)
    assert not Member.objects.filter(pk=duplicate.pk).exists()
    keep.refresh_from_db()
    assert set(keep.partnerships.values_list("project__title", flat=True)) == {
        "Shared housing pilot",
        "Both were partners",
    }
    assert world["project"].__class__.objects.get(pk=world["project"].pk).owner == keep
    assert Affiliation.objects.get().organisation == keep
    assert list(keep.offers.values_list("text", flat=True)) == ["Meeting rooms"]
    assert ContactRequest.objects.get(pk=world["sent"].pk).sender == keep
    # A request between the two would be a request to oneself: it goes.
    assert not ContactRequest.objects.filter(pk=world["between"].pk).exists()
    assert Dismissal.objects.get().member == keep
    assert MemberManager.objects.get(member=keep).user == world["manager"].user
    # Re-imports and the register find the kept profile.
    assert keep.external_id == "import:habitat"
    assert keep.enterprise_number == "0123456749"
    # The index hears of both through the outbox.
    queued = set(OutboxEntry.objects.values_list("document", "object_id"))
    assert {("member", keep.pk), ("member", duplicate.pk)} <= queued


def test_merge_in_the_admin_redirects_and_leaks_nothing(client, editor):
    """Only editors merge; the duplicate's address answers 301 to the kept
    profile, which shows none of the duplicate's private data."""
    world = duplicate_world()
    keep, duplicate = world["keep"], world["duplicate"]
    old_url = duplicate.get_absolute_url()
    client.force_login(make_user("plain"))
    client.post(MERGE_ADMIN, {"keep": keep.pk, "duplicate": duplicate.pk})
    assert Member.objects.filter(pk=duplicate.pk).exists()
    client.force_login(editor)
    preview = client.get(MERGE_ADMIN, {"keep": keep.pk, "duplicate": duplicate.pk})
    assert preview.status_code == 200
    response = client.post(
        MERGE_ADMIN, {"keep": keep.pk, "duplicate": duplicate.pk, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not Member.objects.filter(pk=duplicate.pk).exists()
    client.logout()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == keep.get_absolute_url()
    page = client.get(keep.get_absolute_url()).text
    for secret in (
        "secret-duplicate@example.org",
        "+32 2 999 99 99",
        "A private message about our plans",
        "Other cooperative",
    ):
        assert secret not in page
    api = client.get(f"/api/v1/members/{keep.slug}").text
    assert "secret-duplicate" not in api
    # The API follows the profile page: the old address answers 301.
    old_api = client.get(f"/api/v1/members/{duplicate.slug}")
    assert old_api.status_code == 301
    assert old_api["Location"] == f"/api/v1/members/{keep.slug}"
    old_matches = client.get(f"/api/v1/members/{duplicate.slug}/matches?size=3")
    assert old_matches["Location"] == f"/api/v1/members/{keep.slug}/matches?size=3"
    # Unpublished, the kept profile's address is not revealed.
    Member.objects.filter(pk=keep.pk).update(status="suspended")
    assert client.get(f"/api/v1/members/{duplicate.slug}").status_code == 404


def test_merge_refuses_a_profile_with_itself(editor):

    member = MemberFactory()
    with pytest.raises(ValidationError):
        member_merge(keep=member, duplicate=member, user=editor)


def test_merge_admin_compares_before_merging(client, editor):
    """The page picks profiles with choosers (thousands of imported ones), a
    first post compares them, and merging one profile with itself is refused."""
    a, b = MemberFactory(), MemberFactory()
    client.force_login(editor)
    page = client.get(MERGE_ADMIN)
    assert page.status_code == 200 and "snippet-chooser" in page.text
    response = client.post(MERGE_ADMIN, {"keep": a.pk, "duplicate": b.pk})
    assert response.status_code == 200 and "I checked" in response.text
    assert Member.objects.filter(pk=b.pk).exists()
    response = client.post(
        MERGE_ADMIN, {"keep": a.pk, "duplicate": a.pk, "confirm": "on"}
    )
    assert "Choose two different profiles." in response.text
    assert "Claims of profiles" in client.get("/admin/").text
