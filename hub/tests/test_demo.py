"""The demo network loaded by `hub_demo`."""

from django.core.management import call_command

from wagtail.models import Page

import pytest

from hub.models import CallIndexPage, CallPage, EventPage, HomePage, NewsPage
from members.models import Member, MemberKind
from projects.models import Project, ProjectPartner

pytestmark = pytest.mark.django_db


def counts():
    return (
        Member.objects.count(),
        Project.objects.count(),
        ProjectPartner.objects.count(),
        Page.objects.count(),
    )


def test_demo_loads_a_realistic_network_and_reloading_duplicates_nothing(client):
    """Twenty-plus members of every kind, 8+ experiments, pages; twice = once."""
    call_command("hub_demo")
    first = counts()
    assert first[0] >= 20 and first[1] >= 8
    assert set(Member.objects.values_list("kind", flat=True)) == set(MemberKind.values)
    # One home page per content language: en, fr, nl.
    assert HomePage.objects.live().count() == 3
    assert NewsPage.objects.live().count() >= 3
    assert EventPage.objects.live().count() >= 3

    call_command("hub_demo")
    assert counts() == first

    assert client.get("/", follow=True).status_code == 200
    news = NewsPage.objects.live().first()
    assert client.get(news.url).status_code == 200


def test_demo_translates_the_editorial_tree_into_french_and_dutch(client):
    """Every English page has a live fr and nl translation with translated text."""
    call_command("hub_demo")
    english = Page.objects.filter(locale__language_code="en", depth__gt=1).live()
    for language in ("fr", "nl"):
        translated = Page.objects.filter(locale__language_code=language).live()
        assert translated.count() == english.count()
    about = Page.objects.get(locale__language_code="fr", slug="about")
    assert about.title == "À propos du réseau"
    response = client.get(about.url)
    assert response.status_code == 200
    assert "À propos du réseau" in response.text
    assert client.get("/nl/").status_code == 200
    assert "Waar Brussel experimenteert" in client.get("/nl/").text


def test_demo_publishes_calls_and_lists_only_open_ones(client):
    """Four demo calls in each language, with sectors; the closed one is off
    the index but its page says it closed."""
    call_command("hub_demo")
    english = CallPage.objects.live().filter(locale__language_code="en")
    assert english.count() == 4
    assert all(call.sectors.exists() for call in english)
    index = CallIndexPage.objects.live().get(locale__language_code="en")
    listing = client.get(index.url).text
    assert "Energy renovation fund" in listing
    assert "Digital inclusion pilots" not in listing
    closed = english.get(slug="digital-inclusion-pilots-2026")
    assert "This call closed on" in client.get(closed.url).text
    french = CallIndexPage.objects.live().get(locale__language_code="fr")
    assert "Fonds de rénovation énergétique" in client.get(french.url).text
