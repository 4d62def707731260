"""Background work: the tasks, the scheduler's entries and the real worker.

The first tests run the tasks with the immediate backend of the test
settings. The last ones run a site of their own (a SQLite file, the DB task
backend of the development settings, the session's Elasticsearch node): the
scheduler's entries enqueue, `manage.py db_worker --batch` runs the tasks in
another process, a failed drain is retried by the next one, a second run
changes nothing, and an offer whose end date passed leaves search results and
match reasons with nobody saving anything.
"""

from datetime import timedelta

from django.utils import timezone

import pytest
from django_tasks_db.models import DBTaskResult

from hub import tasks as hub_tasks
from hub.scheduler import entries, scheduler_build
from hub.tests.processes import Site
from members.models import Offer, Seek
from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory
from search import services
from search.client import index_alias
from search.models import EmbeddingCache, OutboxEntry
from search.tasks import expired_items_reindex, members_with_expired_items

# -- the schedule ---------------------------------------------------------------


def test_the_schedule_only_enqueues_the_periodic_tasks():
    """Each entry is an APScheduler job whose trigger says when; the outbox is
    drained every minute and expired lines are re-indexed just after midnight."""
    scheduler = scheduler_build()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {entry.id for entry in entries()}
    assert jobs["outbox-drain"].trigger.interval == timedelta(minutes=1)
    daily = str(jobs["expired-items-reindex"].trigger)
    assert "hour='0'" in daily and "minute='5'" in daily
    for entry in entries():
        assert hasattr(entry.task, "enqueue")


@pytest.mark.django_db
def test_a_row_that_failed_often_is_due_before_the_next_minute_drain():
    """However often a row failed, a failed drain defers it by less than the
    minute between drains: once the node is back, nothing waits over a minute."""
    OutboxEntry.objects.all().delete()
    row = OutboxEntry.objects.create(document="member", object_id=1, attempts=30)
    before = timezone.now()
    report = services.outbox_drain(include_deferred=True)  # the node is down
    assert report.failed == 1
    row.refresh_from_db()
    assert row.attempts == 31
    assert row.next_attempt_at - before < timedelta(seconds=60)


# -- the tasks (immediate backend) ----------------------------------------------


@pytest.mark.django_db
def test_members_with_expired_lines_are_those_of_the_days_before():
    """The day given to the job decides: lines whose last day was before it
    (within the catch-up window) count, lines still running do not."""
    day = timezone.localdate()
    expired, running, old, open_ended = MemberFactory.create_batch(4)
    Offer.objects.create(member=expired, text="a", expires_on=day - timedelta(1))
    Seek.objects.create(member=running, text="b", expires_on=day)
    Offer.objects.create(member=old, text="c", expires_on=day - timedelta(30))
    Offer.objects.create(member=open_ended, text="d")
    assert members_with_expired_items(day=day) == [expired.pk]
    assert members_with_expired_items(day=day + timedelta(1)) == sorted(
        [expired.pk, running.pk]
    )


@pytest.mark.django_db
def test_the_expiry_job_queues_the_members_and_drains_what_it_can(settings):
    """With the node down the job still succeeds: the rows wait in the outbox
    for the minute drain."""
    day = timezone.localdate()
    member = MemberFactory()
    Offer.objects.create(member=member, text="x", expires_on=day - timedelta(1))
    OutboxEntry.objects.all().delete()
    result = expired_items_reindex.enqueue(day=day.isoformat())
    assert result.return_value == {"members": 1, "indexed": 0, "waiting": 1}
    assert list(OutboxEntry.objects.values_list("document", "object_id")) == [
        ("member", member.pk)
    ]


@pytest.mark.django_db
def test_pruning_keeps_the_newest_outbox_row_of_each_record():
    """Older rows of a record add nothing to its newest one."""
    OutboxEntry.objects.all().delete()
    for object_id in (1, 1, 1, 2):
        OutboxEntry.objects.create(document="member", object_id=object_id)
    newest = OutboxEntry.objects.filter(object_id=1).latest("id").pk
    assert services.outbox_prune() == 2
    assert set(OutboxEntry.objects.values_list("object_id", flat=True)) == {1, 2}
    assert OutboxEntry.objects.filter(object_id=1).get().pk == newest
    assert services.outbox_prune() == 0


@pytest.mark.django_db
def test_pruning_drops_only_old_embeddings_that_no_text_uses(settings):
    """An entry for a current text stays, however old; an unused one goes
    once older than the limit; a recent one stays (a save may be using it)."""
    settings.HUB_EMBEDDINGS = True
    member = MemberFactory(description="Ateliers de réparation de vélos")
    services.documents_prepare(
        services.DOCUMENTS["member"], [member.pk]
    )  # fills the cache for the member's text
    project = ProjectFactory(summary="Vélos-cargos partagés", status="published")
    services.documents_prepare(
        services.DOCUMENTS["project"], [project.pk]
    )  # the experiment's text, and the one its ranking reads
    used = set(EmbeddingCache.objects.values_list("key", flat=True))
    assert len(used) == 3
    long_ago = timezone.now() - timedelta(days=90)
    EmbeddingCache.objects.update(created_at=long_ago)
    EmbeddingCache.objects.create(key="old-unused", vector=b"", created_at=long_ago)
    EmbeddingCache.objects.create(key="new-unused", vector=b"")
    deleted = services.embedding_cache_prune(before=timezone.now() - timedelta(1))
    assert deleted == 1
    assert set(EmbeddingCache.objects.values_list("key", flat=True)) == used | {
        "new-unused"
    }


@pytest.mark.django_db
def test_the_heartbeat_reads_the_workers_last_task(settings):
    """No task ever run: no heartbeat. A task a worker finished a minute ago:
    about 60 s. Finished results older than the limit are pruned."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert hub_tasks.worker_heartbeat_age() is None
    result = hub_tasks.task_results_prune.enqueue()
    assert hub_tasks.task_backlog()["ready"] == 1
    row = DBTaskResult.objects.get(pk=result.id)
    row.status, row.started_at = "SUCCESSFUL", timezone.now() - timedelta(seconds=60)
    row.finished_at = row.started_at
    row.save()
    assert 55 < hub_tasks.worker_heartbeat_age() < 120
    settings.HUB_TASK_RESULTS_DAYS = 0
    assert hub_tasks.task_results_prune.call() == 1


# -- the real worker --------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory, elasticsearch_url):
    site = Site(tmp_path_factory.mktemp("site"), elasticsearch_url)
    site.manage("migrate", "--noinput", "-v0")
    return site


DOWN = {"ELASTICSEARCH_URL": "http://127.0.0.1:9"}

TASK_ROWS = """
from django_tasks_db.models import DBTaskResult
result = [
    [r.task_path.rsplit(".", 1)[1], r.status, r.return_value, r.exception_class_path]
    for r in DBTaskResult.objects.order_by("enqueued_at")
]
"""


def test_the_worker_retries_a_failed_drain_and_a_second_run_changes_nothing(
    site, search_index, settings
):
    """Saved while the node is down: the worker's drain fails and keeps the
    row; the next minute's drain (the node back) indexes it; one more changes
    nothing."""
    prefix = {"HUB_INDEX_PREFIX": settings.HUB_INDEX_PREFIX}
    member = site.python(
        """
        from members.models import Member
        m = Member.objects.create(name="Repair Café Anderlecht", slug="repair-cafe",
            kind="federation", status="published")
        result = m.pk
        """,
        **DOWN,
        **prefix,
    )
    site.manage("hub_scheduler", "--once", "outbox-drain", **DOWN, **prefix)
    site.work(**DOWN, **prefix)
    rows = site.python(
        "from search.models import OutboxEntry\n"
        "result = list(OutboxEntry.objects.values_list('object_id', 'attempts'))"
    )
    assert rows == [[member, 2]]  # the after-commit try, then the worker's
    last = site.python(TASK_ROWS)[-1]
    assert last[:2] == ["outbox_drain_task", "FAILED"]
    assert last[3] == "search.tasks.OutboxDrainFailed"

    # The row's backoff (under a minute) passes; the node is back.
    site.python(
        "from search.models import OutboxEntry\n"
        "from django.utils import timezone\n"
        "result = OutboxEntry.objects.update(next_attempt_at=timezone.now())"
    )
    for _ in range(2):
        site.manage("hub_scheduler", "--once", "outbox-drain", **prefix)
        site.work(**prefix)
    runs = [row for row in site.python(TASK_ROWS) if row[0] == "outbox_drain_task"]
    assert [r[1] for r in runs] == ["FAILED", "SUCCESSFUL", "SUCCESSFUL"]
    assert runs[1][2] == {"indexed": 1, "deleted": 0, "failed": 0}
    assert runs[2][2] == {"indexed": 0, "deleted": 0, "failed": 0}
    search_index.indices.refresh(index=index_alias("member"))
    hits = search_index.search(index=index_alias("member"))
    assert [h["_id"] for h in hits["hits"]["hits"]] == [str(member)]
    age = site.python(
        "from hub.tasks import worker_heartbeat_age\nresult = worker_heartbeat_age()"
    )
    assert 0 <= age < 60


SEARCH = """
from members.models import Member
from projects.models import Project
from search.matching import DraftProject, members_for_project
from search.selectors import documents_search
from search.services import index_refresh

index_refresh()
page = documents_search(document="member", query="évaluation d'impact social")
project = Project.objects.get(slug="cantine")
matches = members_for_project(project=DraftProject.from_project(project))
result = {
    "found": [hit.source["slug"] for hit in page.hits],
    "reasons": {
        Member.objects.get(pk=m.member_id).slug: [r.code for r in m.reasons]
        for m in matches
    },
}
"""


def test_an_expired_offer_leaves_search_and_reasons_through_the_scheduler_and_worker(
    site, search_index, settings
):
    """An offer indexed while it ran reaches its end date with no save: the
    daily entry of the scheduler enqueues the re-index for the day, the worker
    runs it, and the offer is gone from results and reasons."""
    prefix = {"HUB_INDEX_PREFIX": settings.HUB_INDEX_PREFIX}
    site.python(
        """
        from datetime import timedelta
        from django.utils import timezone
        from members.models import Member, Offer
        from projects.models import Project, ProjectNeed
        owner = Member.objects.create(name="Cantine Solidaire", slug="cantine-asbl",
            kind="entrepreneur", status="published")
        project = Project.objects.create(title="Cantine de quartier", slug="cantine",
            summary="Repas solidaires", owner=owner, status="published")
        ProjectNeed.objects.create(project=project,
            text="évaluation d'impact social")
        evaluator = Member.objects.create(name="Atelier Mesure", slug="mesure",
            kind="researcher", status="published",
            description="Recherche-action en quartier")
        Offer.objects.create(member=evaluator, text="évaluation d'impact social",
            expires_on=timezone.localdate() + timedelta(days=3))
        result = evaluator.pk
        """,
        **prefix,
    )
    before = site.python(SEARCH, **prefix)
    assert "mesure" in before["found"]
    assert "offers_what_you_seek" in before["reasons"]["mesure"]

    # Time passes: the offer's last day was yesterday, and nobody saves.
    site.python(
        """
        from datetime import timedelta
        from django.utils import timezone
        from members.models import Offer
        result = Offer.objects.update(
            expires_on=timezone.localdate() - timedelta(days=1))
        """
    )
    stale = site.python(SEARCH, **prefix)
    assert "mesure" in stale["found"]  # the index still has it: the job's work

    day = site.python(
        "from django.utils import timezone\nresult = timezone.localdate().isoformat()"
    )
    out = site.manage(
        "hub_scheduler", "--once", "expired-items-reindex", "--day", day, **prefix
    )
    assert "Enqueued expired-items-reindex" in out
    site.work(**prefix)
    run = [r for r in site.python(TASK_ROWS) if r[0] == "expired_items_reindex"][-1]
    assert run[1:3] == ["SUCCESSFUL", {"members": 1, "indexed": 1, "waiting": 0}]

    after = site.python(SEARCH, **prefix)
    assert "mesure" not in after["found"]
    assert "offers_what_you_seek" not in after["reasons"].get("mesure", [])
