"""The outbox and the index, against the real Elasticsearch node."""

from django.db import transaction

import pytest

from members.models import MemberStatus
from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.client import index_alias
from search.models import OutboxEntry
from search.selectors import documents_search
from search.services import index_rebuild, index_refresh, outbox_drain

pytestmark = pytest.mark.django_db(transaction=True)


def _found(document, query):
    index_refresh()
    return {hit.id for hit in documents_search(document=document, query=query).hits}


def test_created_member_is_found_and_deleted_member_is_gone(search_index):
    """A saved member is indexed after commit; deleting it removes it."""
    member = MemberFactory(
        name="Zonnewijk Energiecoöperatie", description="zonnepanelen"
    )
    assert member.pk in _found("member", "zonnepanelen")
    assert OutboxEntry.objects.count() == 0

    member.delete()
    assert member.pk not in _found("member", "zonnepanelen")
    assert OutboxEntry.objects.count() == 0


def test_typo_tolerant_search(search_index):
    """A query with a typo still finds the member."""
    member = MemberFactory(name="Repair Café Molenbeek", description="réparation vélos")
    assert member.pk in _found("member", "molenbek")


def test_outbox_row_written_in_the_saving_transaction(search_index):
    """The row exists inside the transaction and vanishes with a rollback."""
    with transaction.atomic():
        member = MemberFactory()
        assert OutboxEntry.objects.filter(
            document="member", object_id=member.pk
        ).exists()
        transaction.set_rollback(True)
    assert OutboxEntry.objects.count() == 0
    client = search_index
    assert not client.indices.exists_alias(name=index_alias("member")) or (
        client.count(index=index_alias("member"))["count"] == 0
    )


def test_outage_keeps_rows_and_a_later_drain_catches_up(search_index, settings):
    """With Elasticsearch unreachable the save succeeds and the row waits."""
    url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    member = MemberFactory(description="agriculture urbaine")
    row = OutboxEntry.objects.get(document="member", object_id=member.pk)
    assert row.attempts == 1 and row.last_error

    settings.ELASTICSEARCH_URL = url
    report = outbox_drain(include_deferred=True)
    assert report.indexed == 1 and report.failed == 0
    assert OutboxEntry.objects.count() == 0
    assert member.pk in _found("member", "agriculture")


def test_draining_twice_changes_nothing(search_index, settings):
    """Replaying rows is idempotent, and a stale row cannot overwrite newer data."""
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    member = MemberFactory(description="ancienne description")
    stale_ids = list(OutboxEntry.objects.values_list("id", flat=True))
    member.description = "nouvelle description"
    member.save()
    outbox_drain()
    # Put the older row back and drain it again: the index keeps the new text.
    OutboxEntry.objects.create(id=stale_ids[0], document="member", object_id=member.pk)
    Member = type(member)
    Member.objects.filter(pk=member.pk).update(description="ancienne description")
    report = outbox_drain()
    assert report.failed == 0
    index_refresh()
    source = search_index.get(index=index_alias("member"), id=member.pk)["_source"]
    assert source["description"] == "nouvelle description"


def test_unpublished_member_is_removed(search_index):
    """Suspending a member takes it out of the index."""
    member = MemberFactory(description="maraîchage")
    member.status = MemberStatus.SUSPENDED
    member.save()
    assert member.pk not in _found("member", "maraîchage")


def test_project_document_follows_partner_changes(search_index):
    """Renaming a partner reindexes the projects it belongs to."""
    partnership = ProjectPartnerFactory(
        project=ProjectFactory(title="Warmtenet Kuregem")
    )
    partnership.member.name = "Buurtenergie Anderlecht"
    partnership.member.save()
    assert partnership.project.pk in _found("project", "Buurtenergie")


def test_rebuild_swaps_alias_and_keeps_documents(search_index):
    """A rebuild serves the same documents from a new concrete index."""
    members = MemberFactory.create_batch(3, description="logement collectif")
    client = search_index
    before = set(client.indices.get_alias(name=index_alias("member")))
    report = index_rebuild(document="member")
    after = set(client.indices.get_alias(name=index_alias("member")))
    assert report.indexed == 3
    assert after == {report.index} and not (before & after)
    assert {m.pk for m in members} <= _found("member", "logement")


def test_only_public_sections_reach_the_index(search_index):
    """Members-only and matching-only sections, e-mail and phone stay out."""
    member = MemberFactory(
        description="coopérative de quartier",
        skills=["secret-skill-members-only"],
        languages=["fr", "nl"],
        commune="ixelles",
        email="hidden-address@example.org",
        phone="+32 2 555 00 11",
        visibility={"skills": "members", "location": "matching"},
    )
    member.offers.create(text="visible offer")
    member.save()
    index_refresh()
    source = search_index.get(index=index_alias("member"), id=member.pk)["_source"]
    raw = str(source)
    assert "secret-skill-members-only" not in raw
    assert "ixelles" not in raw
    assert "hidden-address" not in raw and "555 00 11" not in raw
    assert source["languages"] == ["fr", "nl"]
    assert source["offers"] == ["visible offer"]


def test_admin_dashboard_shows_index_health(search_index, settings):
    """The admin panel compares documents per index with published rows."""
    from search.selectors import index_health
    from search.wagtail_hooks import IndexHealthPanel

    settings.HUB_SEARCH_DRAIN_ON_COMMIT = False
    MemberFactory.create_batch(2)
    html = IndexHealthPanel().render_html({})
    assert "Search index health" in html
    assert "changes waiting in the search outbox" in html

    health = index_health()
    assert health["outbox_length"] >= 2
    members = next(row for row in health["indices"] if row.document == "member")
    assert members.published == 2 and not members.in_step
