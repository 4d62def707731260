"""The "Suggested partners" panel and "Similar experiments" on project pages."""

from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from members.models import Dismissal, MemberKind, MemberManager
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import graph_reset
from search.services import index_refresh

PUBLISHED = ProjectStatus.PUBLISHED


@pytest.fixture(autouse=True)
def fresh_graph():
    graph_reset()
    yield
    graph_reset()


def make_user(name):
    return get_user_model().objects.create_user(name, f"{name}@example.org", "pw")


def world():
    """A published project managed by `manager`, and three candidates."""
    manager, outsider = make_user("manager"), make_user("outsider")
    owner = MemberFactory(name="Cargo Asso", description="vélo cargo")
    MemberManager.objects.create(member=owner, user=manager)
    MemberManager.objects.create(member=MemberFactory(), user=outsider)
    project = ProjectFactory(
        title="Vélo cargo", summary="Livraisons en vélo cargo", owner=owner
    )
    ProjectPartnerFactory(project=project, member=owner)
    candidates = [
        MemberFactory(
            name=f"Cycliste {n}",
            kind=MemberKind.FEDERATION if n else MemberKind.RESEARCHER,
            description="Livraisons en vélo cargo dans le quartier.",
        )
        for n in range(3)
    ]
    return manager, outsider, owner, project, candidates


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.django_db(transaction=True)
def test_panel_lists_suggestions_for_managers_only(client, search_index):
    """Managers see suggestions with reasons, a Contact link prefilled about the
    experiment, and a Dismiss button; anonymous visitors and other members get
    the page without the panel; everybody sees similar experiments."""
    manager, outsider, owner, project, candidates = world()
    index_refresh()
    client.force_login(manager)
    page = soup(client.get(project.get_absolute_url()))
    items = page.select("#suggested-partners li.suggestion")
    names = [item.select_one("a").text for item in items]
    assert {c.name for c in candidates} <= set(names)
    assert owner.name not in names
    for item in items:
        assert item.select("ul.reasons li")
        contact = next(a for a in item.select("a") if "Contact" in a.text)
        query = parse_qs(urlsplit(contact["href"]).query)
        assert project.title in query["message"][0]
        assert query["project"] == [project.slug]
        assert item.select_one("form[method=post] button").text.startswith("Dismiss")
    assert page.select("#similar-projects")
    assert page.select("select[name=kind]")

    for user in (None, outsider):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(project.get_absolute_url())
        assert response.status_code == 200
        assert not soup(response).select("#suggested-partners")
        assert soup(response).select("#similar-projects")


@pytest.mark.django_db(transaction=True)
def test_kind_filter_and_dismissal(client, search_index):
    """The kind filter narrows the list (htmx partial too); a dismissed member
    never comes back; the contact form opens prefilled."""
    manager, outsider, owner, project, candidates = world()
    index_refresh()
    client.force_login(manager)
    url = reverse("projects:suggested_partners", args=[project.slug])
    partial = soup(client.get(url, {"kind": MemberKind.RESEARCHER}))
    assert [a.text for a in partial.select("li.suggestion h3 a")] == [
        candidates[0].name
    ]

    dismiss = reverse(
        "projects:suggestion_dismiss", args=[project.slug, candidates[1].pk]
    )
    response = client.post(dismiss)
    assert response.status_code == 302
    assert Dismissal.objects.filter(
        project=project, suggested_member=candidates[1], user=manager
    ).exists()
    page = soup(client.get(project.get_absolute_url()))
    names = [a.text for a in page.select("#suggested-partners li.suggestion h3 a")]
    assert candidates[1].name not in names and candidates[2].name in names

    contact = next(
        a["href"]
        for a in page.select("#suggested-partners li.suggestion a")
        if "Contact" in a.text
    )
    form = soup(client.get(contact))
    assert project.title in form.select_one("textarea[name=message]").text


@pytest.mark.django_db
def test_outsiders_cannot_dismiss_or_read_the_panel(client):
    """A non-manager's POST is refused (404) and stores nothing; the partial is
    hidden too."""
    manager, outsider, owner, project, candidates = world()
    client.force_login(outsider)
    dismiss = reverse(
        "projects:suggestion_dismiss", args=[project.slug, candidates[0].pk]
    )
    assert client.post(dismiss).status_code == 404
    url = reverse("projects:suggested_partners", args=[project.slug])
    assert client.get(url).status_code == 404
    assert not Dismissal.objects.exists()


@pytest.mark.django_db
def test_search_outage_shows_a_note_not_an_error(client):
    """Without Elasticsearch the page still renders, with a friendly note in
    the panel and in the similar experiments."""
    manager, outsider, owner, project, candidates = world()
    client.force_login(manager)
    response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    page = soup(response)
    assert page.select("#suggested-partners .suggestions-unavailable")
    assert page.select("#similar-projects .suggestions-unavailable")


@pytest.mark.django_db
def test_drafts_have_no_similar_experiments(client):
    """A draft preview has the panel for its managers but no public section."""
    manager, outsider, owner, project, candidates = world()
    project.status = ProjectStatus.DRAFT
    project.save()
    client.force_login(manager)
    page = soup(client.get(project.get_absolute_url()))
    assert page.select("#suggested-partners")
    assert not page.select("#similar-projects")
