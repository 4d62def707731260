"""Following a member or an experiment (issue 19): the button, the list, and
the news that reaches followers by e-mail and in the site."""

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

import pytest

from hub.tests.factories import (
    NewsIndexPageFactory,
    NewsPageFactory,
    site_home_ensure,
)
from members.follows import follow_add, follow_updates_send
from members.models import (
    AccountSettings,
    Follow,
    FollowUpdate,
    MemberStatus,
    MessageKind,
    Notification,
    Seek,
    SentMessage,
    Visibility,
)
from members.notifications import message_preference_set
from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectPartner, ProjectStatus, Stage
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _account(name: str, language: str = "en"):
    user = get_user_model().objects.create_user(
        name, f"{name}@people.example.org", "pw-secret-1"
    )
    AccountSettings.objects.create(user=user, language=language)
    return user


def test_follow_button_follows_and_unfollows_with_and_without_htmx(client):
    """POST follows, a second POST with action=unfollow stops; htmx gets the
    button back in place, a plain form the page; a page that may not appear
    cannot be followed; the dashboard and the list name what one follows."""
    user = _account("fay")
    member = MemberFactory(name="Repair Café Anderlecht")
    project = ProjectFactory(title="Buurtfietsen")
    hidden = MemberFactory(name="Nog niet", status=MemberStatus.PENDING)
    client.force_login(user)

    profile = client.get(member.get_absolute_url())
    assert b'action="/en/alerts/follow/member/' in profile.content

    url = reverse("alerts:follow_member", kwargs={"slug": member.slug})
    answer = client.post(url, {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert b"Stop following" in answer.content and b"<html" not in answer.content
    assert Follow.objects.filter(user=user, member=member).exists()
    answer = client.post(
        reverse("alerts:follow_project", kwargs={"slug": project.slug}),
        {"action": "follow"},
    )
    assert answer.status_code == 302 and answer["Location"].endswith(
        project.get_absolute_url()
    )

    dashboard = client.get(reverse("dashboard:home")).content.decode()
    assert "Repair Café Anderlecht" in dashboard and "Buurtfietsen" in dashboard
    listing = client.get(reverse("alerts:follows")).content.decode()
    assert "Repair Café Anderlecht" in listing and "Buurtfietsen" in listing

    client.post(url, {"action": "unfollow"}, HTTP_HX_REQUEST="true")
    assert not Follow.objects.filter(user=user, member=member).exists()
    assert (
        client.post(
            reverse("alerts:follow_member", kwargs={"slug": hidden.slug}),
            {"action": "follow"},
        ).status_code
        == 404
    )
    client.logout()
    assert client.post(url, {"action": "follow"}).status_code == 302
    assert Follow.objects.filter(member=member).count() == 0


def _news_page(title, **subjects):
    index = NewsIndexPageFactory(parent=site_home_ensure(), slug="news-follow")
    page = NewsPageFactory(parent=index, title=title, live=False)
    page.subjects.create(**subjects)
    page.save_revision().publish()
    return page


def test_followers_hear_of_needs_stages_partners_and_news_once(settings):
    """A need, a stage change, a confirmed partner and a news item about the
    experiment reach its follower in one Dutch message and one notification;
    a second run sends nothing; a partner not yet confirmed, a pending member
    and a draft's need are never named; updates from before the follow are
    not news."""
    settings.HUB_EMBEDDINGS = False
    owner = MemberFactory(name="Buurtwerk Noord")
    project = ProjectFactory(title="Gedeelde moestuin", owner=owner)
    ProjectNeed.objects.create(project=project, text="voor de follow: oud")
    follower = _account("nina", "nl")
    follow_add(user=follower, subject=project)

    ProjectNeed.objects.create(project=project, text="een tuinier met ervaring")
    project.stage = "pilot"
    project.save()
    partner = MemberFactory(name="Groen Collectief")
    ProjectPartner.objects.create(project=project, member=partner)
    pending = MemberFactory(name="Wacht Nog", status=MemberStatus.PENDING)
    ProjectPartner.objects.create(project=project, member=pending)
    invited = MemberFactory(name="Nog Niet Bevestigd")
    ProjectPartner.objects.create(project=project, member=invited, confirmed=False)
    _news_page("De moestuin oogst", project=project)
    draft = ProjectFactory(title="Geheim plan", status=ProjectStatus.DRAFT)
    follow_add(user=follower, subject=owner)
    ProjectNeed.objects.create(project=draft, text="geheime behoefte")

    assert follow_updates_send() == 1
    (message,) = mail.outbox
    body = message.body
    assert message.extra_headers["X-Hub-Message-Kind"] == "follow"
    assert "een tuinier met ervaring" in body
    with translation.override("nl"):
        assert str(Stage.PILOT.label).lower() in body
    assert "Groen Collectief" in body
    assert "De moestuin oogst" in body
    assert "/nl/" in body
    for never in ("voor de follow", "Wacht Nog", "Nog Niet Bevestigd", "Geheim"):
        assert never not in body and never not in message.alternatives[0][0]
    assert Notification.objects.filter(user=follower, kind="follow").count() == 1

    assert follow_updates_send() == 0
    assert len(mail.outbox) == 1
    # The invited partner confirms: that alone is news.
    ProjectPartner.objects.filter(member=invited).update(confirmed=False)
    link = ProjectPartner.objects.get(member=invited)
    link.confirmed = True
    link.save()
    assert follow_updates_send() == 1
    assert "Nog Niet Bevestigd" in mail.outbox[1].body
    assert SentMessage.objects.filter(kind=MessageKind.FOLLOW).count() == 2


def test_a_followed_member_tells_public_seeks_and_new_experiments():
    """A new public need of a followed member and its new experiment reach
    the follower; a need kept for matching only does not."""
    member = MemberFactory(name="Atelier Nord")
    follower = _account("olga", "fr")
    follow_add(user=follower, subject=member)
    Seek.objects.create(member=member, text="un local partagé")
    ProjectPartner.objects.create(
        project=ProjectFactory(title="Cuisine mobile"), member=member
    )
    assert follow_updates_send() == 1
    assert "un local partagé" in mail.outbox[0].body
    assert "Cuisine mobile" in mail.outbox[0].body

    member.visibility = {"seeks": Visibility.MATCHING}
    member.save()
    Seek.objects.create(member=member, text="un comptable discret")
    assert FollowUpdate.objects.filter(member=member).count() == 3
    assert follow_updates_send() == 0
    assert len(mail.outbox) == 1


def test_follow_preferences_choose_the_channels():
    """In the site only: a notification and no e-mail. Neither: nothing is
    sent or recorded."""
    project = ProjectFactory(title="Repair Bus")
    site_only = _account("pia")
    neither = _account("quinn")
    for user in (site_only, neither):
        follow_add(user=user, subject=project)
    message_preference_set(user=site_only, kind=MessageKind.FOLLOW, email=False)
    message_preference_set(
        user=neither, kind=MessageKind.FOLLOW, email=False, site=False
    )
    ProjectNeed.objects.create(project=project, text="a mechanic")
    assert follow_updates_send() == 1
    assert mail.outbox == []
    assert Notification.objects.filter(user=site_only).count() == 1
    assert not Notification.objects.filter(user=neither).exists()
    assert not SentMessage.objects.filter(user=neither).exists()


def test_preferences_page_sets_each_channel(client):
    user = _account("rui")
    client.force_login(user)
    page = client.get(reverse("alerts:list")).content.decode()
    assert 'name="site" value="follow"' in page and 'name="email" value="call"' in page
    client.post(
        reverse("alerts:preferences"),
        {"channels": "email site", "email": ["alert", "call"], "site": ["follow"]},
    )
    rows = {p.kind: (p.email, p.site) for p in user.message_preferences.all()}
    assert rows["alert"] == (True, False)
    assert rows["follow"] == (False, True)
    assert rows["call"] == (True, False)
    assert rows["digest"] == (False, False)
