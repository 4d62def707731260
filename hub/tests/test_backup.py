"""Back up, wipe, restore: the site serves the same pages and search results.

The Elasticsearch node is this module's own: the launcher gives it a
`path.repo`, so the backup takes a real snapshot (the session's shared node
may predate that setting).
"""

import re
import uuid

from django.core.management import call_command
from django.urls import reverse

import pytest

from members.models import Member
from projects.models import Project
from search.graph import graph_reset
from search.indices import indices_drop
from search.node import LocalNode
from search.tests.test_faults import assert_index_equals_database, seed_network

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db(transaction=True)]

VOLATILE = re.compile(rb'(name="csrfmiddlewaretoken" value="|nonce=")[^"]*"')
PROFILE_LINK = re.compile(rb'href="/en/members/([^/"?]+)/"')


@pytest.fixture(scope="module")
def backup_node():
    node = LocalNode(f"backup-{uuid.uuid4().hex[:6]}")
    node.start()
    yield node
    node.stop()


@pytest.fixture
def on_backup_node(backup_node, settings):
    settings.ELASTICSEARCH_URL = backup_node.start().url
    settings.HUB_INDEX_PREFIX = f"bk-{uuid.uuid4().hex[:8]}"
    settings.HUB_EMBEDDINGS = False
    return backup_node


def _site(client) -> dict:
    """What a visitor sees: some pages, and search results of the site and API."""
    # Profiles draw the collaboration graph, which a process re-reads at most
    # every few seconds: read the database's one now, before and after alike.
    graph_reset()
    seen = {}
    for member in Member.objects.published().order_by("pk")[:3]:
        url = reverse("members:detail", args=[member.slug])
        seen[url] = VOLATILE.sub(rb"\1", client.get(url).content)
    for project in Project.objects.published().order_by("pk")[:2]:
        url = reverse("projects:detail", args=[project.slug])
        seen[url] = VOLATILE.sub(rb"\1", client.get(url).content)
    names = Member.objects.published().order_by("pk").values_list("name", flat=True)
    for word in {name.split()[0] for name in names[:2]} | {"test"}:
        response = client.get(reverse("api-v1:members_search"), {"q": word})
        assert response.status_code == 200
        # The same results; re-indexed documents may swap places with others
        # of exactly the same score.
        body = response.json()
        seen[f"api {word}"] = (body["total"], {h["slug"] for h in body["results"]})
        response = client.get(reverse("members:list"), {"q": word})
        assert response.status_code == 200
        assert b"temporarily unavailable" not in response.content
        seen[f"page {word}"] = set(PROFILE_LINK.findall(response.content))
        assert seen[f"page {word}"] and seen[f"api {word}"][0]
    return seen


@pytest.mark.parametrize("rebuild", [False, True], ids=["snapshot", "rebuild"])
def test_backup_wipe_restore_serves_the_same_site(
    on_backup_node, client, tmp_path, rebuild
):
    """After hub_backup, an edit made later, and wiping the database and the
    index, hub_restore brings back the pages and search results as they were
    at the backup, and the index equals the restored database."""
    seed_network(members=30, projects=8)
    before = _site(client)
    out = tmp_path / "backup"
    call_command("hub_backup", "--out", str(out))
    manifest = (out / "manifest.json").read_text()
    assert '"method": "snapshot"' in manifest
    assert (out / "database.sqlite3").exists() or (out / "database.dump").exists()

    # Changed after the backup: the restore must take it back, index included.
    changed = Member.objects.published().first()
    changed.description = "Written after the backup"
    changed.save()
    # The wipe.
    Member.objects.all().delete()
    Project.objects.all().delete()
    indices_drop()
    assert client.get(next(iter(before))).status_code == 404

    args = ["hub_restore", str(out), "--yes"] + (["--rebuild"] if rebuild else [])
    call_command(*args)
    assert Member.objects.get(pk=changed.pk).description != "Written after the backup"
    assert _site(client) == before
    assert_index_equals_database()


def test_restore_refuses_a_directory_without_manifest(tmp_path):
    """A directory that is not a backup is refused before anything is touched."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="manifest.json"):
        call_command("hub_restore", str(tmp_path), "--yes")
