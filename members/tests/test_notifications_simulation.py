"""Acceptance (issue 19): three simulated weeks for a dozen accounts.

The clock is the simulation's: each day the jobs run as the scheduler would
start them (daily alerts at 07:00, weekly alerts on Monday at 07:10, digests
on Monday at 07:30, then the day's activity at 10:00 followed by the instant
alerts), each job TWICE, as two schedulers would. The expected schedule below
is written by hand from the story, not computed by the code under test.

The accounts (language) and their story:
- amelie (fr) and jules (nl) manage Atelier Amélie, which offers joinery; the
  experiment "Mobilier de quartier" seeks joinery from the start, "Chaises
  partagées" is published on Tue 10 March; an event opens on Wed 11 March.
- bram (nl) saved an instant search for bike repairers; one is published on
  Wed 4 March, another is created pending on Tue 10 March and published by
  an editor on Tue 17 March.
- chloe (en) seeks impact evaluation, which Impact Lab offers; she
  unsubscribes from the digest with the link of her first one (Thu 5 March);
  Impact Collective, offering the same, is published on Fri 6 March.
- dirk (nl) has a daily search for solar panels: one experiment on Tue 3
  March (and a draft), two on Thu 12 March.
- emma (fr) has a weekly search for composters; one is published on Wed 4
  March.
- farid (fr): his offer expires on Fri 20 March (the digest warns two weeks
  ahead, once).
- gina (en) manages a suspended member whose offer meets a need; karin (en)
  is a deactivated account managing a fitting member; lucas (en) manages a
  member nobody relates to: none of them hears anything.
- hugo (fr) has an instant search for gardens: on Wed 11 March one garden
  experiment of a published member and one of a suspended member appear.
- ines (nl) has an instant search for beekeepers; one appears on Wed 4 March
  and the job is retried as if it had died after sending.

Follows and calls (the follow job runs after the instant alerts, twice; the
call job at 07:20, twice):
- ines also follows the experiment "Mobilier de quartier": it moves to the
  pilot stage on Thu 5 March (told that day), takes a pending member as
  partner on Fri 13 March (never told), and a news item about it is
  published on Wed 18 March (told that day). hugo follows it too, in the
  site only: the same two days give him notifications and no e-mail.
- dirk follows the member Fiets Oud, which seeks a new workshop from Tue 10
  March (told that day).
- an editor publishes on Wed 11 March a call for social entrepreneurs about
  solidarity joinery (deadline Fri 20 March): amelie and jules hear of it on
  Thu 12 March at 07:20 and their digest of 16 March does not repeat it;
  karin's member fits too but her account is deactivated. A second call
  published the same day closes on Thu 12 March at 06:00, before the job:
  nobody hears of it.
"""

from datetime import date, datetime, timedelta

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from wagtail.models import Locale, Page, Site

import pytest

from hub.tests.factories import (
    CallIndexPageFactory,
    CallPageFactory,
    EventIndexPageFactory,
    EventPageFactory,
    HomePageFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
)
from members.call_alerts import calls_alert
from members.follows import follow_add, follow_updates_send
from members.models import (
    AccountSettings,
    ManagerRole,
    MemberManager,
    MemberStatus,
    MessageKind,
    MessagePreference,
    Notification,
    Offer,
    SavedSearch,
    Seek,
    SentMessage,
)
from members.notifications import (
    digest_send,
    digests_send,
    message_preference_set,
    saved_search_alert,
    saved_search_create,
    saved_searches_alert,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectPartner, ProjectStatus, Stage
from projects.tests.factories import ProjectFactory
from search.graph import graph_reset
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

START = date(2026, 3, 2)  # a Monday
DAYS = 21

# Written by hand: (account, kind, day) for every e-mail of the three weeks.
EXPECTED = {
    ("amelie", "digest", "2026-03-02"),
    ("jules", "digest", "2026-03-02"),
    ("chloe", "digest", "2026-03-02"),
    ("dirk", "alert", "2026-03-04"),  # daily, 07:00: Tuesday's experiment
    ("bram", "alert", "2026-03-04"),  # instant: Fietsatelier Oost
    ("ines", "alert", "2026-03-04"),  # instant: once, despite the retry
    ("emma", "alert", "2026-03-09"),  # weekly, Monday: Compost Ixelles
    ("farid", "digest", "2026-03-09"),  # offer expiring on 20 March
    ("hugo", "alert", "2026-03-11"),  # instant: the published owner's garden
    ("dirk", "alert", "2026-03-13"),  # daily: both of Thursday's experiments
    ("amelie", "digest", "2026-03-16"),  # Chaises partagées, and the event
    ("jules", "digest", "2026-03-16"),
    ("bram", "alert", "2026-03-17"),  # instant: published by an editor
    ("ines", "follow", "2026-03-05"),  # Mobilier de quartier: pilot stage
    ("dirk", "follow", "2026-03-10"),  # Fiets Oud seeks a workshop
    ("amelie", "call", "2026-03-12"),  # the joinery call, 07:20
    ("jules", "call", "2026-03-12"),
    ("ines", "follow", "2026-03-18"),  # news about Mobilier de quartier
}
# In the site only (hugo turned follow e-mails off): no e-mail, a
# notification on each of these days.
EXPECTED_SITE_ONLY = {
    ("hugo", "follow", "2026-03-05"),
    ("hugo", "follow", "2026-03-18"),
}
# What some of them must (and must not) name.
MUST_NAME = {
    ("amelie", "2026-03-02"): ["Mobilier de quartier"],
    ("jules", "2026-03-02"): ["Mobilier de quartier"],
    ("chloe", "2026-03-02"): ["Impact Lab"],
    ("dirk", "2026-03-04"): ["Zon op school"],
    ("bram", "2026-03-04"): ["Fietsatelier Oost"],
    ("ines", "2026-03-04"): ["Imkerij Zuid"],
    ("emma", "2026-03-09"): ["Compost Ixelles"],
    ("farid", "2026-03-09"): ["traiteur solidaire"],
    ("hugo", "2026-03-11"): ["Jardin des Marolles"],
    ("dirk", "2026-03-13"): ["Zonnepanelen voor de buurt", "Zon op het dak"],
    ("amelie", "2026-03-16"): ["Chaises partagées", "Soirée menuiserie"],
    ("jules", "2026-03-16"): ["Chaises partagées", "Soirée menuiserie"],
    ("bram", "2026-03-17"): ["Fietsen Verborgen"],
    ("ines", "2026-03-05"): ["Mobilier de quartier"],
    ("dirk", "2026-03-10"): ["Fiets Oud", "een nieuwe werkplaats"],
    ("amelie", "2026-03-12"): ["Appel menuiserie solidaire", "Atelier Amélie"],
    ("jules", "2026-03-12"): ["Appel menuiserie solidaire", "Atelier Amélie"],
    ("ines", "2026-03-18"): ["Mobilier inauguré"],
}
MUST_NOT_NAME = {
    ("amelie", "2026-03-16"): ["Mobilier de quartier", "Appel menuiserie"],
    ("jules", "2026-03-16"): ["Appel menuiserie"],
    ("bram", "2026-03-04"): ["Fiets Oud"],
    ("dirk", "2026-03-04"): ["Zonnedak geheim"],
}
# Never in any e-mail: unpublished records and private contact details.
NEVER = [
    "Zonnedak geheim",
    "Jardin partagé Forest",
    "Gina Suspendue",
    "private-",
    "+32 2 555",
    "Partenaire Pendant",
    "Appel express",
]
LANGUAGES = {
    "amelie": "fr",
    "jules": "nl",
    "bram": "nl",
    "chloe": "en",
    "dirk": "nl",
    "emma": "fr",
    "farid": "fr",
    "gina": "en",
    "hugo": "fr",
    "ines": "nl",
    "karin": "en",
    "lucas": "en",
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    moment = datetime.combine(day, datetime.min.time()).replace(
        hour=hour, minute=minute
    )
    return timezone.make_aware(moment)


class Simulation:
    def __init__(self):
        self.log = []  # (account, kind, day, message)
        self.site_log = []  # (account, kind, day) of each notification
        self.accounts = {}
        self.members = {}
        self.projects = {}

    def account(self, name, *, active=True):
        user = get_user_model().objects.create_user(
            name, f"{name}@people.example.org", "pw-secret-1", is_active=active
        )
        AccountSettings.objects.create(user=user, language=LANGUAGES[name])
        self.accounts[name] = user
        return user

    def member(self, name, *, managers=(), **fields):
        n = len(self.members) + 1
        fields.setdefault("email", f"private-{n}@members.example.org")
        fields.setdefault("phone", f"+32 2 555 00 {n:02d}")
        member = MemberFactory(name=name, **fields)
        for manager in managers:
            MemberManager.objects.create(
                member=member, user=self.accounts[manager], role=ManagerRole.OWNER
            )
        self.members[name] = member
        return member

    def run(self, day: date, job):
        before = len(mail.outbox)
        seen = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        job()
        for message in mail.outbox[before:]:
            account = message.to[0].split("@")[0]
            kind = message.extra_headers["X-Hub-Message-Kind"]
            self.log.append((account, kind, day.isoformat(), message))
        for item in Notification.objects.filter(pk__gt=seen).select_related("user"):
            self.site_log.append((item.user.username, item.kind, day.isoformat()))
            for text in NEVER:
                assert text not in item.text, (item.user.username, day, text)


def _world(sim: Simulation):
    for name in LANGUAGES:
        sim.account(name, active=name != "karin")
    amelie = sim.member(
        "Atelier Amélie",
        managers=["amelie", "jules"],
        description="atelier de menuiserie solidaire, meubles en bois",
    )
    Offer.objects.create(member=amelie, text="menuiserie solidaire")
    mobilier = ProjectFactory(
        title="Mobilier de quartier", summary="des meubles pour la maison de quartier"
    )
    ProjectNeed.objects.create(project=mobilier, text="menuiserie solidaire")
    sim.member(
        "Boekhouding Bram", managers=["bram"], description="boekhouding voor vzw's"
    )
    sim.member("Fiets Oud", description="fietsherstel sinds 1990")
    chloe = sim.member(
        "Chloe Research", managers=["chloe"], description="social science research"
    )
    Seek.objects.create(member=chloe, text="impact evaluation")
    impact = sim.member("Impact Lab", description="impact evaluation studio")
    Offer.objects.create(member=impact, text="impact evaluation")
    sim.member("Dirk Drukkerij", managers=["dirk"], description="drukwerk en affiches")
    sim.member("Emma Cantine", managers=["emma"], description="cantine végétarienne")
    farid = sim.member(
        "Farid Traiteur", managers=["farid"], description="repas pour événements"
    )
    Offer.objects.create(
        member=farid, text="traiteur solidaire", expires_on=date(2026, 3, 20)
    )
    gina = sim.member(
        "Gina Suspendue",
        managers=["gina"],
        description="menuiserie solidaire",
        status=MemberStatus.SUSPENDED,
    )
    Offer.objects.create(member=gina, text="menuiserie solidaire")
    karin = sim.member(
        "Karin Hout", managers=["karin"], description="menuiserie solidaire"
    )
    Offer.objects.create(member=karin, text="menuiserie solidaire")
    sim.member("Lucas Lutherie", managers=["lucas"], description="violons anciens")
    sim.member("Ines Vertaling", managers=["ines"], description="vertaalbureau")
    index_refresh()
    searches = {
        "bram": ("member", "fietsherstel", "instant"),
        "dirk": ("project", "zonnepanelen", "daily"),
        "emma": ("member", "compostage", "weekly"),
        "hugo": ("project", "jardin", "instant"),
        "ines": ("member", "imkerij", "instant"),
    }
    for name, (document, query, frequency) in searches.items():
        saved_search_create(
            user=sim.accounts[name],
            document=document,
            query=query,
            frequency=frequency,
        )
    sim.event_index = EventIndexPageFactory(parent=_site_root())
    sim.news_index = NewsIndexPageFactory(parent=_site_root())
    sim.call_index = CallIndexPageFactory(parent=_site_root())
    sim.projects["Mobilier de quartier"] = mobilier
    follow_add(user=sim.accounts["ines"], subject=mobilier)
    follow_add(user=sim.accounts["hugo"], subject=mobilier)
    message_preference_set(
        user=sim.accounts["hugo"], kind=MessageKind.FOLLOW, email=False
    )
    follow_add(user=sim.accounts["dirk"], subject=sim.members["Fiets Oud"])


def _site_root() -> Page:
    """The default site's root page, made again if an earlier transactional
    test flushed the tables that Wagtail's migrations filled."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_page
    Locale.objects.get_or_create(language_code=django_settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root")
    )
    home = HomePageFactory(parent=root)
    Site.objects.create(
        hostname="localhost", root_page=home, is_default_site=True, site_name="Hub"
    )
    return home


def _activity(sim: Simulation, day: date):
    """What members and editors do at 10:00 on `day`."""
    match day.isoformat():
        case "2026-03-03":
            ProjectFactory(title="Zon op school", summary="zonnepanelen op scholen")
            ProjectFactory(
                title="Zonnedak geheim",
                summary="zonnepanelen op daken",
                status=ProjectStatus.DRAFT,
            )
        case "2026-03-04":
            sim.member("Fietsatelier Oost", description="fietsherstel in Schaerbeek")
            sim.member("Compost Ixelles", description="compostage de quartier")
            sim.member("Imkerij Zuid", description="imkerij en honing")
        case "2026-03-05":
            mobilier = sim.projects["Mobilier de quartier"]
            mobilier.stage = Stage.PILOT
            mobilier.save()
            # The one-click POST of a mail client, from chloe's first digest.
            (digest,) = [m for a, k, _d, m in sim.log if a == "chloe"]
            link = digest.extra_headers["List-Unsubscribe"].strip("<>")
            path = link.split("://", 1)[1].split("/", 1)[1]
            assert Client(enforce_csrf_checks=True).post(f"/{path}").status_code == 200
        case "2026-03-06":
            other = sim.member("Impact Collective", description="impact evaluation")
            Offer.objects.create(member=other, text="impact evaluation")
        case "2026-03-10":
            chaises = ProjectFactory(
                title="Chaises partagées", summary="des chaises pour la bibliothèque"
            )
            ProjectNeed.objects.create(project=chaises, text="menuiserie solidaire")
            sim.member(
                "Fietsen Verborgen",
                description="fietsherstel aan huis",
                status=MemberStatus.PENDING,
            )
            Seek.objects.create(
                member=sim.members["Fiets Oud"], text="een nieuwe werkplaats"
            )
        case "2026-03-11":
            ProjectFactory(
                title="Jardin des Marolles",
                summary="un jardin partagé",
                owner=sim.member("Marolles Vertes", description="potager urbain"),
            )
            ProjectFactory(
                title="Jardin partagé Forest",
                summary="un jardin collectif",
                owner=sim.members["Gina Suspendue"],
            )
            EventPageFactory(
                parent=sim.event_index,
                title="Soirée menuiserie",
                start=_at(date(2026, 3, 19), 18),
                end=_at(date(2026, 3, 19), 21),
            )
            CallPageFactory(
                parent=sim.call_index,
                title="Appel menuiserie solidaire",
                intro="Un soutien aux ateliers de menuiserie solidaire.",
                keywords="menuiserie solidaire",
                eligible_kinds=["entrepreneur"],
                deadline=_at(date(2026, 3, 20), 18),
            )
            CallPageFactory(
                parent=sim.call_index,
                title="Appel express",
                intro="Un soutien express à la menuiserie solidaire.",
                keywords="menuiserie solidaire",
                deadline=_at(date(2026, 3, 12), 6),
            )
        case "2026-03-12":
            ProjectFactory(
                title="Zonnepanelen voor de buurt", summary="zonnepanelen samen kopen"
            )
            ProjectFactory(title="Zon op het dak", summary="zonnepanelen op daken")
        case "2026-03-13":
            ProjectPartner.objects.create(
                project=sim.projects["Mobilier de quartier"],
                member=sim.member(
                    "Partenaire Pendant",
                    description="logistique",
                    status=MemberStatus.PENDING,
                ),
            )
        case "2026-03-18":
            news = NewsPageFactory(
                parent=sim.news_index, title="Mobilier inauguré", live=False
            )
            news.subjects.create(project=sim.projects["Mobilier de quartier"])
            news.save_revision().publish()
        case "2026-03-17":
            hidden = sim.members["Fietsen Verborgen"]
            hidden.status = MemberStatus.PUBLISHED
            hidden.save()
    index_refresh()


def _retry_ines(sim: Simulation):
    """The instant job died after sending: the results were not remembered.
    Run again, it finds the message's key and sends nothing."""
    search = SavedSearch.objects.get(user=sim.accounts["ines"])
    forgotten = [pk for pk in search.known_ids if pk != sim.members["Imkerij Zuid"].pk]
    SavedSearch.objects.filter(pk=search.pk).update(known_ids=forgotten)
    search.refresh_from_db()
    assert saved_search_alert(search, now=_at(date(2026, 3, 4), 10, 10)) is False


@pytest.fixture(autouse=True)
def fresh_graph():
    graph_reset()
    yield
    graph_reset()


def test_three_weeks_of_alerts_and_digests(search_index, settings):
    settings.HUB_EMBEDDINGS = False
    sim = Simulation()
    _world(sim)
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        for _scheduler in range(2):
            sim.run(
                day,
                lambda d=day: saved_searches_alert(frequency="daily", now=_at(d, 7)),
            )
            if day.weekday() == 0:
                sim.run(
                    day,
                    lambda d=day: saved_searches_alert(
                        frequency="weekly", now=_at(d, 7, 10)
                    ),
                )
            sim.run(day, lambda d=day: calls_alert(now=_at(d, 7, 20)))
            if day.weekday() == 0:
                sim.run(day, lambda d=day: digests_send(day=d))
        sim.run(day, lambda d=day: _activity(sim, d))
        for _scheduler in range(2):
            sim.run(
                day,
                lambda d=day: saved_searches_alert(
                    frequency="instant", now=_at(d, 10, 5)
                ),
            )
            sim.run(day, lambda d=day: follow_updates_send(now=_at(d, 10, 6)))
        if day == date(2026, 3, 4):
            sim.run(day, lambda: _retry_ines(sim))

    sent = [(account, kind, day) for account, kind, day, _m in sim.log]
    assert len(sent) == len(set(sent)), "nothing is sent twice"
    assert set(sent) == EXPECTED
    assert SentMessage.objects.count() == len(EXPECTED) + len(EXPECTED_SITE_ONLY)
    site_only = {
        (a, k, d)
        for a, k, d in sim.site_log
        if (a, k, d) not in {(a2, k2, d2) for a2, k2, d2 in sent}
    }
    assert site_only == EXPECTED_SITE_ONLY
    # Every e-mail has its notification in the site, in the same language.
    assert len(sim.site_log) == len(EXPECTED) + len(EXPECTED_SITE_ONLY)
    for account, _kind, day, message in sim.log:
        html = message.alternatives[0][0]
        language = LANGUAGES[account]
        assert f'lang="{language}"' in html, (account, day)
        assert f"/{language}/" in message.body, (account, day)
        assert message.extra_headers["List-Unsubscribe-Post"] == (
            "List-Unsubscribe=One-Click"
        )
        for name in MUST_NAME.get((account, day), []):
            assert name in message.body and name in html, (account, day, name)
        for name in MUST_NOT_NAME.get((account, day), []):
            assert name not in message.body, (account, day, name)
        for text in NEVER:
            assert text not in message.body and text not in html, (account, day, text)

    # Chloe heard nothing more because she unsubscribed: back on, the next
    # digest names what she missed.
    chloe = sim.accounts["chloe"]
    preference = MessagePreference.objects.get(user=chloe, kind=MessageKind.DIGEST)
    assert preference.email is False
    preference.email = True
    preference.save()
    mail.outbox.clear()
    assert digest_send(user=chloe, day=START + timedelta(days=DAYS)) is True
    assert "Impact Collective" in mail.outbox[0].body
