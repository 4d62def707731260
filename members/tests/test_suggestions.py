"""Dismissed suggestions and the dashboard's "Experiments you could join" and
"People you could work with"."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from members.models import (
    ContactRequest,
    ContactStatus,
    Dismissal,
    MemberManager,
    Offer,
    Seek,
)
from members.services.suggestions import (
    dismissal_create,
    dismissed_for_member,
    dismissed_members_for_project,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import graph_reset
from search.services import index_refresh


@pytest.fixture(autouse=True)
def fresh_graph():
    graph_reset()
    yield
    graph_reset()


def make_user(name):
    return get_user_model().objects.create_user(name, f"{name}@example.org", "pw")


def managed(user, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user)
    return member


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


# The service


@pytest.mark.django_db
def test_dismissals_need_a_manager_and_are_idempotent():
    """Only managers of the project (through its owner) or of the member may
    dismiss; dismissing twice keeps one row; the selectors return the pairs."""
    alice, mallory = make_user("alice"), make_user("mallory")
    mine = managed(alice)
    project = ProjectFactory(owner=mine)
    other, place = MemberFactory(), ProjectFactory()
    for kwargs in (
        {"project": project, "suggested_member": other},
        {"member": mine, "suggested_member": other},
        {"member": mine, "suggested_project": place},
    ):
        with pytest.raises(PermissionDenied):
            dismissal_create(user=mallory, **kwargs)
        first = dismissal_create(user=alice, **kwargs)
        assert dismissal_create(user=alice, **kwargs) == first
    assert Dismissal.objects.count() == 3
    assert dismissed_members_for_project(project=project) == {other.pk}
    assert dismissed_for_member(member=mine) == ({other.pk}, {place.pk})


@pytest.mark.django_db
def test_dismissal_pairs_are_well_formed():
    """A dismissal has one side and one suggestion; the database agrees."""
    alice = make_user("alice")
    mine = managed(alice)
    project = ProjectFactory(owner=mine)
    with pytest.raises(ValidationError):
        dismissal_create(user=alice, project=project, suggested_project=project)
    with pytest.raises(ValidationError):
        dismissal_create(user=alice, member=mine)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dismissal.objects.create(member=mine, project=project, suggested_member=mine)
    Dismissal.objects.create(member=mine, suggested_member=mine)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dismissal.objects.create(member=mine, suggested_member=mine)


# The dashboard


@pytest.mark.django_db(transaction=True)
def test_dashboard_suggests_projects_and_people_and_honours_dismissals(
    client, search_index
):
    """Both lists appear with reasons; a dismissed experiment or person
    disappears for good; current partners and own experiments never show."""
    alice = make_user("alice")
    me = managed(alice, name="Paniers Bio", description="")
    Seek.objects.create(member=me, text="évaluation d'impact social")
    Offer.objects.create(member=me, text="livraison à vélo")
    evaluator = MemberFactory(name="Impact Lab", description="")
    Offer.objects.create(member=evaluator, text="évaluation d'impact social")
    courier = MemberFactory(name="Vélo Express", description="")
    Offer.objects.create(member=courier, text="évaluation d'impact social des vélos")
    partner = MemberFactory(name="Déjà partenaire", description="")
    Offer.objects.create(member=partner, text="évaluation d'impact social")
    mine = ProjectFactory(title="Mes paniers à vélo", status=ProjectStatus.PUBLISHED)
    ProjectPartnerFactory(project=mine, member=me)
    ProjectPartnerFactory(project=mine, member=partner)
    wanted = ProjectFactory(title="Livraisons solidaires", status="published")
    wanted.needs.create(text="livraison à vélo")
    wanted.save()
    index_refresh()
    client.force_login(alice)

    page = soup(client.get(reverse("dashboard:home")))
    projects = page.select("#projects-to-join li.suggestion")
    people = page.select("#people-to-meet li.suggestion")
    assert projects[0].select_one("a").text == "Livraisons solidaires"
    assert "Mes paniers à vélo" not in [p.select_one("a").text for p in projects]
    names = [p.select_one("a").text for p in people]
    assert {"Impact Lab", "Vélo Express"} <= set(names)
    assert "Déjà partenaire" not in names and "Paniers Bio" not in names
    for item in projects + people:
        assert item.select("ul.reasons li")

    client.post(reverse("dashboard:dismiss_project", args=[me.pk, wanted.pk]))
    client.post(reverse("dashboard:dismiss_member", args=[me.pk, evaluator.pk]))
    page = soup(client.get(reverse("dashboard:home")))
    titles = [a.text for a in page.select("#projects-to-join li.suggestion > a")]
    names = [a.text for a in page.select("#people-to-meet li.suggestion > a")]
    assert "Livraisons solidaires" not in titles
    assert "Impact Lab" not in names and "Vélo Express" in names


@pytest.mark.django_db
def test_dashboard_dismiss_is_for_managers_only(client):
    """Dismissing for a profile the user does not manage answers 404."""
    alice, mallory = make_user("alice"), make_user("mallory")
    mine = managed(alice)
    managed(mallory)
    other, project = MemberFactory(), ProjectFactory()
    client.force_login(mallory)
    assert (
        client.post(
            reverse("dashboard:dismiss_member", args=[mine.pk, other.pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("dashboard:dismiss_project", args=[mine.pk, project.pk])
        ).status_code
        == 404
    )
    assert not Dismissal.objects.exists()


@pytest.mark.django_db
def test_dashboard_survives_a_search_outage(client):
    """Without Elasticsearch both sections say suggestions are unavailable."""
    alice = make_user("alice")
    managed(alice)
    client.force_login(alice)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    page = soup(response)
    assert page.select("#projects-to-join .suggestions-unavailable")
    assert page.select("#people-to-meet .suggestions-unavailable")


@pytest.mark.django_db
def test_accepted_contact_can_be_marked_as_collaboration_from_dashboard(client):
    """An accepted contact shows a button that records the collaboration."""
    alice = make_user("alice")
    me = managed(alice)
    request = ContactRequest.objects.create(
        sender=me,
        receiver=MemberFactory(),
        message="On se parle ?",
        status=ContactStatus.ACCEPTED,
    )
    client.force_login(alice)
    page = soup(client.get(reverse("dashboard:home")))
    action = reverse("contacts:collaboration", args=[request.pk])
    assert page.select(f'form[action="{action}"]')
    client.post(action)
    request.refresh_from_db()
    assert request.led_to_collaboration
    page = soup(client.get(reverse("dashboard:home")))
    assert not page.select(f'form[action="{action}"]')


@pytest.mark.django_db(transaction=True)
def test_contact_from_a_suggestion_is_counted_for_editors(client, search_index):
    """The dashboard's "Get in touch" on a suggested person carries its origin
    through the form; the editors' trend counts it, and neither a request
    found directly nor a forged origin is counted."""
    from hub.network_health import network_trends

    alice = make_user("alice")
    me = managed(alice, name="Paniers Bio", description="")
    Seek.objects.create(member=me, text="évaluation d'impact social")
    evaluator = MemberFactory(name="Impact Lab", description="")
    Offer.objects.create(member=evaluator, text="évaluation d'impact social")
    direct = MemberFactory(name="Trouvé Seul", description="")
    index_refresh()
    client.force_login(alice)

    page = soup(client.get(reverse("dashboard:home")))
    link = next(
        a["href"]
        for a in page.select("#people-to-meet li.suggestion a")
        if reverse("contacts:new", args=[evaluator.slug]) in a["href"]
    )
    form = soup(client.get(link)).select_one("form.form")
    assert form.select_one("input[name=origin]")["value"] == "member_suggestion"
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")} | {
        "message": form.select_one("textarea").text
    }
    client.post(form["action"], fields)
    suggested = ContactRequest.objects.get(receiver=evaluator)
    assert suggested.origin == "member_suggestion"

    message = "Bonjour, nous aimerions vous rencontrer pour parler de vélos."
    client.post(
        reverse("contacts:new", args=[direct.slug]),
        {"sender": me.pk, "message": message, "origin": "bogus"},
    )
    assert ContactRequest.objects.get(receiver=direct).origin == "direct"

    this_month = network_trends()[-1]
    assert (this_month["contacts"], this_month["suggested"]) == (2, 1)
