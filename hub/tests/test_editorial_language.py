"""One language per item: `lang` on items in another language, dates in words
in the page's language, news topics per language, and the demo content."""

import datetime
import re

from django.core.management import call_command
from django.utils import timezone, translation

from wagtail.models import Locale

import pytest

from hub.models import HomePage, NewsPage
from hub.tests.factories import EventPageFactory, NewsPageFactory
from members.models import Member
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A request for a French page leaves French active in this thread; the
    tests that follow expect the default language."""
    yield
    translation.deactivate()


def test_untranslated_news_card_and_page_carry_their_language(client, tree):
    """A French item on the English site is marked lang="fr" in the listing,
    on the home page and on its own page; an English item is not marked."""
    NewsPageFactory(
        parent=tree.news_index,
        title="Paniers solidaires : ce que disent 150 familles",
        content_language="fr",
    )

    for url in (tree.news_index.url, tree.home.url):
        html = client.get(url).text
        assert re.search(
            r'<article class="card card--news[^"]*" lang="fr">\s*<h[23] class="card__'
            r'title"><a [^>]+>Paniers solidaires',
            html,
        ), url
        english = re.search(r'<article class="card card--news[^>]*>\s*<img', html)
        assert english and "lang=" not in english.group(0)

    french = NewsPage.objects.get(title__startswith="Paniers solidaires")
    html = client.get(french.url).text
    assert '<article class="article-layout" lang="fr">' in html
    # The page's own labels (the aside) stay in English.
    assert 'class="article-layout__aside" lang="en"' in html
    assert "Written in" in html


def test_untranslated_event_card_carries_its_language(client, tree):
    """A Dutch event on the English events page is marked lang="nl"."""
    EventPageFactory(
        parent=tree.event_index, title="Netwerkmiddag", content_language="nl"
    )

    html = client.get(tree.event_index.url).text

    assert re.search(r'card--event[^"]*" lang="nl">', html)


def test_dates_and_times_read_in_words_in_each_language(client, tree):
    """3 December 2026 reads "3 December 2026" in English, "3 décembre 2026" in
    French and "3 december 2026" in Dutch; times use a 24-hour clock."""
    start = timezone.make_aware(datetime.datetime(2026, 12, 3, 18, 0))
    tree.news.date = datetime.date(2026, 12, 3)
    tree.news.save_revision().publish()
    event = tree.event
    event.start, event.end = start, start + datetime.timedelta(hours=3)
    event.save_revision().publish()

    english = client.get(tree.news.url).text
    assert "3 December 2026" in english
    assert "12/03/2026" not in english and "Dec. 3" not in english
    event_html = client.get(event.url).text
    assert "3 December 2026, 18:00" in event_html and "21:00" in event_html
    assert "p.m." not in event_html

    for code, expected in (("fr", "3 décembre 2026"), ("nl", "3 december 2026")):
        locale = Locale.objects.get_or_create(language_code=code)[0]
        tree.home.copy_for_translation(locale).save_revision().publish()
        index = tree.news_index.copy_for_translation(locale)
        index.save_revision().publish()
        translated = tree.news.copy_for_translation(locale)
        translated.save_revision().publish()
        assert expected in client.get(translated.url).text


def test_tag_filter_lists_the_topics_of_this_language_with_counts(client, tree):
    """The English news index lists the tags of its own news with their counts,
    not the French tree's tags."""
    NewsPageFactory(parent=tree.news_index, tags=["energy", "housing"])
    locale = Locale.objects.get_or_create(language_code="fr")[0]
    tree.home.copy_for_translation(locale).save_revision().publish()
    tree.news_index.copy_for_translation(locale).save_revision().publish()
    french = tree.news.copy_for_translation(locale)
    french.tags.set(["énergie"])
    french.save_revision().publish()

    html = client.get(tree.news_index.url).text

    assert re.search(r'energy <span class="tag__count">\(2\)</span>', html)
    assert "énergie" not in html


def test_demo_content_keeps_one_language_per_item_and_has_pictures(client):
    """The demo's English hero is English only; items written in French or
    Dutch on the English site say so; news share topics; the editors' featured
    experiments, logos and pictures are set."""
    call_command("hub_demo")

    home = HomePage.objects.get(locale__language_code="en")
    assert "réseau" not in home.hero_text and "netwerk" not in home.hero_text
    assert "Publiez" not in str(home.intro)
    assert home.hero_image and home.hero_image.description
    assert len(home.featured_experiments.all()) == 3

    english_news = NewsPage.objects.filter(locale=home.locale)
    assert english_news.filter(content_language="fr").exists()
    assert all(page.image_id for page in english_news)
    topics = [tag.name for page in english_news for tag in page.tags.all()]
    assert topics.count("results") >= 2
    assert "résultats" not in topics
    french_news = NewsPage.objects.filter(locale__language_code="fr")
    assert (
        not french_news.exclude(content_language="")
        .filter(content_language="fr")
        .exists()
    )

    assert Member.objects.filter(logo__isnull=False).count() >= 20
    assert not Project.objects.filter(image__isnull=True).exists()
    assert all(m.logo.description for m in Member.objects.exclude(logo=None))


def test_a_new_translation_says_its_text_is_still_in_the_source_language(client, tree):
    """Copying an English news item into the French tree (before anyone
    translates it) marks the copy as written in English, so the French page
    carries lang="en"."""
    locale = Locale.objects.get_or_create(language_code="fr")[0]
    tree.home.copy_for_translation(locale).save_revision().publish()
    tree.news_index.copy_for_translation(locale).save_revision().publish()

    copy = tree.news.copy_for_translation(locale)
    copy.save_revision().publish()

    assert copy.content_language == "en"
    assert '<article class="article-layout" lang="en">' in client.get(copy.url).text
