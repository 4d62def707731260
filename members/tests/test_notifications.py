"""Saved searches with alerts, the weekly digest, preferences and one-click
unsubscribe, against the real Elasticsearch node and database."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from members.models import (
    AccountSettings,
    AlertFrequency,
    ManagerRole,
    MemberManager,
    MemberStatus,
    MessageKind,
    MessagePreference,
    Notification,
    Offer,
    SavedSearch,
    SentMessage,
)
from members.notifications import (
    MAX_SAVED_SEARCHES,
    digest_send,
    digests_send,
    message_preference_set,
    saved_search_alert,
    saved_search_create,
    saved_searches_alert,
    unsubscribe_token,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectStatus
from projects.tests.factories import ProjectFactory
from search.graph import graph_reset
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = date(2026, 3, 2)


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


def _manage(user, member):
    MemberManager.objects.create(member=member, user=user, role=ManagerRole.OWNER)
    return member


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + (
        timedelta(hours=hour)
    )


def test_alert_announces_only_new_published_results_once(search_index):
    """What the search found when saved is known; a newly published member is
    announced once, in the person's language, with the RFC 8058 headers; a
    pending member never is; a retried run sends nothing."""
    user = _account("lea", "fr")
    MemberFactory(name="Compost Ancien", description="compostage de quartier")
    index_refresh()
    search = saved_search_create(
        user=user, document="member", query="compostage", frequency="instant"
    )
    assert search.known_ids and search.name == "Members: compostage"
    assert saved_searches_alert(frequency="instant") == 0

    MemberFactory(
        name="Compost Caché",
        description="compostage collectif",
        status=MemberStatus.PENDING,
    )
    MemberFactory(name="Compost Nouveau", description="compostage en ville")
    index_refresh()
    assert saved_searches_alert(frequency="instant") == 1
    (message,) = mail.outbox
    assert message.to == ["lea@people.example.org"]
    assert "Compost Nouveau" in message.body
    assert "Compost Ancien" not in message.body
    assert "Compost Caché" not in message.body
    assert 'lang="fr"' in message.alternatives[0][0]
    assert SentMessage.objects.get().language == "fr"
    assert "/fr/members/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/fr/alerts/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    html = message.alternatives[0][0]
    assert "Compost Nouveau" in html and "Compost Caché" not in html

    # Nothing new, and a retry of the same announcement (the results forgotten,
    # as if the job died after sending) finds the key taken.
    assert saved_searches_alert(frequency="instant") == 0
    SavedSearch.objects.filter(pk=search.pk).update(known_ids=search.known_ids)
    assert saved_searches_alert(frequency="instant") == 0
    assert len(mail.outbox) == 1
    assert SentMessage.objects.filter(kind=MessageKind.ALERT).count() == 1


def test_daily_and_weekly_alerts_send_at_most_once_per_period(search_index):
    user = _account("jan", "nl")
    daily = saved_search_create(user=user, document="project", query="zonnepanelen")
    weekly = saved_search_create(
        user=user, document="project", query="zonnepanelen", frequency="weekly"
    )
    ProjectFactory(title="Zon op het dak", summary="zonnepanelen op scholen")
    index_refresh()
    now = _at(MONDAY)
    assert saved_search_alert(daily, now=now) is True
    assert saved_search_alert(weekly, now=now) is True
    assert "/nl/projects/" in mail.outbox[0].body
    ProjectFactory(title="Zon in de wijk", summary="zonnepanelen voor iedereen")
    index_refresh()
    # Same day, same week: the keys are taken.
    daily.refresh_from_db()
    weekly.refresh_from_db()
    assert saved_search_alert(daily, now=now + timedelta(hours=1)) is False
    assert saved_search_alert(weekly, now=now + timedelta(days=2)) is False
    # The next day (daily) and the next week (weekly) announce it.
    assert saved_search_alert(daily, now=now + timedelta(days=1)) is True
    assert saved_search_alert(weekly, now=now + timedelta(days=7)) is True
    assert len(mail.outbox) == 4


def test_saved_searches_are_bounded_per_account(search_index):
    user = _account("max")
    for n in range(MAX_SAVED_SEARCHES):
        saved_search_create(user=user, document="member", query=f"word{n}")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        saved_search_create(user=user, document="member", query="one more")
    assert SavedSearch.objects.filter(user=user).count() == MAX_SAVED_SEARCHES


def test_alert_me_saves_the_search_shown_and_the_page_manages_it(client, search_index):
    """The search page offers "Alert me" to signed-in people only; it saves
    the query and facets; the alerts page renames, changes the frequency and
    deletes, and nobody touches another person's search."""
    MemberFactory(name="Vélo Atelier", description="réparation vélo")
    index_refresh()
    page = client.get("/en/members/?q=vélo")
    assert b"Alert me" not in page.content
    response = client.post(
        reverse("alerts:save"), {"document": "member", "search": "q=v%C3%A9lo"}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]

    user = _account("ana")
    client.force_login(user)
    page = client.get("/en/members/?q=vélo&kind=entrepreneur")
    assert b"Alert me" in page.content
    assert b'form="alert-form"' in page.content and b'id="alert-form"' in page.content
    response = client.post(
        reverse("alerts:save"),
        {"document": "member", "search": "q=v%C3%A9lo&kind=entrepreneur&page=2"},
    )
    assert response.status_code == 302
    search = SavedSearch.objects.get(user=user)
    assert (search.query, search.filters) == ("vélo", {"kind": ["entrepreneur"]})
    assert search.frequency == AlertFrequency.DAILY

    listing = client.get(reverse("alerts:list"))
    assert listing.status_code == 200 and search.name in listing.content.decode()
    client.post(
        reverse("alerts:update", args=[search.pk]),
        {"name": "Bike repair", "frequency": "weekly"},
    )
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Bike repair", "weekly")

    intruder = _account("eve")
    client.force_login(intruder)
    assert client.post(reverse("alerts:delete", args=[search.pk])).status_code == 404
    client.force_login(user)
    client.post(reverse("alerts:delete", args=[search.pk]))
    assert not SavedSearch.objects.filter(pk=search.pk).exists()


def test_unsubscribe_works_without_logging_in(client, search_index):
    """GET shows a button, POST (the one-click of RFC 8058, no session, no
    CSRF token) turns that kind off; a forged token changes nothing."""
    user = _account("tom", "nl")
    token = unsubscribe_token(user=user, kind=MessageKind.ALERT)
    url = reverse("alerts:unsubscribe", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and b"<form" in page.content
    assert not MessagePreference.objects.exists()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url).status_code == 200
    assert MessagePreference.objects.get(user=user, kind="alert").email is False
    assert MessagePreference.objects.filter(kind="digest").count() == 0
    forged = reverse("alerts:unsubscribe", kwargs={"token": token[:-2] + "xx"})
    assert strict.post(forged).status_code == 400

    # No more e-mail after the unsubscribe; the bell, a channel of its own,
    # still tells (until turned off in the preferences).
    saved_search_create(
        user=user, document="member", query="fiets", frequency="instant"
    )
    MemberFactory(name="Fietsherstel", description="fiets herstel")
    index_refresh()
    assert saved_searches_alert(frequency="instant") == 1
    assert mail.outbox == []
    assert Notification.objects.filter(user=user, kind="alert").count() == 1
    message_preference_set(user=user, kind=MessageKind.ALERT, site=False)
    MemberFactory(name="Fietsherstel Twee", description="fiets herstel")
    index_refresh()
    assert saved_searches_alert(frequency="instant") == 0
    assert mail.outbox == []
    assert Notification.objects.filter(user=user, kind="alert").count() == 1


def test_preferences_page_turns_kinds_off_and_on(client, search_index):
    user = _account("ida")
    client.force_login(user)
    client.post(reverse("alerts:preferences"), {"email": ["alert"]})
    assert MessagePreference.objects.get(user=user, kind="digest").email is False
    assert MessagePreference.objects.get(user=user, kind="alert").email is True


def test_digest_names_fitting_experiments_with_reasons_and_nothing_twice(
    search_index,
):
    """The digest cites the experiment whose need meets the member's offer,
    with the engine's reason, the offer about to expire and nothing
    unpublished; the next week, with nothing new, no e-mail."""
    user = _account("noor", "nl")
    member = _manage(
        user,
        MemberFactory(
            name="Houtatelier Noord",
            description="meubelmakerij en houtbewerking",
            languages=["nl"],
        ),
    )
    Offer.objects.create(
        member=member,
        text="houtbewerking en meubelmakerij",
        expires_on=MONDAY + timedelta(days=5),
    )
    fitting = ProjectFactory(
        title="Buurtmeubels", summary="meubels maken met buren", languages=["nl"]
    )
    ProjectNeed.objects.create(project=fitting, text="houtbewerking en meubelmakerij")
    hidden = ProjectFactory(
        title="Geheim meubelproject",
        summary="meubelmakerij en houtbewerking",
        status=ProjectStatus.DRAFT,
    )
    ProjectNeed.objects.create(project=hidden, text="houtbewerking en meubelmakerij")
    index_refresh()

    assert digests_send(day=MONDAY) == 1
    (message,) = mail.outbox
    assert "Buurtmeubels" in message.body
    assert "Geheim meubelproject" not in message.body
    assert "houtbewerking en meubelmakerij" in message.body  # reason and offer
    assert "/nl/" in message.body and 'lang="nl"' in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"]
    # The same week again, then the next week with nothing new.
    assert digest_send(user=user, day=MONDAY + timedelta(days=1)) is False
    assert digests_send(day=MONDAY + timedelta(days=7)) == 0
    assert len(mail.outbox) == 1


def test_a_batch_of_digests_words_each_in_its_readers_language(search_index):
    """The weekly run ranks a batch of accounts' members in one round trip,
    one per language: a French and a Dutch reader in the same batch each
    read the engine's reasons in their own language, the same reasons as
    their member's ranking alone."""
    from django.utils import translation

    from members.notifications import DIGEST_BATCH
    from search.matchmaking.services import member_rankings

    assert DIGEST_BATCH >= 2
    readers = {}
    for name, language in (("amelie", "fr"), ("bram", "nl")):
        user = _account(name, language)
        member = _manage(
            user, MemberFactory(name=f"Atelier {name}", description="menuiserie")
        )
        Offer.objects.create(member=member, text="menuiserie et travail du bois")
        readers[user.email] = (language, member)
    fitting = ProjectFactory(title="Meubles de quartier", summary="des meubles")
    ProjectNeed.objects.create(project=fitting, text="menuiserie et travail du bois")
    index_refresh()

    assert digests_send(day=MONDAY) == 2
    worded = {}
    for message in mail.outbox:
        language, member = readers[message.to[0]]
        with translation.override(language):
            projects, _people = member_rankings(member=member, size=5, public_only=True)
        reason = projects[0].reasons[0].text
        assert reason in message.body, (language, reason)
        worded[language] = reason
    assert worded["fr"] != worded["nl"]


def test_journey_save_publish_bell_mail_unsubscribe(client, search_index):
    """Save a search on the page, an editor publishes a matching member: the
    bell counts the alert, the e-mail is in the outbox, and its unsubscribe
    link works in a fresh browser without logging in."""
    user = _account("zoe", "fr")
    client.force_login(user)
    client.post(
        reverse("alerts:save"),
        {"document": "member", "search": "q=brasserie", "frequency": "instant"},
    )
    search = SavedSearch.objects.get(user=user)
    search.frequency = "instant"
    search.save()
    pending = MemberFactory(
        name="Brasserie du Canal",
        description="brasserie coopérative",
        status=MemberStatus.PENDING,
    )
    index_refresh()
    assert saved_searches_alert(frequency="instant") == 0
    page = client.get("/fr/members/")
    assert b"notification-bell__count" not in page.content

    pending.status = MemberStatus.PUBLISHED  # the editor's approval
    pending.save()
    index_refresh()
    assert saved_searches_alert(frequency="instant") == 1
    page = client.get("/fr/members/")
    assert b'notification-bell__count">1<' in page.content
    bell = client.get(reverse("alerts:bell"))
    assert b'notification-bell__count">1<' in bell.content
    listing = client.get(reverse("alerts:notifications"))
    assert "brasserie" in listing.content.decode()
    (message,) = mail.outbox
    assert "Brasserie du Canal" in message.body

    from members.models import Notification

    item = Notification.objects.get(user=user)
    response = client.post(reverse("alerts:notifications_read"), {"pk": item.pk})
    assert response.status_code == 302
    assert "/fr/members/?q=brasserie" in response["Location"]
    assert b"notification-bell__count" not in client.get(reverse("alerts:bell")).content

    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    from django.test import Client

    stranger = Client(enforce_csrf_checks=True)
    assert stranger.get(path).status_code == 200
    assert stranger.post(path).status_code == 200
    assert MessagePreference.objects.get(user=user, kind="alert").email is False
    # Another member of someone else never shows in this person's bell.
    other = _account("yan")
    client.force_login(other)
    assert (
        client.post(reverse("alerts:notifications_read"), {"pk": item.pk}).status_code
        == 404
    )


def test_a_bouncing_address_is_stopped_by_command(db):
    from django.core.management import CommandError, call_command

    user = _account("bob")
    call_command("notifications_stop", "BOB@people.example.org")
    assert set(
        MessagePreference.objects.filter(user=user, email=False).values_list(
            "kind", flat=True
        )
    ) == set(MessageKind.values)
    with pytest.raises(CommandError):
        call_command("notifications_stop", "nobody@example.org")
