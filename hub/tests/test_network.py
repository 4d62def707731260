"""The map of Brussels, the profile graph and the editors' network view.

A small network on the real search node: members in Ixelles, Anderlecht and
Antwerp, a published experiment shared by three of them, a draft experiment
with a partner of its own, an unconfirmed partnership, a member awaiting
review on the published experiment and a collaboration recorded through a
contact request (a private tie). Map, graph and health figures must count
the public part and show nothing of the rest.
"""

import csv
import io
import re

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from members.models import (
    ContactRequest,
    ContactStatus,
    MemberKind,
    MemberStatus,
    Visibility,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import graph_reset
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

DRAFT_TITLE = "Draft experiment okapi"
DRAFT_ONLY = "Draft-only partner okapi"
PRIVATE_NAME = "Tapir private collaborator"
PENDING_NAME = "Jerboa pending partner"
UNCONFIRMED_NAME = "Unconfirmed gecko partner"
PRIVATE_CITY = "Okapiville"
HIDDEN = (DRAFT_TITLE, DRAFT_ONLY, PRIVATE_NAME, PENDING_NAME, UNCONFIRMED_NAME)
# The draft's and the unconfirmed partners are published members with no
# published tie: the editors' view lists them among the members to introduce.
HIDDEN_FROM_EDITORS = (DRAFT_TITLE, PRIVATE_NAME, PENDING_NAME)


@pytest.fixture
def network(search_index, settings):
    settings.HUB_EMBEDDINGS = False
    graph_reset()
    alice = MemberFactory(
        name="Alice Velo",
        kind=MemberKind.ENTREPRENEUR,
        commune="ixelles",
        languages=["fr"],
    )
    bob = MemberFactory(
        name="Bob Recherche",
        kind=MemberKind.RESEARCHER,
        commune="ixelles",
        languages=["nl"],
    )
    carla = MemberFactory(
        name="Carla Commune",
        kind=MemberKind.PUBLIC_AUTHORITY,
        commune="anderlecht",
        languages=["fr", "nl"],
    )
    dirk = MemberFactory(
        name="Dirk Antwerpen",
        kind=MemberKind.FEDERATION,
        city="Antwerpen",
        country="BE",
        languages=["nl"],
    )
    lonely = MemberFactory(name="Lonely Lynx", kind=MemberKind.FEDERATION)
    # A place used for matching only: neither counted nor named on the map.
    MemberFactory(
        name="Hidden place",
        city=PRIVATE_CITY,
        country="BE",
        commune="uccle",
        visibility={"location": Visibility.MATCHING},
    )
    shared = ProjectFactory(
        title="Cargo bikes together",
        status=ProjectStatus.PUBLISHED,
        commune="ixelles",
    )
    for member in (alice, bob, carla):
        ProjectPartnerFactory(project=shared, member=member)
    pending = MemberFactory(name=PENDING_NAME, status=MemberStatus.PENDING)
    ProjectPartnerFactory(project=shared, member=pending)
    unconfirmed = MemberFactory(name=UNCONFIRMED_NAME, commune="ixelles")
    ProjectPartnerFactory(project=shared, member=unconfirmed, confirmed=False)
    draft = ProjectFactory(
        title=DRAFT_TITLE, status=ProjectStatus.DRAFT, commune="anderlecht"
    )
    draft_only = MemberFactory(name=DRAFT_ONLY, commune="jette")
    for member in (alice, draft_only):
        ProjectPartnerFactory(project=draft, member=member)
    tapir = MemberFactory(name=PRIVATE_NAME, kind=MemberKind.RESEARCHER)
    ContactRequest.objects.create(
        sender=alice,
        receiver=tapir,
        message="Shall we work together?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    index_refresh()
    yield {
        "alice": alice,
        "bob": bob,
        "carla": carla,
        "dirk": dirk,
        "lonely": lonely,
        "shared": shared,
        "tapir": tapir,
    }
    graph_reset()


def _tile_counts(html: str) -> dict[str, int]:
    return {
        commune: int(count)
        for commune, count in re.findall(
            r'data-commune="([a-z-]+)" data-count="(\d+)"', html
        )
    }


def _list_total(client, url) -> int:
    html = client.get(url).content.decode()
    match = re.search(r'id="results-heading"[^>]*>\s*(\d+)', html)
    assert match, html
    return int(match.group(1))


def test_member_map_counts_agree_with_the_list(client, network):
    """Each commune's tile counts what the list shows once that commune is
    chosen; the tile links to that search on the map."""
    response = client.get(reverse("members_map"))
    assert response.status_code == 200
    html = response.content.decode()
    counts = _tile_counts(html)
    assert len(counts) == 19
    assert counts["ixelles"] == 3  # Alice, Bob and the unconfirmed partner
    assert counts["anderlecht"] == 1
    assert counts["uccle"] == 0  # the only member there keeps its place private
    assert PRIVATE_CITY not in html
    for commune in ("ixelles", "anderlecht", "jette"):
        listed = _list_total(client, reverse("members:list") + f"?commune={commune}")
        assert listed == counts[commune]
    assert 'href="/en/members/map/?commune=ixelles"' in html
    # Outside Brussels, by country and city.
    assert "Antwerpen (1)" in html
    # The table says the same as the tiles.
    assert re.search(r"Ixelles / Elsene</a></th><td[^>]*>3<", html)


def test_member_map_keeps_the_filters(client, network):
    """A commune link keeps the query and the other filters, and replaces the
    commune chosen before."""
    url = reverse("members_map") + "?kind=researcher&commune=anderlecht"
    html = client.get(url).content.decode()
    counts = _tile_counts(html)
    assert counts["ixelles"] == 1  # Bob only
    assert "?kind=researcher&amp;commune=ixelles" in html
    assert 'aria-current="page" data-view-map' in html
    # The list/map switch carries the same query string.
    assert "/en/members/?kind=researcher&amp;commune=anderlecht" in html


def test_project_map_counts_published_experiments_only(client, network):
    html = client.get(reverse("projects_map")).content.decode()
    counts = _tile_counts(html)
    assert counts["ixelles"] == 1
    assert counts["anderlecht"] == 0
    assert DRAFT_TITLE not in html


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_maps_render_in_each_language(client, network, language):
    response = client.get(f"/{language}/members/map/?commune=ixelles")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/{language}/members/?commune=ixelles"' in html


def test_profile_graph_links_to_public_neighbours_only(client, network):
    """Alice's graph links to her published experiment and its confirmed,
    published partners; never to the draft, its partner, the private tie, a
    pending or an unconfirmed partner."""
    html = client.get(network["alice"].get_absolute_url()).content.decode()
    graph = html[html.index("data-member-graph") : html.index("</svg>")]
    links = re.findall(r'<a class="network-graph__node" href="([^"]+)"', graph)
    assert set(links) == {
        network["alice"].get_absolute_url(),
        network["bob"].get_absolute_url(),
        network["carla"].get_absolute_url(),
        network["shared"].get_absolute_url(),
    }
    for hidden in HIDDEN:
        assert hidden not in html


def test_profile_without_published_ties_has_no_graph(client, network):
    html = client.get(network["lonely"].get_absolute_url()).content.decode()
    assert "data-member-graph" not in html
    html = client.get(network["tapir"].get_absolute_url()).content.decode()
    assert "data-member-graph" not in html
    assert network["alice"].name not in html


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser(
        username="editor", email="editor@example.org", password="x"
    )
    client.force_login(user)
    return user


def test_network_health_view(client, network, editor):
    """Editors see the kind matrix, bridges, the members to introduce and the
    trends; private ties and unpublished records count for nothing."""
    response = client.get(reverse("network_health") + "?fresh=1")
    assert response.status_code == 200
    html = response.content.decode()
    for hidden in HIDDEN_FROM_EDITORS:
        assert hidden not in html
    assert "Lonely Lynx" in html
    assert "Dirk Antwerpen" in html  # no partner, no contact
    # Alice, Bob and Carla: the only bridge-free triangle, so no broker.
    assert "Gould and Fernandez" in html
    from hub.network_health import network_health

    health = network_health()
    kinds = [value for value, _label in health.kinds]
    e, r, p = (
        kinds.index(MemberKind.ENTREPRENEUR),
        kinds.index(MemberKind.RESEARCHER),
        kinds.index(MemberKind.PUBLIC_AUTHORITY),
    )
    assert health.matrix[e][r] == health.matrix[r][e] == 1
    assert health.matrix[e][p] == 1
    assert sum(map(sum, health.matrix)) == 6  # three pairs, both ways
    assert health.bridges == []
    assert network["tapir"].pk not in health.isolated_ids  # a contact request
    assert network["lonely"].pk in health.isolated_ids


def test_network_health_brokerage(client, network, editor):
    """A member who alone links a researcher and a federation is a bridge;
    one who links French and Dutch speakers is a language bridge."""
    solo = ProjectFactory(title="Second", status=ProjectStatus.PUBLISHED)
    for member in (network["bob"], network["dirk"]):
        ProjectPartnerFactory(project=solo, member=member)
    graph_reset()
    from hub.network_health import network_health

    health = network_health(fresh=True)
    bridges = {b.name: b.score for b in health.bridges}
    # Bob links Dirk (federation) to Alice and Carla, who have no tie to him.
    assert bridges == {"Bob Recherche": 2}
    language = {b.name: b.score for b in health.language_bridges}
    # Bob: Alice (fr) and Dirk (nl) are not tied.
    assert language == {"Bob Recherche": 1}


@pytest.mark.parametrize(
    "view", ["matrix", "bridges", "language-bridges", "isolated", "trends"]
)
def test_network_health_csv(client, network, editor, view):
    response = client.get(reverse("network_health_csv", args=[view]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0].startswith("# computed ")
    assert len(rows) >= 2
    for hidden in HIDDEN_FROM_EDITORS:
        assert hidden not in text
    if view == "isolated":
        assert ["Lonely Lynx", "Federation, NGO or network", "lonely-lynx"] in rows


def test_network_health_is_for_editors_only(client, network):
    user = get_user_model().objects.create_user(username="visitor", password="x")
    client.force_login(user)
    assert client.get(reverse("network_health")).status_code in (302, 403)
    assert client.get(reverse("network_health_csv", args=["matrix"])).status_code in (
        302,
        403,
    )
