"""Fault injection against the real Elasticsearch node and database.

The node of these tests is their own (a dedicated `LocalNode`), because they
stop it: the session's shared node keeps serving the other tests.
"""

import json
import random
import uuid

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse

import pytest
from elasticsearch.helpers import scan
from elasticsearch.serializer import JSONSerializer

from members.models import Member, MemberStatus, Offer
from members.tests.factories import MemberFactory
from projects.models import PartnerRole, Project, ProjectPartner
from projects.tests.factories import ProjectFactory
from search import services as search_services
from search.client import get_client, index_alias
from search.documents import DOCUMENTS, documents_prepare
from search.indices import indices_behind
from search.models import OutboxEntry
from search.node import LocalNode
from search.services import index_rebuild, index_refresh, outbox_drain

pytestmark = pytest.mark.django_db(transaction=True)

EDITS = 500
OUTAGE_AT = 150
UNAVAILABLE = "Search is temporarily unavailable"


@pytest.fixture(scope="module")
def fault_node():
    """A node of this module's own, which the tests may stop and start again."""
    node = LocalNode(f"faults-{uuid.uuid4().hex[:6]}")
    node.start()
    yield node
    node.stop()


@pytest.fixture
def on_fault_node(fault_node, settings):
    """Point the app at the module's node, in a private prefix, without
    embeddings (they are not what these tests exercise)."""
    state = fault_node.start()
    settings.ELASTICSEARCH_URL = state.url
    settings.HUB_INDEX_PREFIX = f"faults-{uuid.uuid4().hex[:8]}"
    settings.HUB_EMBEDDINGS = False
    settings.HUB_SEARCH_TIMEOUT = 5.0
    return fault_node


def _normalised(source: dict) -> dict:
    """A source as Elasticsearch stores it (dates as ISO strings, and so on)."""
    return json.loads(JSONSerializer().dumps(source))


def index_contents(document: str) -> dict[int, dict]:
    index_refresh()
    return {
        int(hit["_id"]): hit["_source"]
        for hit in scan(
            get_client(),
            index=index_alias(document),
            size=500,
            ignore_unavailable=True,
        )
    }


def database_contents(document: str) -> dict[int, dict]:
    doc_class = DOCUMENTS[document]
    objects = list(doc_class.indexable().order_by("pk"))
    return {
        obj.pk: _normalised(source)
        for obj, source in zip(
            objects, documents_prepare(doc_class, objects), strict=True
        )
    }


def assert_index_equals_database():
    for document in DOCUMENTS:
        indexed, expected = index_contents(document), database_contents(document)
        assert set(indexed) == set(expected), document
        for pk, source in expected.items():
            assert indexed[pk] == source, f"{document} {pk} differs"


def seed_network(*, members: int, projects: int) -> tuple[list, list]:
    """Members and projects written without draining, then indexed in bulk."""
    people = MemberFactory.create_batch(members)
    experiments = ProjectFactory.create_batch(projects)
    ProjectPartner.objects.bulk_create(
        ProjectPartner(
            project=project,
            member=people[(i * 3 + k) % members],
            role=PartnerRole.COORDINATOR if k == 0 else PartnerRole.PARTNER,
        )
        for i, project in enumerate(experiments)
        for k in range(2)
    )
    for document in DOCUMENTS:
        index_rebuild(document=document)
    OutboxEntry.objects.all().delete()
    return people, experiments


def test_outage_during_500_edits_then_sync_restores_the_index(
    on_fault_node, settings, client
):
    """The node stops after 150 of 500 edits and deletes: every save still
    succeeds, pages render, search says it is unavailable, the API answers 503
    and the outbox grows; after a restart `search_sync` makes every document
    of the index equal to the database's."""
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    members, projects = seed_network(members=120, projects=40)
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = True
    rng = random.Random(8)
    outbox_sizes = []

    for step in range(EDITS):
        if step == OUTAGE_AT:
            on_fault_node.stop(keep_data=True)
            assert OutboxEntry.objects.count() == 0
        roll = rng.random()
        if roll < 0.40:
            member = rng.choice(members)
            member.description = f"Description {step} après modification"
            member.save()
        elif roll < 0.60:
            project = rng.choice(projects)
            project.summary = f"Résumé {step}"
            project.save()
        elif roll < 0.70:
            Offer.objects.create(member=rng.choice(members), text=f"Offre {step}")
        elif roll < 0.80 and len(members) > 20:
            members.pop(rng.randrange(len(members))).delete()
        elif roll < 0.87 and len(projects) > 5:
            projects.pop(rng.randrange(len(projects))).delete()
        elif roll < 0.94:
            member = rng.choice(members)
            member.status = rng.choice([MemberStatus.SUSPENDED, MemberStatus.PUBLISHED])
            member.save()
        else:
            member = MemberFactory(description=f"Créé à l'étape {step}")
            members.append(member)
        if step >= OUTAGE_AT:
            outbox_sizes.append(OutboxEntry.objects.count())

    # Every save reached the database.
    for member in members:
        assert Member.objects.filter(pk=member.pk).exists()
    assert Member.objects.count() == len(members)
    assert Project.objects.count() == len(projects)
    # The outbox only grew while the node was down.
    assert outbox_sizes[0] > 0
    assert outbox_sizes == sorted(outbox_sizes) and outbox_sizes[-1] > outbox_sizes[0]

    # Pages render; search pages and the API say search is unavailable.
    published = Member.objects.published().first()
    assert (
        client.get(reverse("members:detail", args=[published.slug])).status_code == 200
    )
    project = Project.objects.published().first()
    assert (
        client.get(reverse("projects:detail", args=[project.slug])).status_code == 200
    )
    for name in ("members:list", "projects:list"):
        response = client.get(reverse(name), {"q": "logement"})
        assert response.status_code == 200
        assert UNAVAILABLE in response.text
    response = client.get(reverse("search"), {"q": "logement"})
    assert response.status_code == 200
    assert "temporarily unavailable" in response.text
    for name in ("api-v1:members_search", "api-v1:projects_search"):
        response = client.get(reverse(name), {"q": "logement"})
        assert response.status_code == 503
        assert "unavailable" in response.json()["detail"]
    response = client.get(reverse("api-v1:member_detail", args=[published.slug]))
    assert response.status_code == 200

    on_fault_node.start()
    call_command("search_sync", "--all")
    assert OutboxEntry.objects.count() == 0
    assert_index_equals_database()


def test_restart_during_rebuild_keeps_the_old_alias_serving(on_fault_node, settings):
    """The node stops while `search_rebuild` fills the new index: the command
    fails, and once the node is back the alias still points at the old, complete
    index; running the rebuild again completes and leaves no stray index."""
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    members, _ = seed_network(members=60, projects=10)
    [old_index] = indices_behind(document="member")
    before = index_contents("member")
    Member.objects.update(description="Réécrit sans passer par l'index")

    real_prepare = search_services.documents_prepare
    stopped = []

    def prepare_then_crash(doc_class, objects):
        if not stopped:
            on_fault_node.stop(keep_data=True)
            stopped.append(True)
        return real_prepare(doc_class, objects)

    search_services.documents_prepare = prepare_then_crash
    try:
        with pytest.raises(CommandError, match="Rebuild of members failed"):
            call_command("search_rebuild")
    finally:
        search_services.documents_prepare = real_prepare
    assert stopped

    on_fault_node.start()
    assert indices_behind(document="member") == [old_index]
    assert index_contents("member") == before
    client = get_client()
    hits = client.search(index=index_alias("member"), query={"match_all": {}})
    assert hits["hits"]["total"]["value"] == len(members)

    call_command("search_rebuild")
    call_command("search_sync", "--all")
    [new_index] = indices_behind(document="member")
    assert new_index != old_index
    leftovers = client.indices.get(index=f"{index_alias('member')}-*")
    assert list(leftovers) == [new_index]
    assert_index_equals_database()


def test_rolled_back_transaction_leaves_no_outbox_row_and_no_index_change(
    search_index, settings
):
    """An edit, a new offer and a new member inside a transaction that rolls
    back leave neither outbox rows nor any change in the index."""
    settings.HUB_EMBEDDINGS = False
    member = MemberFactory(description="Avant")
    before = {d: index_contents(d) for d in DOCUMENTS}
    assert OutboxEntry.objects.count() == 0

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        member.description = "Jamais enregistré"
        member.save()
        Offer.objects.create(member=member, text="Offre annulée")
        MemberFactory(name="Fantôme")
        ProjectFactory(title="Projet fantôme")
        assert OutboxEntry.objects.count() > 0
        raise Abort

    assert OutboxEntry.objects.count() == 0
    call_command("search_sync", "--all")
    assert {d: index_contents(d) for d in DOCUMENTS} == before
    assert Member.objects.get(pk=member.pk).description == "Avant"
    assert not Member.objects.filter(name="Fantôme").exists()


def test_draining_the_same_outbox_twice_changes_nothing(search_index, settings):
    """Replaying already-applied outbox rows (same ids, so same versions)
    leaves every document, and its version, as it was; a stale row replayed
    after a newer one cannot bring back the older state."""
    settings.HUB_EMBEDDINGS = False
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    members = MemberFactory.create_batch(30)
    projects = ProjectFactory.create_batch(10)
    members[0].delete()
    projects[0].delete()
    rows = list(OutboxEntry.objects.values("id", "document", "object_id"))
    assert rows

    first = outbox_drain()
    assert first.failed == 0 and first.indexed == 38 and first.deleted == 2
    assert OutboxEntry.objects.count() == 0
    client = get_client()

    def snapshot():
        index_refresh()
        return {
            (document, int(hit["_id"])): (hit["_version"], hit["_source"])
            for document in DOCUMENTS
            for hit in scan(client, index=index_alias(document), version=True, size=500)
        }

    before = snapshot()
    OutboxEntry.objects.bulk_create(OutboxEntry(**row) for row in rows)
    second = outbox_drain()
    assert second.failed == 0 and not second.errors
    assert OutboxEntry.objects.count() == 0
    assert snapshot() == before
    assert outbox_drain().rows == 0

    # A newer edit, then the replay of an older row for the same member.
    stale = next(r for r in rows if r["object_id"] == members[1].pk)
    members[1].description = "Version la plus récente"
    members[1].save()
    outbox_drain()
    OutboxEntry.objects.bulk_create([OutboxEntry(**stale)])
    Member.objects.filter(pk=members[1].pk).update(description="Ancien état")
    outbox_drain()
    assert index_contents("member")[members[1].pk]["description"] == (
        "Version la plus récente"
    )
    assert OutboxEntry.objects.count() == 0
