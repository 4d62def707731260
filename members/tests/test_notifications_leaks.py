"""The leak scanner of hub/tests/test_access.py, run over e-mails: alerts and
digests to every account of the seeded world hold none of the secret values
and name no suspended, pending or refused member nor their experiments."""

from django.core import mail

from wagtail.models import Collection

import pytest

from hub.tests.test_access import _scan_for_secrets, _stopped_named
from hub.tests.worlds import world_build
from members.models import AlertFrequency, SavedSearch
from members.notifications import (
    digest_send,
    saved_search_create,
    saved_searches_alert,
)
from search.documents import DOCUMENTS
from search.graph import graph_reset
from search.services import index_rebuild, index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = "2026-03-02"


@pytest.fixture(autouse=True)
def fresh_graph():
    graph_reset()
    yield
    graph_reset()


def test_alerts_and_digests_leak_nothing(search_index, settings):
    from datetime import date

    settings.HUB_EMBEDDINGS = False
    # An earlier transactional test may have flushed what Wagtail's
    # migrations made; the seeded document needs the root collection.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    world = world_build()
    for document in DOCUMENTS:
        index_rebuild(document=document)
    index_refresh()
    users = list(world.users.values()) + [world.objects["co"].user]
    for user in users:
        for document in ("member", "project"):
            saved_search_create(
                user=user, document=document, frequency=AlertFrequency.INSTANT
            )
    # Everything the empty searches find is news: every appearing record is
    # announced, so every record that must not appear had its chance to leak.
    SavedSearch.objects.update(known_ids=[])
    assert saved_searches_alert(frequency=AlertFrequency.INSTANT) == 2 * len(users)
    for user in users:
        digest_send(user=user, day=date.fromisoformat(MONDAY))
    kinds = [m.extra_headers["X-Hub-Message-Kind"] for m in mail.outbox]
    assert "digest" in kinds, "the seeded members are offered something"
    assert "Other Asso" in " ".join(m.body for m in mail.outbox)

    for message in mail.outbox:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            assert _scan_for_secrets(text) == [], message.to
            assert _stopped_named(text) == [], message.to
