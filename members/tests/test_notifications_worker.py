"""The weekly digest through the real scheduler entry and worker: a site of
its own (SQLite file, database task backend, the session's Elasticsearch
node), two schedulers enqueueing the same Monday's digests, one worker
running both: one e-mail, and the second task finds its key taken."""

import pytest

from hub.tests.processes import Site

CONSOLE = {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}

SEED = """
from django.contrib.auth import get_user_model
from members.models import AccountSettings, Member, MemberManager, Offer
from projects.models import Project, ProjectNeed
from search.services import index_refresh

user = get_user_model().objects.create_user(
    "noor", "noor@people.example.org", "pw-secret-1"
)
AccountSettings.objects.create(user=user, language="nl")
member = Member.objects.create(
    name="Houtatelier Noord", slug="houtatelier", kind="entrepreneur",
    status="published", description="meubelmakerij en houtbewerking",
)
MemberManager.objects.create(member=member, user=user)
Offer.objects.create(member=member, text="houtbewerking en meubelmakerij")
project = Project.objects.create(
    title="Buurtmeubels", slug="buurtmeubels", summary="meubels maken met buren",
    status="published",
)
ProjectNeed.objects.create(project=project, text="houtbewerking en meubelmakerij")
index_refresh()
result = user.pk
"""

ROWS = """
from django_tasks_db.models import DBTaskResult
from members.models import SentMessage
result = {
    "tasks": sorted(
        [r.task_path.rsplit(".", 1)[1], r.status, r.return_value]
        for r in DBTaskResult.objects.filter(task_path__endswith="weekly_digests_send")
    ),
    "keys": list(SentMessage.objects.values_list("key", "language")),
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, elasticsearch_url):
    site = Site(tmp_path_factory.mktemp("site"), elasticsearch_url)
    site.manage("migrate", "--noinput", "-v0")
    return site


def test_two_schedulers_and_one_worker_send_the_digest_once(
    site, search_index, settings
):
    prefix = {"HUB_INDEX_PREFIX": settings.HUB_INDEX_PREFIX}
    user = site.python(SEED, **prefix)
    for _scheduler in range(2):
        site.manage("hub_scheduler", "--once", "weekly-digests", "--day", "2026-03-02")
    out = site.work(**prefix, **CONSOLE)
    assert out.count("List-Unsubscribe-Post: List-Unsubscribe=One-Click") == 1
    assert "Buurtmeubels" in out and "/nl/" in out
    rows = site.python(ROWS)
    assert rows["tasks"] == [
        ["weekly_digests_send", "SUCCESSFUL", 0],
        ["weekly_digests_send", "SUCCESSFUL", 1],
    ]
    assert rows["keys"] == [[f"digest:{user}:2026-W10", "nl"]]
