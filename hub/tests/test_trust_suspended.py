"""Suspended means stopped (issue 16, class 2).

A suspended or refused member, and one still awaiting review, acts on
nothing: its managers neither answer nor send contact requests (and never see
the other side's contact data through one), publish or edit its experiments,
add partners or confirm partnerships on its behalf. Its profile and its
experiments leave every public surface: the published querysets, the index
(through the outbox), the collaboration graph behind the reasons, and the
cached pages. A member awaiting review may still prepare: edit its drafts and
add the members its managers manage.
"""

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

import pytest

from hub.middleware import page_cache_generation
from members.models import (
    ContactRequest,
    ContactStatus,
    ManagerRole,
    Member,
    MemberManager,
    MemberStatus,
)
from members.services.contact import (
    contact_request_answer,
    contact_request_create,
    contact_request_mark_collaboration,
    contact_request_other_side,
)
from members.tests.factories import MemberFactory
from projects import services as projects
from projects.models import PartnerRole, Project, ProjectPartner, ProjectStatus
from projects.tests.factories import ProjectFactory
from search.client import get_client, index_alias
from search.graph import CollaborationGraph, collaboration_graph, graph_reset
from search.services import index_refresh, outbox_drain

STOPPED = [MemberStatus.SUSPENDED, MemberStatus.REFUSED, MemberStatus.PENDING]
SHUT = [MemberStatus.SUSPENDED, MemberStatus.REFUSED]
SENDER_EMAIL = "sender-private@example.org"
SENDER_PHONE = "+32 2 555 77 77"


def _managed(user, **kwargs) -> Member:
    member = MemberFactory(**kwargs)
    MemberManager.objects.create(member=member, user=user, role=ManagerRole.OWNER)
    return member


@pytest.fixture
def people(db):
    User = get_user_model()
    return {
        "stopped": User.objects.create_user("stopped", "stopped@example.org", "pw"),
        "other": User.objects.create_user("other", "other@example.org", "pw"),
    }


def _world(people, status):
    """A member with `status` (it was published before) and a published one,
    each with its manager; an experiment the stopped member published."""
    stopped = _managed(people["stopped"], name="Ibex Works", status=status)
    other = _managed(
        people["other"],
        name="Sender Lab",
        status=MemberStatus.PUBLISHED,
        email=SENDER_EMAIL,
        phone=SENDER_PHONE,
    )
    project = ProjectFactory(
        title="Ibex experiment", owner=stopped, status=ProjectStatus.PUBLISHED
    )
    ProjectPartner.objects.create(
        project=project, member=stopped, role=PartnerRole.COORDINATOR
    )
    draft = ProjectFactory(
        title="Ibex draft", owner=stopped, status=ProjectStatus.DRAFT
    )
    ProjectPartner.objects.create(
        project=draft, member=stopped, role=PartnerRole.COORDINATOR
    )
    return stopped, other, project, draft


# Contact requests --------------------------------------------------------------


@pytest.mark.parametrize("accept", [True, False])
@pytest.mark.parametrize("status", STOPPED)
def test_stopped_receiver_cannot_answer(people, status, accept):
    """Its managers can neither accept nor decline; nobody is e-mailed."""
    stopped, other, _, _ = _world(people, status)
    request = ContactRequest.objects.create(
        sender=other, receiver=stopped, message="Could we meet next week?"
    )
    mail.outbox.clear()
    with pytest.raises(PermissionDenied):
        contact_request_answer(
            user=people["stopped"], contact_request=request, accept=accept
        )
    request.refresh_from_db()
    assert request.status == ContactStatus.PENDING
    assert mail.outbox == []


@pytest.mark.parametrize("status", STOPPED)
def test_request_from_stopped_sender_cannot_be_accepted(people, status):
    """The receiver is told the member is no longer reachable; no contact
    data goes either way."""
    stopped, other, _, _ = _world(people, status)
    request = ContactRequest.objects.create(
        sender=stopped, receiver=other, message="Could we meet next week?"
    )
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        contact_request_answer(
            user=people["other"], contact_request=request, accept=True
        )
    request.refresh_from_db()
    assert request.status == ContactStatus.PENDING
    assert mail.outbox == []


@pytest.mark.parametrize("status", SHUT)
def test_stopped_side_never_sees_contact_details(client, people, status):
    """A request accepted before the suspension shows the suspended member's
    managers nothing of the other side, on the page or through the service."""
    stopped, other, _, _ = _world(people, status)
    request = ContactRequest.objects.create(
        sender=other,
        receiver=stopped,
        message="Could we meet next week?",
        status=ContactStatus.ACCEPTED,
    )
    shown = contact_request_other_side(user=people["stopped"], contact_request=request)
    assert shown is None
    client.force_login(people["stopped"])
    response = client.get(reverse("contacts:detail", args=[request.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert SENDER_EMAIL not in body
    assert SENDER_PHONE not in body


@pytest.mark.parametrize("status", STOPPED)
def test_stopped_member_cannot_send_or_receive_requests(people, status):
    """Sending on its behalf, or to it, is refused."""
    stopped, other, _, _ = _world(people, status)
    with pytest.raises(ValidationError):
        contact_request_create(
            user=people["stopped"],
            sender=stopped,
            receiver=other,
            message="Could we meet next week?",
        )
    with pytest.raises(ValidationError):
        contact_request_create(
            user=people["other"],
            sender=other,
            receiver=stopped,
            message="Could we meet next week?",
        )
    assert not ContactRequest.objects.exists()


@pytest.mark.parametrize("status", SHUT)
def test_stopped_member_cannot_record_a_collaboration(people, status):
    stopped, other, _, _ = _world(people, status)
    request = ContactRequest.objects.create(
        sender=other,
        receiver=stopped,
        message="Could we meet next week?",
        status=ContactStatus.ACCEPTED,
    )
    with pytest.raises(PermissionDenied):
        contact_request_mark_collaboration(
            user=people["stopped"], contact_request=request
        )
    request.refresh_from_db()
    assert not request.led_to_collaboration


# Experiments and partnerships ---------------------------------------------------


@pytest.mark.parametrize("status", STOPPED)
def test_stopped_owner_experiments_leave_public_surfaces(people, status):
    stopped, _, project, _ = _world(people, status)
    assert not project.is_public
    assert not Project.objects.published().filter(pk=project.pk).exists()


@pytest.mark.parametrize("status", SHUT)
def test_stopped_owner_cannot_edit_or_publish(people, status):
    """Edit, submit, publish and reopen are refused; the records stay as
    they were."""
    stopped, _, project, draft = _world(people, status)
    user = people["stopped"]
    with pytest.raises(PermissionDenied):
        projects.project_update(project=project, user=user, title="New title")
    with pytest.raises(PermissionDenied):
        projects.project_submit(project=draft, user=user)
    with pytest.raises(PermissionDenied):
        projects.project_publish(project=draft, user=user)
    project.refresh_from_db()
    draft.refresh_from_db()
    assert project.title == "Ibex experiment"
    assert draft.status == ProjectStatus.DRAFT


def test_pending_owner_still_prepares_drafts(people):
    """A profile awaiting review edits and submits its drafts (editors
    review them), as before."""
    _, _, _, draft = _world(people, MemberStatus.PENDING)
    user = people["stopped"]
    projects.project_update(project=draft, user=user, title="Jerboa draft")
    projects.project_submit(project=draft, user=user)
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Jerboa draft", ProjectStatus.SUBMITTED)


@pytest.mark.parametrize("status", SHUT)
def test_stopped_owner_cannot_add_partners(people, status):
    """Not even a member the same account manages (which needs no e-mail)."""
    stopped, _, project, _ = _world(people, status)
    mine = _managed(people["stopped"], name="Mine Too", status=MemberStatus.PUBLISHED)
    with pytest.raises((PermissionDenied, ValidationError)):
        projects.partner_add(
            project=project,
            member=mine,
            role=PartnerRole.PARTNER,
            user=people["stopped"],
        )
    assert not project.partnerships.filter(member=mine).exists()


@pytest.mark.parametrize("status", STOPPED)
def test_stopped_owner_invites_nobody(people, status):
    """An invitation e-mails another member's managers: refused."""
    stopped, other, project, _ = _world(people, status)
    mail.outbox.clear()
    with pytest.raises((PermissionDenied, ValidationError)):
        projects.partner_add(
            project=project,
            member=other,
            role=PartnerRole.PARTNER,
            user=people["stopped"],
        )
    assert mail.outbox == []


@pytest.mark.parametrize("status", STOPPED)
def test_stopped_member_cannot_confirm_a_partnership(people, status):
    stopped, other, _, _ = _world(people, status)
    theirs = ProjectFactory(owner=other, status=ProjectStatus.PUBLISHED)
    invite = ProjectPartner.objects.create(
        project=theirs, member=stopped, role=PartnerRole.PARTNER, confirmed=False
    )
    with pytest.raises(PermissionDenied):
        projects.partnership_confirm(partnership=invite, user=people["stopped"])
    invite.refresh_from_db()
    assert not invite.confirmed


# Leaving the index, the graph and the caches -------------------------------------


def _source(document: str, pk: int) -> dict | None:
    found = (
        get_client().options(ignore_status=404).get(index=index_alias(document), id=pk)
    )
    return found.get("_source") if found.get("found") else None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", SHUT)
def test_suspension_takes_everything_out_of_the_index(search_index, status):
    """Through the outbox: the member's document, its experiment's document,
    and the experiment's title in its partners' track records; the graph
    behind the reasons drops its ties; cached pages are forgotten."""
    graph_reset()
    ibex = MemberFactory(name="Ibex Works", status=MemberStatus.PUBLISHED)
    ally = MemberFactory(name="Ally Coop", status=MemberStatus.PUBLISHED)
    friend = MemberFactory(name="Friend Asso", status=MemberStatus.PUBLISHED)
    project = ProjectFactory(
        title="Ibex experiment", owner=ibex, status=ProjectStatus.PUBLISHED
    )
    ProjectPartner.objects.create(
        project=project, member=ibex, role=PartnerRole.COORDINATOR
    )
    ProjectPartner.objects.create(project=project, member=ally)
    shared = ProjectFactory(title="Shared one", status=ProjectStatus.PUBLISHED)
    ProjectPartner.objects.create(project=shared, member=ibex)
    ProjectPartner.objects.create(project=shared, member=friend)
    outbox_drain()
    index_refresh()
    assert _source("project", project.pk) is not None
    assert "Ibex experiment" in str(_source("member", ally.pk))
    assert ibex.pk in collaboration_graph().neighbours(friend.pk)
    generation = page_cache_generation()
    signature = CollaborationGraph.load().signature
    ally.headline = "An edit that changes no tie"
    ally.save()
    assert CollaborationGraph.load().signature == signature

    ibex.status = status
    ibex.save()
    outbox_drain()
    index_refresh()
    assert _source("member", ibex.pk) is None
    assert _source("project", project.pk) is None
    assert "Ibex experiment" not in str(_source("member", ally.pk))
    assert "Ibex Works" not in str(_source("project", shared.pk))
    # Each process reloads its graph when it sees the signature change.
    assert CollaborationGraph.load().signature != signature
    graph_reset()
    assert ibex.pk not in collaboration_graph().neighbours(friend.pk)
    assert page_cache_generation() != generation
    graph_reset()


def test_the_one_decision_names_real_statuses():
    """members.permissions keeps the statuses as strings (models ask it, so
    it cannot import them): they are the models' own values."""
    from members import permissions

    used = permissions.APPEARING | permissions.ACTING | permissions.PREPARING
    assert used.issubset(MemberStatus.values)
    assert permissions.PROJECT_PUBLISHED == ProjectStatus.PUBLISHED


@pytest.mark.parametrize("status", SHUT)
def test_stopped_profile_is_offered_nobody_on_the_dashboard(
    client, people, search_index, status
):
    """The dashboard suggests experiments and people (with contact links) to
    the profiles that may act or prepare, never to a suspended one."""
    stopped, _, _, _ = _world(people, status)
    ready = _managed(people["stopped"], name="Ready Coop", status=MemberStatus.PENDING)
    client.force_login(people["stopped"])
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    suggested_for = [entry["member"] for entry in response.context["suggestions"]]
    assert suggested_for == [ready]
