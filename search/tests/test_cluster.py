"""A real three-node loopback cluster: replicas, failover between nodes.

The cluster is this module's own (started once, stopped at the end), because
the tests stop its nodes; the session's single node keeps serving the others.
"""

import json
import urllib.request
import uuid

from django.core.management import call_command
from django.urls import reverse

import pytest

from members.models import Member
from search.client import get_client, index_alias
from search.indices import index_settings, indices_behind
from search.node import LocalCluster
from search.selectors import documents_search
from search.tests.test_faults import assert_index_equals_database, seed_network

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def cluster():
    cluster = LocalCluster(f"cl-{uuid.uuid4().hex[:6]}", nodes=3)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def on_cluster(cluster, settings):
    """The app on every node of the cluster (a comma-separated URL list), in a
    private prefix, without embeddings."""
    cluster.start()
    settings.ELASTICSEARCH_URL = ",".join(cluster.urls)
    settings.HUB_INDEX_PREFIX = f"cl-{uuid.uuid4().hex[:8]}"
    settings.HUB_EMBEDDINGS = False
    settings.HUB_SEARCH_TIMEOUT = 5.0
    return cluster


def _settings_of(document: str) -> dict:
    client = get_client()
    [name] = indices_behind(document=document)
    return client.indices.get_settings(index=name)[name]["settings"]["index"]


def test_status_lists_the_three_nodes_of_one_green_cluster(cluster, capsys):
    """`elasticsearch status --name N --json` reports each node and the
    comma-separated URL list that ELASTICSEARCH_URL takes."""
    call_command("elasticsearch", "status", "--name", cluster.name, "--json")
    status = json.loads(capsys.readouterr().out)
    assert [n["running"] for n in status["nodes"]] == [True, True, True]
    assert status["health"]["number_of_nodes"] == 3
    assert status["health"]["status"] == "green"
    assert status["url"] == ",".join(cluster.urls)
    with urllib.request.urlopen(f"{cluster.urls[0]}/_nodes/settings") as response:
        nodes = json.loads(response.read())["nodes"].values()
    # Every node shares one snapshot directory (manage.py hub_backup).
    assert len({tuple(n["settings"]["path"]["repo"]) for n in nodes}) == 1


def test_replicas_follow_the_cluster_size(on_cluster, settings):
    """On three nodes each index has one replica; HUB_INDEX_REPLICAS fixes the
    number instead."""
    seed_network(members=10, projects=3)
    index = _settings_of("member")
    assert index["number_of_replicas"] == "1"
    assert index["auto_expand_replicas"] == "0-1"
    health = get_client().cluster.health(index=index_alias("member"))
    assert health["active_shards"] == 2 and health["status"] == "green"

    settings.HUB_INDEX_REPLICAS = "2"
    assert index_settings()["number_of_replicas"] == 2
    call_command("search_rebuild")
    assert _settings_of("member")["number_of_replicas"] == "2"


def test_single_node_keeps_no_replica(search_index):
    """On the session's single node an index has no replica (a replica could
    never be placed, and the index would stay yellow)."""
    seed_network(members=3, projects=1)
    assert _settings_of("member")["number_of_replicas"] == "0"


def test_searches_go_on_while_one_node_is_down(on_cluster, client):
    """With any one node stopped, every search through the site and the API
    answers with results; the node comes back with its data and the index still
    equals the database."""
    members, _ = seed_network(members=40, projects=8)
    target = Member.objects.published().first()
    word = target.name.split()[0]
    for victim in on_cluster.nodes:
        victim.stop(keep_data=True)
        try:
            for _ in range(5):
                assert documents_search(document="member", query=word).total >= 1
                response = client.get(reverse("members:list"), {"q": word})
                assert response.status_code == 200
                assert "temporarily unavailable" not in response.text
                response = client.get(reverse("api-v1:members_search"), {"q": word})
                assert response.status_code == 200, response.content
                assert response.json()["total"] >= 1
        finally:
            victim.start()
        on_cluster.wait(status="green")
    assert_index_equals_database()
