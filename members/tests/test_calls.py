"""Calls as editorial pages (issue 19): who and what fits a call, with the
matchmaking engine's reasons; members are told once; a call leaves every list
after its deadline. Real Elasticsearch node."""

import re
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

import pytest

from hub.models import Sector
from hub.tests.factories import (
    CallIndexPageFactory,
    CallPageFactory,
    site_home_ensure,
)
from members.call_alerts import calls_alert
from members.models import (
    AccountSettings,
    ManagerRole,
    MemberKind,
    MemberManager,
    MemberStatus,
    MessageKind,
    Offer,
)
from members.notifications import digest_send, message_preference_set
from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory
from search.graph import graph_reset
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_graph():
    graph_reset()
    yield
    graph_reset()


def _account(name: str, language: str = "en"):
    user = get_user_model().objects.create_user(
        name, f"{name}@people.example.org", "pw-secret-1"
    )
    AccountSettings.objects.create(user=user, language=language)
    return user


def _home():
    return site_home_ensure()


def _world():
    housing, _ = Sector.objects.get_or_create(
        slug="housing-calls",
        defaults={"name_en": "Housing", "name_fr": "Logement", "name_nl": "Wonen"},
    )
    fitting = MemberFactory(
        name="Rénovons Ensemble",
        kind=MemberKind.ENTREPRENEUR,
        description="rénovation énergétique de logements sociaux, isolation",
    )
    fitting.sectors.add(housing)
    Offer.objects.create(member=fitting, text="isolation des logements")
    MemberFactory(
        name="Isolation Research Lab",
        kind=MemberKind.RESEARCHER,
        description="rénovation énergétique et isolation, mesures",
    )
    MemberFactory(
        name="Isolatie Geschorst",
        description="rénovation énergétique isolation",
        status=MemberStatus.SUSPENDED,
    )
    project = ProjectFactory(
        title="Isolation des greniers",
        summary="rénovation énergétique des greniers à Forest",
    )
    project.sectors.add(housing)
    index = CallIndexPageFactory(parent=_home())
    call = CallPageFactory(
        parent=index,
        title="Appel rénovation énergétique",
        intro="Un financement pour la rénovation énergétique et l'isolation.",
        keywords="rénovation énergétique, isolation",
        eligible_kinds=["entrepreneur"],
        sectors=[housing],
    )
    closed = CallPageFactory(
        parent=index,
        title="Appel clos isolation",
        intro="isolation",
        keywords="isolation",
        deadline=timezone.now() - timedelta(days=1),
    )
    index_refresh()
    return fitting, project, index, call, closed


def test_call_page_lists_fitting_members_and_experiments_until_its_deadline(
    client, search_index, settings
):
    """The open call names the entrepreneur that fits, with the engine's
    reasons, and the experiment about its keywords in its sector; not the
    researcher (kind not eligible) nor the suspended member. The closed call
    is off the index and says it closed."""
    settings.HUB_EMBEDDINGS = False
    fitting, project, index, call, closed = _world()
    page = client.get(call.url).content.decode()
    assert "Rénovons Ensemble" in page
    assert "Isolation des greniers" in page
    assert "Isolation Research Lab" not in page
    assert "Isolatie Geschorst" not in page
    fits_part = page.split('id="fitting-members"', 1)[1]
    assert "Housing" in fits_part or "housing" in fits_part  # a reason
    listing = client.get(index.url).content.decode()
    assert "Appel rénovation énergétique" in listing
    assert "Appel clos isolation" not in listing
    closed_page = client.get(closed.url).content.decode()
    assert "This call closed on" in closed_page
    assert 'id="fitting-members"' not in closed_page


def test_managers_hear_of_a_fitting_call_once_in_their_language(search_index, settings):
    """One message per call and manager, in French; a second run sends
    nothing; the closed call is never announced; someone who turned call
    alerts off finds the call in the digest instead, once."""
    settings.HUB_EMBEDDINGS = False
    fitting, project, index, call, closed = _world()
    manager = _account("sam", "fr")
    MemberManager.objects.create(member=fitting, user=manager, role=ManagerRole.OWNER)
    other = _account("tia", "nl")
    MemberManager.objects.create(member=fitting, user=other, role=ManagerRole.OWNER)
    message_preference_set(user=other, kind=MessageKind.CALL, email=False, site=False)

    assert calls_alert() == 1
    (message,) = mail.outbox
    assert message.to == ["sam@people.example.org"]
    assert message.extra_headers["X-Hub-Message-Kind"] == "call"
    assert "Appel rénovation énergétique" in message.subject
    assert "/fr/" in message.body and 'lang="fr"' in message.alternatives[0][0]
    assert "Appel clos" not in message.body
    assert calls_alert() == 0

    today = timezone.localdate()
    assert digest_send(user=other, day=today) is True
    digest = mail.outbox[-1]
    assert digest.to == ["tia@people.example.org"]
    assert "Appel rénovation énergétique" in digest.body
    assert "Appel clos" not in digest.body
    # Sam heard of it already: his digest does not repeat it.
    mail.outbox.clear()
    digest_send(user=manager, day=today)
    assert all("Appel rénovation" not in m.body for m in mail.outbox)
    # The next week Tia's digest does not repeat it either.
    mail.outbox.clear()
    digest_send(user=other, day=today + timedelta(days=7))
    assert all("Appel rénovation" not in m.body for m in mail.outbox)


def test_digest_names_new_members_in_ones_sectors_or_commune(search_index, settings):
    """Members created in the week before the digest, sharing a sector or the
    commune (shown publicly), are named with the reason, once even when the
    engine suggests them too; one keeping its place private, matching only
    on the commune, is not listed as a neighbour, nor an older member."""
    settings.HUB_EMBEDDINGS = False
    housing, _ = Sector.objects.get_or_create(
        slug="housing-news",
        defaults={"name_en": "Housing", "name_fr": "Logement", "name_nl": "Wonen"},
    )
    user = _account("uma")
    # Nothing in common in their texts: the engine does not suggest them, so
    # only the newcomers' list can name them.
    mine = MemberFactory(
        name="Uma Habitat", commune="forest", description="habitat groupé"
    )
    mine.sectors.add(housing)
    MemberManager.objects.create(member=mine, user=user, role=ManagerRole.OWNER)
    monday = date(2026, 3, 9)
    last_week = timezone.make_aware(datetime(2026, 3, 5, 12))
    same_sector = MemberFactory(
        name="Nouveau Logement", description="chorale", created_at=last_week
    )
    same_sector.sectors.add(housing)
    MemberFactory(
        name="Voisin Forest",
        commune="forest",
        description="boulangerie",
        created_at=last_week,
    )
    MemberFactory(
        name="Voisin Discret",
        commune="forest",
        description="atelier vélo",
        visibility={"location": "matching"},
        created_at=last_week,
    )
    MemberFactory(
        name="Ancien Logement",
        description="potager",
        created_at=last_week - timedelta(days=30),
    ).sectors.add(housing)
    index_refresh()
    assert digest_send(user=user, day=monday) is True
    body = mail.outbox[0].body
    newcomers = body.split("New members in your sectors or your commune:", 1)[1]
    newcomers = newcomers.split("\n\n", 1)[0]
    assert "Voisin Forest" in newcomers
    assert "Also in Forest" in newcomers.split("Voisin Forest", 1)[1]
    assert "Voisin Discret" not in newcomers
    assert "Ancien Logement" not in newcomers
    # The newcomer in the same sector is named once: the engine already
    # suggests it, with the same reason.
    assert body.count("Nouveau Logement —") == 1
    assert "Works on housing too" in body.split("Nouveau Logement —", 1)[1]


def test_editors_edit_calls_and_news_subjects_in_the_admin(client):
    """The call's editing form offers the member kinds and languages as
    check boxes; a news item's form has the members and experiments it is
    about."""
    from django.urls import reverse

    from hub.tests.factories import NewsIndexPageFactory, NewsPageFactory

    editor = get_user_model().objects.create_superuser(
        "ed", "ed@people.example.org", "pw-secret-1"
    )
    client.force_login(editor)
    index = CallIndexPageFactory(parent=_home())
    call = CallPageFactory(parent=index, eligible_kinds=["researcher"])
    form = client.get(reverse("wagtailadmin_pages:edit", args=[call.pk]))
    assert form.status_code == 200
    html = form.content.decode()
    tags = re.findall(r'<input[^>]*name="eligible_kinds"[^>]*>', html)
    assert len(tags) == 4
    assert [("checked" in t) for t in tags if 'value="researcher"' in t] == [True]
    assert sum("checked" in t for t in tags) == 1
    assert 'name="languages" value="nl"' in html
    news = NewsPageFactory(parent=NewsIndexPageFactory(parent=_home()))
    form = client.get(reverse("wagtailadmin_pages:edit", args=[news.pk]))
    assert form.status_code == 200 and "subjects-FORMS" in form.content.decode()
