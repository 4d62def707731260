"""Member profile self-service: creating, editing, managers, affiliations,
and what the public profile page shows to whom."""

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from hub.taxonomy import Sector
from members.models import (
    Affiliation,
    ManagerRole,
    Member,
    MemberManager,
    MemberStatus,
    Offer,
    Seek,
    Visibility,
)
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/en/accounts/login/"


def make_user(name, **extra):
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password="pw", **extra
    )


def managed_member(user, role=ManagerRole.OWNER, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user, role=role)
    return member


def formset_data(prefix, rows=()):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def profile_data(**overrides):
    data = {
        "kind": "entrepreneur",
        "is_organisation": "on",
        "name": "Repair Café Molenbeek",
        "headline": "Fixing things together",
        "description": "A weekly repair café.",
        "legal_form": "nonprofit",
        "skills": "repair, electronics, Repair",
        "languages": ["fr", "nl"],
        "commune": "molenbeek-saint-jean",
        "country": "be",
        "website": "https://repair.example.org",
        "email": "private@repair.example.org",
        "phone": "+32 2 000 00 00",
        "open_to_collaboration": "on",
        "emes_wage_ratio": "2.5",
    }
    for section in (
        "location",
        "website",
        "skills",
        "offers",
        "seeks",
        "languages",
        "emes",
        "recognition",
    ):
        data[f"visibility_{section}"] = Visibility.PUBLIC
    data.update(formset_data("offers"))
    data.update(formset_data("seeks"))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def owner():
    return make_user("owner")


@pytest.fixture
def member(owner):
    return managed_member(owner, name="Habitat Solidaire")


@pytest.fixture
def other_manager():
    """Manages a different member only."""
    user = make_user("other")
    managed_member(user, name="Fietsatelier Noord")
    return user


@pytest.fixture
def staff():
    return make_user("editor", is_staff=True)


# Creating ------------------------------------------------------------------


def test_create_requires_login(client):
    """Anonymous visitors are sent to the log-in page."""
    response = client.get(reverse("members:create"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
    response = client.post(reverse("members:create"), profile_data())
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
    assert not Member.objects.exists()


def test_create_makes_pending_profile_owned_by_user(client, owner):
    """A new profile is pending, owned by its creator, with every field saved;
    the creator can preview it but the public cannot see it."""
    sector = Sector.objects.create(
        slug="housing", name_en="Housing", name_fr="Logement", name_nl="Huisvesting"
    )
    client.force_login(owner)
    data = profile_data(sectors=[str(sector.pk)])
    data.update(
        formset_data("offers", [{"text": "Workshop space", "expires_on": "2099-01-01"}])
    )
    data.update(formset_data("seeks", [{"text": "Volunteers", "kind": "researcher"}]))
    response = client.post(reverse("members:create"), data)
    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get()
    assert member.status == MemberStatus.PENDING
    assert member.managers.get().user == owner
    assert member.managers.get().role == ManagerRole.OWNER
    assert member.skills == ["repair", "electronics"]
    assert member.languages == ["fr", "nl"]
    assert member.country == "BE"
    assert member.email == "private@repair.example.org"
    assert list(member.sectors.all()) == [sector]
    assert member.visibility["skills"] == Visibility.PUBLIC
    assert [o.text for o in member.offers.all()] == ["Workshop space"]
    assert member.seeks.get().kind == "researcher"
    assert client.get(member.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(member.get_absolute_url()).status_code == 404


def test_create_form_labels_sectors_and_private_fields(client, owner):
    """Sector checkboxes use the term label; contact fields say they are private."""
    Sector.objects.create(
        slug="energy", name_en="Energy", name_fr="Énergie", name_nl="Energie"
    )
    client.force_login(owner)
    html = client.get(reverse("members:create")).text
    assert "Energy" in html
    assert "never shown publicly; shared only when you accept a contact request" in (
        html.lower()
    )
    assert 'name="emes_verified"' not in html


# Editing and the permission matrix -----------------------------------------


def test_edit_permissions(client, member, owner, other_manager, staff):
    """Anonymous → log-in; a manager of another member → 404; the member's
    manager and site editors (staff) → the form."""
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
    assert client.post(url, profile_data()).status_code == 302
    member.refresh_from_db()
    assert member.name == "Habitat Solidaire"

    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    assert client.post(url, profile_data()).status_code == 404

    for user in (owner, staff):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_editor_role_manager_can_edit(client, member):
    """A manager with role editor may edit the profile too."""
    editor = make_user("coeditor")
    MemberManager.objects.create(member=member, user=editor, role=ManagerRole.EDITOR)
    client.force_login(editor)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, profile_data(name="Habitat Solidaire ASBL"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "Habitat Solidaire ASBL"


def test_edit_keeps_status_and_emes_verification(client, member, owner):
    """Members cannot publish themselves nor set the EMES verification."""
    member.status = MemberStatus.PENDING
    member.emes_verified = False
    member.save()
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(
        url, profile_data(status="published", emes_verified="on", name="Renamed")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "Renamed"
    assert member.status == MemberStatus.PENDING
    assert member.emes_verified is False


@pytest.mark.parametrize(
    ("ratio", "valid"), [("0.5", False), ("0", False), ("1", True), ("6", True)]
)
def test_wage_ratio_is_at_least_one(client, member, owner, ratio, valid):
    """The highest-to-lowest wage ratio must be ≥ 1; above 4 is accepted (the
    EMES bound is explained, not enforced)."""
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, profile_data(emes_wage_ratio=ratio))
    if valid:
        assert response.status_code == 302
        member.refresh_from_db()
        assert str(member.emes_wage_ratio.normalize()) == ratio
    else:
        assert response.status_code == 200
        assert "emes_wage_ratio" in response.context["form"].errors
        assert "error-summary" in response.text


def test_wage_ratio_help_explains_bound(client, member, owner):
    client.force_login(owner)
    html = client.get(reverse("members:edit", kwargs={"slug": member.slug})).text
    assert "1 to 4" in html


def test_recognition_needs_a_date(client, member, owner):
    """Ticking the regional recognition without a date is refused."""
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": member.slug})
    response = client.post(url, profile_data(regional_recognition="on"))
    assert response.status_code == 200
    assert "recognition_date" in response.context["form"].errors
    response = client.post(
        url, profile_data(regional_recognition="on", recognition_date="2023-05-01")
    )
    assert response.status_code == 302


def test_edit_offers_resets_reminder_when_expiry_changes(client, member, owner):
    """Changing an offer's expiry date re-arms its reminder; deleting removes it."""
    from django.utils import timezone

    offer = Offer.objects.create(
        member=member, text="Van", expires_on="2000-01-01", reminded_at=timezone.now()
    )
    seek = Seek.objects.create(member=member, text="Old need")
    client.force_login(owner)
    data = profile_data()
    data.update(
        {
            "offers-TOTAL_FORMS": "1",
            "offers-INITIAL_FORMS": "1",
            "offers-0-id": str(offer.pk),
            "offers-0-text": "Van",
            "offers-0-expires_on": "2099-01-01",
            "seeks-TOTAL_FORMS": "1",
            "seeks-INITIAL_FORMS": "1",
            "seeks-0-id": str(seek.pk),
            "seeks-0-text": "Old need",
            "seeks-0-DELETE": "on",
        }
    )
    response = client.post(reverse("members:edit", kwargs={"slug": member.slug}), data)
    assert response.status_code == 302, [f.errors for f in response.context["formsets"]]
    offer.refresh_from_db()
    assert str(offer.expires_on) == "2099-01-01"
    assert offer.reminded_at is None
    assert not member.seeks.exists()


# Managers --------------------------------------------------------------------


def _verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True)
    return user


def test_manager_add_permissions(client, member, owner, other_manager, staff):
    """Inviting a manager: anonymous → log-in; another member's manager → 404;
    an editor-role manager → 404; the owner and site editors → an invitation
    (with the role offered) that makes nobody a manager until accepted."""
    from members.models import ManagerInvitation

    url = reverse("members:managers", kwargs={"slug": member.slug})
    newcomer = _verified(make_user("newcomer"))
    response = client.post(url, {"email": newcomer.email, "role": "editor"})
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)

    client.force_login(other_manager)
    assert client.post(url, {"email": newcomer.email}).status_code == 404

    co_editor = make_user("coeditor")
    MemberManager.objects.create(member=member, user=co_editor, role="editor")
    client.force_login(co_editor)
    assert client.get(url).status_code == 200
    assert client.post(url, {"email": newcomer.email, "role": "editor"}).status_code
    assert not member.managers.filter(user=newcomer).exists()

    client.force_login(owner)
    shouted = "NEWCOMER@accounts.example.org"
    response = client.post(url, {"email": shouted, "role": "editor"})
    assert response.status_code == 302
    assert not member.managers.filter(user=newcomer).exists()
    invitation = ManagerInvitation.objects.get(member=member, user=newcomer)
    assert invitation.role == ManagerRole.EDITOR

    late = _verified(make_user("late"))
    client.force_login(staff)
    assert client.post(url, {"email": late.email, "role": "owner"}).status_code == 302
    assert ManagerInvitation.objects.get(user=late).role == ManagerRole.OWNER


def test_manager_add_unknown_email(client, member, owner):
    """An e-mail address without an account gets the same answer as one with
    an account: an invitation goes out if a verified account uses it."""
    client.force_login(owner)
    url = reverse("members:managers", kwargs={"slug": member.slug})
    response = client.post(
        url, {"email": "nobody@example.org", "role": "editor"}, follow=True
    )
    assert response.status_code == 200
    assert "if an account with this verified address exists" in response.text


def test_manager_remove_permissions(client, member, owner, other_manager):
    """Removing: anonymous → log-in; outsiders and editor-role managers → 404;
    owners remove editors but never owners."""
    co_editor = make_user("coeditor")
    editor_row = MemberManager.objects.create(
        member=member, user=co_editor, role="editor"
    )
    owner_row = member.managers.get(user=owner)
    url = reverse(
        "members:manager_remove", kwargs={"slug": member.slug, "pk": editor_row.pk}
    )
    response = client.post(url)
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
    client.force_login(other_manager)
    assert client.post(url).status_code == 404
    client.force_login(co_editor)
    assert client.post(url).status_code == 404
    assert MemberManager.objects.filter(pk=editor_row.pk).exists()

    client.force_login(owner)
    owner_url = reverse(
        "members:manager_remove", kwargs={"slug": member.slug, "pk": owner_row.pk}
    )
    client.post(owner_url)
    assert MemberManager.objects.filter(pk=owner_row.pk).exists()
    assert client.post(url).status_code == 302
    assert not MemberManager.objects.filter(pk=editor_row.pk).exists()


# Affiliations ----------------------------------------------------------------


def test_affiliation_permissions(client, owner, other_manager):
    """A person profile joins an organisation its user manages; outsiders get
    404 and organisations the user does not manage are not offered."""
    person = managed_member(owner, name="Nadia", is_organisation=False)
    organisation = managed_member(owner, name="Coop Nadia", is_organisation=True)
    foreign = Member.objects.get(name="Fietsatelier Noord")
    url = reverse("members:affiliations", kwargs={"slug": person.slug})
    data = {"organisation": organisation.pk, "title": "Co-founder"}

    response = client.post(url, data)
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
    client.force_login(other_manager)
    assert client.post(url, data).status_code == 404

    client.force_login(owner)
    response = client.post(url, {"organisation": foreign.pk})
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert client.post(url, data).status_code == 302
    affiliation = Affiliation.objects.get()
    assert (affiliation.organisation, affiliation.title) == (organisation, "Co-founder")

    remove = reverse(
        "members:affiliation_remove", kwargs={"slug": person.slug, "pk": affiliation.pk}
    )
    client.force_login(other_manager)
    assert client.post(remove).status_code == 404
    client.force_login(owner)
    assert client.post(remove).status_code == 302
    assert not Affiliation.objects.exists()


# The public profile ----------------------------------------------------------


@pytest.fixture
def private_member():
    """A published member with sections of every visibility."""
    return MemberFactory(
        name="Atelier Marolles",
        skills=["members-only-skill"],
        website="https://matching.example.org",
        city="Brussels",
        commune="bruxelles",
        email="secret@marolles.example.org",
        phone="+32 2 999 99 99",
        visibility={
            "skills": Visibility.MEMBERS,
            "website": Visibility.MATCHING,
            "location": Visibility.PUBLIC,
        },
    )


def test_profile_hides_members_only_sections_from_anonymous(client, private_member):
    """Anonymous visitors see public sections only, never contact data."""
    html = client.get(private_member.get_absolute_url()).text
    assert "Bruxelles / Brussel" in html
    assert "members-only-skill" not in html
    assert "matching.example.org" not in html
    assert "secret@marolles.example.org" not in html
    assert "+32 2 999 99 99" not in html


def test_profile_shows_members_only_sections_to_network_members(client, private_member):
    """A user managing a published member sees members-only sections, but not
    matching-only ones nor contact data."""
    user = make_user("networker")
    managed_member(user, status=MemberStatus.PUBLISHED)
    client.force_login(user)
    html = client.get(private_member.get_absolute_url()).text
    assert "members-only-skill" in html
    assert "matching.example.org" not in html
    assert "secret@marolles.example.org" not in html


def test_pending_manager_does_not_count_as_network_member(client, private_member):
    """Managing only a pending profile does not unlock members-only sections."""
    user = make_user("newbie")
    managed_member(user, status=MemberStatus.PENDING)
    client.force_login(user)
    assert (
        "members-only-skill" not in client.get(private_member.get_absolute_url()).text
    )


def test_profile_shows_matching_sections_to_its_managers(client, private_member):
    """Managers see every section of their own profile, but the page still
    never prints the private e-mail or phone."""
    user = make_user("self")
    MemberManager.objects.create(member=private_member, user=user)
    client.force_login(user)
    html = client.get(private_member.get_absolute_url()).text
    assert "matching.example.org" in html
    assert "members-only-skill" in html
    assert "secret@marolles.example.org" not in html
    assert "+32 2 999 99 99" not in html


def test_suspended_profile_previewed_by_managers_only(client, member, owner):
    """Suspended profiles are 404 to the public and a preview to managers."""
    member.status = MemberStatus.SUSPENDED
    member.save()
    assert client.get(member.get_absolute_url()).status_code == 404
    client.force_login(owner)
    response = client.get(member.get_absolute_url())
    assert response.status_code == 200
    assert "Preview" in response.text
