"""The leak scanner of hub/tests/test_access.py, run over e-mails and
notifications: alerts, digests, follow messages and call alerts to every
account of the seeded world hold none of the secret values and name no
suspended, pending or refused member nor their experiments."""

from django.core import mail

from wagtail.models import Collection

import pytest

from hub.tests.factories import (
    CallIndexPageFactory,
    CallPageFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
)
from hub.tests.test_access import _scan_for_secrets, _stopped_named
from hub.tests.worlds import SECRETS, world_build
from members.call_alerts import calls_alert
from members.follows import follow_updates_send
from members.models import (
    AlertFrequency,
    Follow,
    Member,
    Notification,
    SavedSearch,
    Seek,
)
from members.notifications import (
    digest_send,
    saved_search_create,
    saved_searches_alert,
)
from members.tests.test_notifications_simulation import _site_root
from projects.models import Project, ProjectNeed, ProjectPartner, Stage
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


def _news_about(index, title, **subject):
    page = NewsPageFactory(parent=index, title=title, live=False)
    page.subjects.create(**subject)
    page.save_revision().publish()


def test_follows_and_calls_leak_nothing(client, search_index, settings):
    """Every account follows every member and experiment, stopped and draft
    ones included (as if they had been followed before being stopped); then
    each gets a need, a new stage, news and stopped partners, the target a
    need it keeps for matching only, and a call fits the stopped members'
    words. No follow message, call alert, digest, notification or call page
    holds a secret or names a stopped member or their experiments."""
    from datetime import timedelta

    from django.utils import timezone

    settings.HUB_EMBEDDINGS = False
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    world = world_build()
    for document in DOCUMENTS:
        index_rebuild(document=document)
    index_refresh()
    users = list(world.users.values()) + [world.objects["co"].user]
    members, projects = list(Member.objects.all()), list(Project.objects.all())
    for user in users:
        Follow.objects.bulk_create(
            [Follow(user=user, member=m) for m in members]
            + [Follow(user=user, project=p) for p in projects]
        )
    home = _site_root()
    news = NewsIndexPageFactory(parent=home, slug="news-leaks")
    for project in projects:
        ProjectNeed.objects.create(project=project, text=f"help for {project.title}")
        project.stage = Stage.PILOT
        project.save()
        _news_about(news, f"News of {project.title}", project=project)
    for member in members:
        Seek.objects.create(member=member, text=f"a workshop for {member.name}")
        _news_about(news, f"News of {member.name}", member=member)
    Seek.objects.create(member=world.objects["target"], text=SECRETS["seeks"] + "2")
    for key in ("suspended", "pending_member", "refused"):
        ProjectPartner.objects.create(
            project=world.objects["elsewhere"], member=world.objects[key]
        )
    index_refresh()
    assert follow_updates_send() == len(users)

    calls = CallIndexPageFactory(parent=home, slug="calls-leaks")
    call = CallPageFactory(
        parent=calls,
        title="Call for housing and sustainable food",
        intro="Housing and sustainable food experiments.",
        keywords="housing, sustainable food, heat pumps",
    )
    index_refresh()
    calls_alert()
    kinds = {m.extra_headers["X-Hub-Message-Kind"] for m in mail.outbox}
    assert {"follow", "call"} <= kinds
    today = timezone.localdate()
    for user in users:
        digest_send(user=user, day=today + timedelta(days=7))

    texts = [t for m in mail.outbox for t in (m.subject, m.body, m.alternatives[0][0])]
    texts += list(Notification.objects.values_list("text", flat=True))
    page = client.get(call.url)
    assert page.status_code == 200
    texts.append(page.content.decode())
    assert any("Other Asso" in text for text in texts)
    for text in texts:
        assert _scan_for_secrets(text) == []
        assert _stopped_named(text) == []
