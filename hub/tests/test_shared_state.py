"""Two gunicorn processes sharing one Redis (HUB_REDIS_URL), as two web
machines would: a publish on one is seen at once on the other, a match-cache
entry invalidated by another process is never served by either, and the
log-in rate limit counts across both. Redis is started by the project's
launcher (the `redis_url` session fixture); the site has its own SQLite file
and index prefix on the session's Elasticsearch node.
"""

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.core.cache import caches

import pytest
import redis

from hub.tests.processes import ROOT, Site

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

SETUP = """
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site
from hub.models import SiteSettings
from hub.tests.factories import StandardPageFactory
from members.models import Member, Offer
from projects.models import Project, ProjectNeed

get_user_model().objects.create_superuser("root", "root@example.org", "right-pw")
# Made on the first request otherwise, which empties the page cache.
SiteSettings.for_site(Site.objects.get(is_default_site=True))
page = StandardPageFactory(parent=Page.objects.get(depth=2), title="Version one",
    slug="about")
page.title = "Version two"
page.save_revision()
owner = Member.objects.create(name="Cargo Asso", slug="cargo-asso",
    kind="federation", status="published")
project = Project.objects.create(title="Vélo cargo", slug="velo-cargo",
    summary="Livraisons à vélo", owner=owner, status="published")
ProjectNeed.objects.create(project=project, text="livraison en vélo cargo")
rider = Member.objects.create(name="Cycliste Un", slug="cycliste-un",
    kind="entrepreneur", status="published", description="Livraisons en vélo cargo.")
Offer.objects.create(member=rider, text="livraison en vélo cargo")
Member.objects.create(name="Atelier Deux", slug="atelier-deux", kind="entrepreneur",
    status="published", description="Réparation de meubles anciens.")
result = {"page": page.pk, "url": page.url}
"""


@pytest.fixture(scope="module")
def web(tmp_path_factory, redis_url, elasticsearch_url):
    """The site, two gunicorn processes on it, and what the set-up made."""
    site = Site(tmp_path_factory.mktemp("shared"), elasticsearch_url)
    site.env |= {
        "HUB_REDIS_URL": redis_url,
        "HUB_INDEX_PREFIX": f"test-{uuid.uuid4().hex[:10]}",
        "HUB_PAGE_CACHE_SECONDS": "300",
        "HUB_MATCH_CACHE_SECONDS": "600",
    }
    site.manage("migrate", "--noinput", "-v0")
    made = site.python(SETUP)
    servers = [site.gunicorn(), site.gunicorn()]
    try:
        deadline = time.monotonic() + 120
        for server in servers:
            server.wait(deadline)
        yield site, servers, made
    finally:
        for server in servers:
            server.stop()
        site.python("from search.indices import indices_drop\nresult = indices_drop()")


def _get(opener, url, data=None) -> tuple[int, dict, str]:
    # Behind a load balancer every machine sees the site's one host name (part
    # of the page cache's key), not its own address.
    request = urllib.request.Request(url, data=data, headers={"Host": "localhost"})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _visitor():
    return urllib.request.build_opener()


def _browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _log_in(browser, base, password) -> str:
    page = _get(browser, f"{base}/admin/login/")[2]
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": TOKEN.search(page)[1],
            "username": "root",
            "password": password,
        }
    ).encode()
    return _get(browser, f"{base}/admin/login/", data)[2]


def test_a_publish_on_one_process_is_seen_at_once_on_the_other(web):
    """Both processes serve the page from the one Redis; an editor publishes
    on the first, and the second serves the new version on the next request."""
    _site, (first, second), made = web
    url = made["url"]
    status, _headers, body = _get(_visitor(), first.url + url)
    assert status == 200 and "Version one" in body
    status, headers, body = _get(_visitor(), second.url + url)
    assert headers.get("X-Page-Cache") == "hit"  # rendered by the first
    assert "Version one" in body

    editor, _jar = _browser()
    _log_in(editor, first.url, "right-pw")
    publish = (
        f"{first.url}/admin/bulk/wagtailcore/page/publish/"
        f"?id={made['page']}&next=/admin/"
    )
    form = _get(editor, publish)[2]
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": TOKEN.search(form)[1]}
    ).encode()
    assert _get(editor, publish, data)[0] == 200  # back on the dashboard

    status, headers, body = _get(_visitor(), second.url + url)
    assert status == 200 and "Version two" in body, body[:300]
    assert headers.get("X-Page-Cache") != "hit"


def _ranked(server, slug="velo-cargo") -> list[str]:
    status, _headers, body = _get(
        _visitor(), f"{server.url}/api/v1/projects/{slug}/matches?size=5"
    )
    assert status == 200, body[:300]
    return [match["slug"] for match in json.loads(body)["results"]]


def test_a_match_cache_entry_invalidated_elsewhere_is_served_by_neither(web, redis_url):
    """The first process ranks and caches in Redis, the second reuses that
    entry; an offer indexed by the worker's drain (another process) empties
    it for both, so neither serves the old ranking again."""
    site, (first, second), _made = web
    time.sleep(2.5)  # past the settling time of the set-up's drains
    before = _ranked(first)
    assert before == ["cycliste-un"]
    store = redis.Redis.from_url(redis_url)
    assert store.keys("matches:*hub:matches:*")  # the ranking is in Redis
    assert _ranked(second) == before

    # A new offer changes no record's date (part of the cache's key): only
    # the drain's invalidation can make the cached ranking go.
    site.python(
        """
        from members.models import Member, Offer
        member = Member.objects.get(slug="atelier-deux")
        Offer.objects.create(member=member, text="livraison en vélo cargo")
        result = member.pk
        """,
        HUB_SEARCH_DRAIN_ON_COMMIT="0",
    )
    assert _ranked(second) == before  # not searchable yet: nothing to show
    site.manage("hub_scheduler", "--once", "outbox-drain")
    site.manage("db_worker", "--batch", "--no-reload", "--no-startup-delay")
    # The index shows the drain after its next refresh (every second); a stale
    # entry would be served for HUB_MATCH_CACHE_SECONDS (600 s), far longer.
    wanted = {"cycliste-un", "atelier-deux"}
    deadline = time.monotonic() + 20
    while set(_ranked(second)) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
    for server in (second, first):
        assert set(_ranked(server)) == wanted


def test_the_log_in_limit_counts_across_both_processes(web):
    """Failed log-ins alternate between the processes; the limit, counted in
    Redis, stops the right password too."""
    _site, servers, _made = web
    browser, jar = _browser()
    page = _get(browser, f"{servers[0].url}/admin/login/")[2]
    token = TOKEN.search(page)[1]

    def attempt(i, password):
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "root", "password": password}
        ).encode()
        return _get(browser, f"{servers[i % 2].url}/admin/login/", data)[2]

    for i in range(12):
        attempt(i, "wrong-pw")
    body = attempt(12, "right-pw")
    assert "Too many failed log-in attempts" in body
    assert not any(c.name == "sessionid" for c in jar)


def test_emptying_the_match_cache_leaves_the_limits_and_pages(settings, redis_url):
    """In one Redis, forgetting every ranking moves a generation on: rate-limit
    counters and cached pages stay."""
    from hub.settings.base import cache_from_url
    from search.match_cache import match_cache_clear

    settings.CACHES = {
        alias: {**cache_from_url(redis_url), "KEY_PREFIX": alias}
        for alias in ("limits", "pages", "matches")
    } | {"default": settings.CACHES["default"]}
    caches["limits"].set("counter", 3)
    caches["pages"].set("page", "html")
    caches["matches"].set("ranking", [1, 2])
    match_cache_clear()
    assert caches["limits"].get("counter") == 3
    assert caches["pages"].get("page") == "html"


def _production(**env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(sorted({c['BACKEND'].rsplit('.', 1)[1] "
        "for a, c in settings.CACHES.items() if a != 'renditions'}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean
        | {
            "DJANGO_SETTINGS_MODULE": "hub.settings.production",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.org",
            "ELASTICSEARCH_URL": "http://127.0.0.1:9",
        }
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_caches_that_several_machines_cannot_share():
    """One machine may keep pages and matches in files; several need Redis,
    and HUB_REDIS_URL alone puts every shared cache there (image renditions,
    which never change, stay in each process)."""
    assert _production().returncode == 0
    refused = _production(HUB_WEB_MACHINES="2")
    assert refused.returncode != 0
    assert "HUB_REDIS_URL" in refused.stderr
    shared = _production(HUB_WEB_MACHINES="2", HUB_REDIS_URL="redis://127.0.0.1:6379/0")
    assert shared.stdout.strip() == "['RedisCache']", shared.stderr[-500:]
