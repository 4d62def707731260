"""The site's name, links and footer kept for every page (hub/site_chrome.py):
read once, dropped by what changes them, per language, never personal."""

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import pytest

from hub.middleware import PAGE_CACHE
from hub.models import SiteSettings

# A page that is no Wagtail page (so not in the page cache itself) and runs
# no search: only its frame reads the site.
URL = "/en/accounts/login/"


@pytest.fixture(autouse=True)
def page_cache(settings, tmp_path):
    """The production set-up: the `pages` cache in files the processes share."""
    settings.CACHES = {
        **settings.CACHES,
        PAGE_CACHE: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "pages"),
        },
    }
    settings.HUB_PAGE_CACHE_SECONDS = 60
    caches[PAGE_CACHE].clear()
    yield
    caches[PAGE_CACHE].clear()


def _html(url=URL, client=None):
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _footer(html):
    return html[html.index('<footer class="site-footer">') :]


def _site_queries(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "wagtailcore_site" in q["sql"]
        or "hub_sitesettings" in q["sql"]
        or "wagtailcore_locale" in q["sql"]
    ]


def test_the_frame_is_read_once(tree):
    """The second page reads neither the site, nor its settings, nor locales,
    and shows the same frame."""
    first = _html()
    with CaptureQueriesContext(connection) as queries:
        second = _html()
    assert _site_queries(queries.captured_queries) == []
    assert _footer(second) == _footer(first)
    assert "Social Innovation Hub" in second
    assert '<a href="/en/privacy/">Privacy policy</a>' in _footer(second)


def test_a_settings_edit_shows_at_once(tree):
    _html()
    site_settings = SiteSettings.for_site(tree.site)
    site_settings.footer_text = "<p>Run by the <b>new team</b>.</p>"
    site_settings.footer_links = [
        {"type": "link", "value": {"url": "/members/", "label": "Find partners"}}
    ]
    site_settings.save()
    footer = _footer(_html())
    assert "Run by the <b>new team</b>." in footer
    assert '<a href="/en/members/">Find partners</a>' in footer


def test_a_site_renamed_shows_at_once(tree):
    """Fails without the Site receiver in hub/signal_handlers.py."""
    assert "Social Innovation Hub" in _html()
    tree.site.site_name = "Brussels Exchange"
    tree.site.save()
    html = _html()
    assert "Brussels Exchange" in html
    assert "Social Innovation Hub" not in html


def test_an_unpublished_privacy_page_leaves_the_footer(tree):
    assert 'href="/en/privacy/"' in _footer(_html())
    tree.privacy.unpublish()
    assert 'href="/en/privacy/"' not in _footer(_html())
    tree.privacy.save_revision().publish()
    assert 'href="/en/privacy/"' in _footer(_html())


def test_each_language_has_its_own_frame(tree):
    site_settings = SiteSettings.for_site(tree.site)
    site_settings.navigation = [
        {"type": "link", "value": {"url": "/members/", "label": "Members"}}
    ]
    site_settings.save()
    english = _html()
    french = _html(URL.replace("/en/", "/fr/", 1))
    english_nav = english[english.index('<nav class="site-nav"') :]
    french_nav = french[french.index('<nav class="site-nav"') :]
    assert '<a href="/en/members/">Members</a>' in english_nav
    assert '<a href="/fr/members/">Membres</a>' in french_nav
    assert _html().count('href="/fr/members/"') == 0


def test_nothing_personal_is_kept(tree):
    """A signed-in person's page fills the cache; a visitor's page from it has
    no account links, and the person's has their own token and links."""
    user = get_user_model().objects.create_user(
        username="chrome", email="chrome@example.org", password="x"
    )
    person = Client()
    person.force_login(user)
    url = tree.standard.url
    assert "Sign out" in _html(url, person)
    visitor = _html(url)
    assert "Sign out" not in visitor
    assert "Sign in" in visitor
    assert "Sign out" in _html(url, person)
