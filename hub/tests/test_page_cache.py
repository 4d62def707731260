"""The page cache of anonymous visitors' editorial pages (hub/middleware.py)."""

import re

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from wagtail.models import PageViewRestriction

import pytest

from hub.middleware import PAGE_CACHE
from hub.models import SiteSettings

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings, tmp_path):
    """The production set-up: pages in files the web processes share."""
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


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_anonymous_visitors_share_a_page_with_their_own_csrf_token(tree):
    """The second visitor gets the cached page, with a token that passes CSRF."""
    url = tree.standard.url
    first = _get(Client(), url)
    assert "X-Page-Cache" not in first
    visitor = Client(enforce_csrf_checks=True)
    second = _get(visitor, url)
    assert second["X-Page-Cache"] == "hit"
    assert tree.standard.title in second.content.decode()
    assert "__hub_csrf_token__" not in second.content.decode()
    token = TOKEN.search(second.content.decode()).group(1)
    assert token != TOKEN.search(first.content.decode()).group(1)
    assert "csrftoken" in second.cookies
    switched = visitor.post(
        "/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302


def test_logged_in_users_never_get_the_cached_page(tree):
    """A member's request bypasses the cache, before and after anonymous ones."""
    url = tree.standard.url
    _get(Client(), url)
    member = Client()
    member.force_login(
        get_user_model().objects.create_user("reader", "reader@example.org", "x")
    )
    assert "X-Page-Cache" not in _get(member, url)
    assert "X-Page-Cache" not in _get(member, url)


def test_publishing_empties_the_cache(tree):
    """A new revision is shown as soon as it is published."""
    url = tree.standard.url
    _get(Client(), url)
    assert _get(Client(), url)["X-Page-Cache"] == "hit"
    page = tree.standard
    page.title = "A brand-new title"
    page.save_revision().publish()
    response = _get(Client(), url)
    assert "X-Page-Cache" not in response
    assert "A brand-new title" in response.content.decode()


def test_forms_and_restricted_pages_are_not_cached(tree):
    """A form page and a password-protected page are rendered every time."""
    _get(Client(), tree.form.url)
    assert "X-Page-Cache" not in _get(Client(), tree.form.url)
    PageViewRestriction.objects.create(
        page=tree.standard,
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret",
    )
    for _ in range(2):
        response = _get(Client(), tree.standard.url)
        assert "X-Page-Cache" not in response
        assert 'type="password"' in response.content.decode()


def test_the_language_of_the_address_is_part_of_the_key(tree):
    """The French page is not served the English copy."""
    english = _get(Client(), tree.home.url).content.decode()
    french = _get(Client(), tree.home.url.replace("/en/", "/fr/", 1))
    assert 'lang="fr"' in french.content.decode()
    assert 'lang="en"' in english


def test_navigation_links_follow_a_publish(tree):
    """Cached navigation links change with the page they name."""
    site_settings = SiteSettings.for_site(tree.site)
    site_settings.navigation = [("link", {"page": tree.standard, "label": "About"})]
    site_settings.save()
    assert 'href="/en/about/"' in Client().get("/en/members/").content.decode()
    page = tree.standard
    page.slug = "about-us"
    page.save_revision().publish()
    after = Client().get("/en/members/").content.decode()
    assert 'href="/en/about-us/"' in after
    assert 'href="/en/about/"' not in after
