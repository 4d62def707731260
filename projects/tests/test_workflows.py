"""Member workflows on experiments: create, edit, lifecycle, needs, partners."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import translation

import pytest

from hub.taxonomy import Sector
from members.models import MemberManager, MemberStatus
from members.tests.factories import MemberFactory
from projects import services
from projects.forms import ProjectForm, parse_keywords
from projects.models import (
    NeedStatus,
    PartnerRole,
    Project,
    ProjectPartner,
    ProjectStatus,
)
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory

LOGIN_URL = "/en/accounts/login/"


def make_user(username, **extra):
    return get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password="x",
        **extra,
    )


def manage(user, member):
    MemberManager.objects.create(user=user, member=member)
    return member


@pytest.fixture
def manager():
    return make_user("manager")


@pytest.fixture
def owner(manager):
    return manage(manager, MemberFactory(name="Bockstael Coop"))


@pytest.fixture
def outsider():
    """A user who manages another member, not the project's owner."""
    user = make_user("outsider")
    manage(user, MemberFactory(name="Other Coop"))
    return user


@pytest.fixture
def editor():
    return make_user("editor", is_staff=True)


def draft_of(owner, **kwargs):
    """A project of `owner` (a draft unless `status` says otherwise) with the
    owner as confirmed coordinator."""
    kwargs.setdefault("status", ProjectStatus.DRAFT)
    project = ProjectFactory(owner=owner, **kwargs)
    ProjectPartnerFactory(
        project=project, member=owner, role=PartnerRole.COORDINATOR, confirmed=True
    )
    return project


def form_data(member, **overrides):
    data = {
        "title": "Heat pumps in Laeken",
        "summary": "Shared heat pumps for a social housing block.",
        "description": "",
        "stage": "pilot",
        "owner": member.pk,
        "keywords": "energy, Housing , , energy,co-design",
        "commune": "bruxelles",
        "city": "",
        "country": "",
        "start_date": "2025-03-01",
        "end_date": "2025-12-31",
        "languages": ["fr", "nl"],
        "sdgs": ["7", "11"],
    }
    data.update(overrides)
    return data


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# Create, edit and lifecycle --------------------------------------------------


@pytest.mark.django_db
def test_create_submit_publish_flow(client, manager, owner, editor):
    """A draft created by a manager is hidden from visitors (404) but previewed
    by its manager; once submitted and published by an editor it is public as
    soon as its owner's profile is (members.permissions)."""
    # The owner profile is still pending, so the editors review the project.
    owner.status = MemberStatus.PENDING
    owner.save()
    client.force_login(manager)
    response = client.post(reverse("projects:create"), form_data(owner))
    assert response.status_code == 302
    project = Project.objects.get()
    assert response["Location"] == project.get_absolute_url()
    assert project.status == ProjectStatus.DRAFT
    assert project.owner == owner
    assert project.keywords == ["energy", "Housing", "co-design"]
    assert project.languages == ["fr", "nl"]
    assert project.sdgs == [7, 11]
    coordinator = project.partnerships.get()
    assert (coordinator.member, coordinator.role, coordinator.confirmed) == (
        owner,
        PartnerRole.COORDINATOR,
        True,
    )

    preview = client.get(project.get_absolute_url())
    assert preview.status_code == 200
    assert "Draft" in preview.text
    assert 'content="noindex"' in preview.text
    client.logout()
    assert client.get(project.get_absolute_url()).status_code == 404

    client.force_login(manager)
    client.post(reverse("projects:submit", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUBMITTED
    client.post(reverse("projects:publish", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUBMITTED, "pending owner: editor reviews"

    client.force_login(editor)
    client.post(reverse("projects:publish", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED

    client.logout()
    # An experiment appears with its owner: not while the profile is pending.
    assert client.get(project.get_absolute_url()).status_code == 404
    owner.status = MemberStatus.PUBLISHED
    owner.save()
    public = client.get(project.get_absolute_url())
    assert public.status_code == 200
    assert "Heat pumps in Laeken" in public.text
    assert "Draft" not in public.text
    assert "Bockstael Coop" in public.text


@pytest.mark.django_db
def test_manager_of_published_member_publishes_directly(client, manager, owner):
    """A manager whose owner member is published may publish a draft directly."""
    project = draft_of(owner)
    client.force_login(manager)
    client.post(reverse("projects:publish", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED


@pytest.mark.django_db
def test_archive_and_reopen(client, manager, owner):
    """published → archived (hidden from visitors) → reopened as a draft."""
    project = ProjectFactory(owner=owner, status=ProjectStatus.PUBLISHED)
    client.force_login(manager)
    client.post(reverse("projects:archive", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.ARCHIVED
    client.logout()
    assert client.get(project.get_absolute_url()).status_code == 404
    client.force_login(manager)
    assert client.get(project.get_absolute_url()).status_code == 200
    client.post(reverse("projects:reopen", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, action, expected",
    [
        (ProjectStatus.DRAFT, "archive", "Only a published experiment can be archived"),
        (ProjectStatus.DRAFT, "reopen", "Only an archived experiment can be reopened"),
        (ProjectStatus.PUBLISHED, "submit", "Only a draft can be submitted"),
        (ProjectStatus.PUBLISHED, "publish", "already published"),
        (ProjectStatus.ARCHIVED, "publish", "must be reopened"),
    ],
)
def test_invalid_transition_gives_message(
    client, manager, owner, status, action, expected
):
    """An impossible transition redirects with an error message, status unchanged."""
    project = ProjectFactory(owner=owner, status=status)
    client.force_login(manager)
    response = client.post(reverse(f"projects:{action}", args=[project.slug]))
    assert response.status_code == 302
    assert any(expected in text for text in message_texts(response))
    project.refresh_from_db()
    assert project.status == status


@pytest.mark.django_db
def test_editor_cannot_publish_an_unsubmitted_draft(client, owner, editor):
    """Editors publish what was submitted; a draft gets a message, not a 500."""
    project = draft_of(owner)
    client.force_login(editor)
    response = client.post(reverse("projects:publish", args=[project.slug]))
    assert response.status_code == 302
    assert any("submitted for review" in t for t in message_texts(response))
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT


@pytest.mark.django_db
def test_lifecycle_urls_refuse_get(client, manager, owner):
    """Lifecycle actions change data, so they accept POST only."""
    project = draft_of(owner)
    client.force_login(manager)
    response = client.get(reverse("projects:submit", args=[project.slug]))
    assert response.status_code == 405


@pytest.mark.django_db
def test_edit_updates_fields_and_shows_keywords(client, manager, owner):
    """The edit form shows keywords comma-separated and saves the changes."""
    project = draft_of(owner, keywords=["food", "logistics"])
    client.force_login(manager)
    url = reverse("projects:edit", args=[project.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="food, logistics"' in page.text
    response = client.post(url, form_data(owner, title="Renamed", keywords="a, b"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.keywords) == ("Renamed", ["a", "b"])
    assert project.status == ProjectStatus.DRAFT


@pytest.mark.django_db
def test_end_date_before_start_is_refused(client, manager, owner):
    """An end date before the start date is an error on the end date field."""
    client.force_login(manager)
    response = client.post(
        reverse("projects:create"),
        form_data(owner, start_date="2025-06-01", end_date="2025-05-01"),
    )
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.text
    assert "error-summary" in response.text
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_commune_and_city_are_exclusive(manager, owner):
    """A project is either in a Brussels commune or in a city elsewhere."""
    form = ProjectForm(form_data(owner, city="Leuven"), user=manager)
    assert not form.is_valid()
    assert "city" in form.errors


def test_parse_keywords():
    """Keywords are split on commas, trimmed, de-duplicated case-insensitively."""
    assert parse_keywords(" Energy ,energy, social  housing,,") == [
        "Energy",
        "social housing",
    ]
    assert parse_keywords("") == []


@pytest.mark.django_db
def test_owner_choices_are_the_members_the_user_manages(manager, owner, outsider):
    """The owner select lists only members the user manages."""
    form = ProjectForm(user=manager)
    assert list(form.fields["owner"].queryset) == [owner]
    other = MemberFactory()
    form = ProjectForm(form_data(owner, owner=other.pk), user=manager)
    assert not form.is_valid()
    assert "owner" in form.errors


@pytest.mark.django_db
def test_create_without_managed_member_links_to_dashboard(client):
    """A user who manages no member is sent to the dashboard to set one up."""
    client.force_login(make_user("lonely"))
    response = client.get(reverse("projects:create"))
    assert response.status_code == 200
    assert reverse("dashboard:home") in response.text
    main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main


@pytest.mark.django_db
def test_sector_checkboxes_use_the_active_language(client, manager, owner):
    """Sector checkboxes are labelled in the language of the request."""
    Sector.objects.create(
        slug="housing", name_en="Housing", name_fr="Logement", name_nl="Huisvesting"
    )
    client.force_login(manager)
    with translation.override("fr"):
        form = ProjectForm(user=manager)
        assert "Logement" in str(form["sectors"])
    with translation.override("nl"):
        assert "Huisvesting" in str(ProjectForm(user=manager)["sectors"])


@pytest.mark.django_db
def test_needs_formset(client, manager, owner):
    """Managers add needs on /needs/; only open needs show on the public page."""
    project = draft_of(owner, status=ProjectStatus.PUBLISHED)
    client.force_login(manager)
    url = reverse("projects:needs", args=[project.slug])
    assert client.get(url).status_code == 200
    data = {
        "needs-TOTAL_FORMS": "2",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "1000",
        "needs-0-kind": "researcher",
        "needs-0-text": "Measure energy savings",
        "needs-0-status": NeedStatus.OPEN,
        "needs-1-kind": "",
        "needs-1-text": "Find a plumber",
        "needs-1-status": NeedStatus.FILLED,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert project.needs.count() == 2
    client.logout()
    page = client.get(project.get_absolute_url())
    assert "Measure energy savings" in page.text
    assert "Find a plumber" not in page.text


# Permission matrix ----------------------------------------------------------

CHANGE_VIEWS = [
    # (url name, method, status for the manager)
    ("projects:edit", "get", 200),
    ("projects:needs", "get", 200),
    ("projects:partners", "get", 200),
    ("projects:submit", "post", 302),
    ("projects:publish", "post", 302),
    ("projects:archive", "post", 302),
    ("projects:reopen", "post", 302),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, method, ok_status", CHANGE_VIEWS)
def test_change_views_permissions(
    client, manager, owner, outsider, name, method, ok_status
):
    """Anonymous → login; a user managing another member → 404 on a draft;
    the project's manager → OK."""
    project = draft_of(owner)
    url = reverse(name, args=[project.slug])

    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)

    client.force_login(outsider)
    assert getattr(client, method)(url).status_code == 404

    client.force_login(manager)
    assert getattr(client, method)(url).status_code == ok_status


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["submit", "publish", "archive", "reopen"])
def test_outsider_gets_403_on_published_project(client, owner, outsider, name):
    """A published project is visible to all, so an outsider's action is a 403."""
    project = ProjectFactory(owner=owner, status=ProjectStatus.PUBLISHED)
    client.force_login(outsider)
    response = client.post(reverse(f"projects:{name}", args=[project.slug]))
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED


@pytest.mark.django_db
def test_outsider_cannot_edit_published_project(client, owner, outsider):
    """Edit pages of projects the user does not manage are 404, even if public."""
    project = ProjectFactory(owner=owner, status=ProjectStatus.PUBLISHED)
    client.force_login(outsider)
    assert client.get(reverse("projects:edit", args=[project.slug])).status_code == 404
    response = client.post(
        reverse("projects:edit", args=[project.slug]), form_data(owner, title="X")
    )
    assert response.status_code == 404
    project.refresh_from_db()
    assert project.title != "X"


@pytest.mark.django_db
def test_create_requires_login(client):
    """Anonymous visitors are sent to the login page to create a project."""
    response = client.get(reverse("projects:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.django_db
def test_editor_sees_and_publishes_submitted_project(client, owner, editor):
    """Editors preview submitted projects and publish them; they cannot edit."""
    project = draft_of(owner, status=ProjectStatus.SUBMITTED)
    client.force_login(editor)
    page = client.get(project.get_absolute_url())
    assert page.status_code == 200
    assert reverse("projects:publish", args=[project.slug]) in page.text
    assert client.get(reverse("projects:edit", args=[project.slug])).status_code == 404
    response = client.post(reverse("projects:publish", args=[project.slug]))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED


@pytest.mark.django_db
def test_partner_remove_permissions(client, manager, owner, outsider):
    """Removing a partner: anonymous → login, outsider → 404, manager → done."""
    project = draft_of(owner)
    partnership = ProjectPartnerFactory(project=project)
    url = reverse("projects:partner_remove", args=[project.slug, partnership.pk])
    assert client.post(url)["Location"].startswith(LOGIN_URL)
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(manager)
    assert client.post(url).status_code == 302
    assert not ProjectPartner.objects.filter(pk=partnership.pk).exists()


@pytest.mark.django_db
def test_projects_managed_by_selector(manager, owner, outsider):
    """`projects_managed_by` lists the projects of the members a user manages."""
    mine = draft_of(owner)
    ProjectFactory(owner=MemberFactory())
    assert list(services.projects_managed_by(user=manager)) == [mine]
    assert not services.projects_managed_by(user=outsider).exists()
    assert services.project_managed_by(project=mine, user=manager)
    assert not services.project_managed_by(project=mine, user=outsider)


# Partners -------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_confirmation_flow(client, manager, owner):
    """A member the adding user does not manage is added unconfirmed, its
    managers are e-mailed, and it appears on the public page only once one of
    them confirms."""
    project = draft_of(owner, status=ProjectStatus.PUBLISHED)
    partner_manager = make_user("partner")
    partner = manage(partner_manager, MemberFactory(name="Université Libre Test"))

    client.force_login(manager)
    response = client.post(
        reverse("projects:partners", args=[project.slug]),
        {"member": partner.slug, "role": PartnerRole.PARTNER},
    )
    assert response.status_code == 302
    partnership = project.partnerships.get(member=partner)
    assert partnership.confirmed is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["partner@example.org"]
    confirm_url = reverse("projects:partnership_confirm", args=[partnership.pk])
    assert confirm_url in mail.outbox[0].body
    assert project.title in mail.outbox[0].subject

    client.logout()
    assert "Université Libre Test" not in client.get(project.get_absolute_url()).text

    # Someone who does not manage the partner member cannot answer.
    client.force_login(manager)
    assert client.post(confirm_url).status_code == 404

    client.force_login(partner_manager)
    assert list(services.partnerships_awaiting_confirmation(user=partner_manager)) == [
        partnership
    ]
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert project.title in page.text
    response = client.post(confirm_url)
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.confirmed is True
    assert not services.partnerships_awaiting_confirmation(user=partner_manager)

    client.logout()
    assert "Université Libre Test" in client.get(project.get_absolute_url()).text


@pytest.mark.django_db
def test_partner_decline(client, manager, owner):
    """Declining deletes the proposal; anonymous users are sent to log in."""
    project = draft_of(owner)
    partner_manager = make_user("partner")
    partner = manage(partner_manager, MemberFactory())
    partnership = ProjectPartnerFactory(
        project=project, member=partner, confirmed=False
    )
    url = reverse("projects:partnership_decline", args=[partnership.pk])
    assert client.post(url)["Location"].startswith(LOGIN_URL)
    client.force_login(manager)
    assert client.post(url).status_code == 404
    client.force_login(partner_manager)
    assert client.post(url).status_code == 302
    assert not ProjectPartner.objects.filter(pk=partnership.pk).exists()


@pytest.mark.django_db
def test_partner_managed_by_the_same_user_is_confirmed_at_once(client, manager, owner):
    """Adding a member the user also manages needs no confirmation, no e-mail."""
    project = draft_of(owner)
    sister = manage(manager, MemberFactory())
    client.force_login(manager)
    client.post(
        reverse("projects:partners", args=[project.slug]),
        {"member": sister.slug, "role": PartnerRole.ASSOCIATED},
    )
    partnership = project.partnerships.get(member=sister)
    assert partnership.confirmed is True
    assert partnership.role == PartnerRole.ASSOCIATED
    assert mail.outbox == []


@pytest.mark.django_db
def test_only_published_members_can_be_added(client, manager, owner):
    """A member pending review is not offered as a partner."""
    project = draft_of(owner)
    pending = MemberFactory(status=MemberStatus.PENDING)
    client.force_login(manager)
    response = client.post(
        reverse("projects:partners", args=[project.slug]),
        {"member": pending.slug, "role": PartnerRole.PARTNER},
    )
    assert response.status_code == 200
    assert not project.partnerships.filter(member=pending).exists()


@pytest.mark.django_db
def test_last_coordinator_cannot_be_removed(client, manager, owner):
    """The last confirmed coordinator stays; the manager gets a message."""
    project = draft_of(owner)
    coordinator = project.partnerships.get(member=owner)
    client.force_login(manager)
    response = client.post(
        reverse("projects:partner_remove", args=[project.slug, coordinator.pk])
    )
    assert response.status_code == 302
    assert any("coordinator" in t for t in message_texts(response))
    assert ProjectPartner.objects.filter(pk=coordinator.pk).exists()


@pytest.mark.django_db
def test_services_reject_non_managers(owner, outsider):
    """Services check rights themselves, whatever view calls them."""
    from django.core.exceptions import PermissionDenied

    project = draft_of(owner)
    with pytest.raises(PermissionDenied):
        services.project_submit(project=project, user=outsider)
    with pytest.raises(PermissionDenied):
        services.project_create(user=outsider, owner=owner, title="t", summary="s")
    with pytest.raises(PermissionDenied):
        services.partner_add(
            project=project, member=MemberFactory(), role="partner", user=outsider
        )


@pytest.mark.django_db
def test_reserved_slug_is_avoided(manager, owner):
    """A project titled "New" does not take the slug of the create URL."""
    project = services.project_create(
        user=manager,
        owner=owner,
        title="New",
        summary="s",
        start_date=datetime.date(2025, 1, 1),
    )
    assert project.slug != "new"
