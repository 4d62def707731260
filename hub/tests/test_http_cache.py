"""HTTP caching headers (hub/http_cache.py).

Anonymous visitors get validators and an unchanged page answers 304; pages
holding a CSRF token or setting a cookie are private and vary on Cookie;
nothing a signed-in person sees gets validators or `public`.
"""

from django.contrib.auth import get_user_model
from django.test import Client

import pytest

from members.tests.factories import MemberFactory
from search.services import index_refresh


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d}


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v}


@pytest.mark.django_db
def test_an_unchanged_editorial_page_is_a_304_for_the_same_visitor(tree):
    tree.standard.save_revision().publish()
    url = tree.standard.url
    visitor = Client()
    first = visitor.get(url)
    assert first.status_code == 200
    assert {"private", "no-cache"} <= _directives(first)
    assert "public" not in _directives(first)
    assert "cookie" in _vary(first)
    # No Last-Modified: the page's publication date does not cover the other
    # records it shows, so If-Modified-Since alone never earns a 304.
    assert "Last-Modified" not in first
    assert (
        visitor.get(
            url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
        ).status_code
        == 200
    )
    again = visitor.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_another_visitors_copy_is_not_valid(tree):
    """The page holds the visitor's CSRF token: another cookie, another ETag."""
    url = tree.standard.url
    first = Client().get(url)
    other = Client().get(url, headers={"If-None-Match": first["ETag"]})
    assert other.status_code == 200
    assert other["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_a_changed_page_is_sent_again(tree):
    url = tree.standard.url
    visitor = Client()
    first = visitor.get(url)
    page = tree.standard
    page.title = "A new title"
    page.save_revision().publish()
    again = visitor.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert "A new title" in again.content.decode()


@pytest.mark.django_db
def test_a_profile_revalidates_until_it_is_edited(tree, search_index):
    member = MemberFactory(name="Atelier Revalidé")
    url = f"/en/members/{member.slug}/"
    visitor = Client()
    first = visitor.get(url)
    assert first.status_code == 200
    assert {"private", "no-cache"} <= _directives(first)
    etag = first["ETag"]
    assert visitor.get(url, headers={"If-None-Match": etag}).status_code == 304
    member.headline = "Nouvel intitulé"
    member.save()
    changed = visitor.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Nouvel intitulé" in changed.content.decode()


@pytest.mark.django_db
def test_signed_in_pages_are_private_without_validators(tree):
    user = get_user_model().objects.create_user("reader", "r@example.org", "x")
    client = Client()
    client.force_login(user)
    response = client.get(tree.standard.url)
    assert response.status_code == 200
    assert "private" in _directives(response)
    assert "public" not in _directives(response)
    assert "ETag" not in response
    assert client.get("/en/dashboard/").status_code in (200, 302)
    assert "public" not in _directives(client.get("/en/dashboard/"))


@pytest.mark.django_db
def test_the_api_search_may_be_shared_but_is_revalidated(search_index):
    MemberFactory(name="Compost Partagé", description="Compostage de quartier.")
    index_refresh()
    client = Client()
    first = client.get("/api/v1/members", {"q": "compostage"})
    assert first.status_code == 200
    assert not first.cookies
    assert {"public", "no-cache"} <= _directives(first)
    assert "accept-language" in _vary(first)
    again = client.get(
        "/api/v1/members", {"q": "compostage"}, headers={"If-None-Match": first["ETag"]}
    )
    assert again.status_code == 304
