"""/healthz, /readyz and /metrics for load balancers and Prometheus."""

import pytest

from members.tests.factories import MemberFactory
from search.models import OutboxEntry

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    """Liveness: 200 and no query at all."""
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_with_every_part_up(client, search_index, settings):
    """Database, cache and search up, empty outbox: 200, status ok, and the
    body names no URL or host."""
    settings.HUB_EMBEDDINGS = False
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["search"]["status"] == "ok"
    assert body["checks"]["search"]["nodes"] >= 1
    assert body["checks"]["outbox"] == {
        "status": "ok",
        "rows": 0,
        "oldest_age_s": None,
        "ms": body["checks"]["outbox"]["ms"],
    }
    assert "127.0.0.1" not in response.text and "http" not in response.text
    assert "no-cache" in response["Cache-Control"]


def test_readyz_degrades_but_stays_in_rotation_when_search_is_down(client, settings):
    """Search unreachable (the test settings' port 9) and edits waiting in the
    outbox: 200 with "degraded" (pages still serve), 503 with ?strict=1."""
    settings.HUB_SEARCH_DRAIN_ON_COMMIT = True
    MemberFactory()
    assert OutboxEntry.objects.exists()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["search"]["status"] == "fail"
    assert body["checks"]["outbox"]["rows"] >= 1
    assert "127.0.0.1:9" not in response.text
    assert client.get("/readyz", {"strict": "1"}).status_code == 503


def test_readyz_fails_without_the_cache(client, settings):
    """A cache that cannot store anything makes the process not ready (503)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "fail"


def test_metrics_from_loopback_only_or_with_the_token(client, monkeypatch):
    """Loopback without a proxy header reads the metrics; through a proxy or
    from elsewhere it needs the bearer token."""
    client.get("/healthz")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "hub_outbox_backlog_rows 0.0" in text
    assert "hub_outbox_oldest_age_seconds" in text

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert client.get("/metrics", **forwarded).status_code == 403

    monkeypatch.setenv("HUB_METRICS_TOKEN", "s3cret-token")
    auth = {"REMOTE_ADDR": "203.0.113.5", "HTTP_AUTHORIZATION": "Bearer s3cret-token"}
    assert client.get("/metrics", **auth).status_code == 200
    wrong = {**auth, "HTTP_AUTHORIZATION": "Bearer nope"}
    assert client.get("/metrics", **wrong).status_code == 403


def test_search_requests_are_measured(client, search_index, settings):
    """A search through the site shows up in the search latency histogram."""
    settings.HUB_EMBEDDINGS = False
    client.get("/en/members/", {"q": "housing"})
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'hub_search_request_seconds_count{operation="search"}' in text
