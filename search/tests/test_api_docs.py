"""The API docs page works under the site's Content-Security-Policy (issue 16,
class 9): its scripts and styles come from our own origin, as static files
the site serves, never from a CDN the policy blocks."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.inline: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            elif attrs.get("type", "text/javascript") != "application/json":
                self.inline.append(attrs.get("nonce", ""))
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs.get("href", ""))


def _directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_api_docs_scripts_are_same_origin_and_allowed(client):
    """Every script and stylesheet of the docs page is a same-origin static
    file that exists; the page's policy allows only our origin (no CDN);
    no inline script runs without the request's nonce."""
    response = client.get(reverse("api-v1:openapi-view"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert _directive(policy, "script-src")[0] == "'self'"
    assert not any(
        source.startswith(("http", "//")) for source in _directive(policy, "script-src")
    )
    assets = _Assets()
    assets.feed(response.content.decode())
    assert assets.scripts, "the page runs Swagger UI"
    for url in assets.scripts + assets.styles:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        prefix = static("")
        assert parts.path.startswith(prefix), url
        assert finders.find(parts.path.removeprefix(prefix)), url
    assert assets.inline == []
