"""Health and metrics endpoints for load balancers and Prometheus.

- `/healthz`: the process answers (no database, nothing else); for liveness.
- `/readyz`: what serving needs, checked now, as JSON. The database and the
  cache are required (503 without them); Elasticsearch, the worker's heartbeat
  and the outbox only degrade the site (search says it is unavailable, changes
  wait in the outbox), so they turn the status to "degraded" but keep the 200,
  so that a search outage never takes every web process out of the load
  balancer. `?strict=1` answers 503 for a degraded state too (monitoring).
- `/metrics`: Prometheus text format, from loopback without a proxy header,
  or with `Authorization: Bearer $HUB_METRICS_TOKEN`.

None of them is cached, rate-limited or language-prefixed, and none shows a
secret: no URL, host name, password or error text from a backend.
"""

import hmac
import ipaddress
import logging
import os
import time
import uuid

from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger("hub.health")

# Over these, /readyz reports the part as degraded.
WORKER_STALE_SECONDS = 180
OUTBOX_STALE_SECONDS = 300


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a failed check is the answer
        # The log keeps the reason; the answer only says the part failed.
        logger.warning("readiness check %s failed: %r", check.__name__, exc)
        result = {"status": "fail"}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def check_cache() -> dict:
    """Write and read back a key in the caches that every process shares."""
    for alias in ("default", "limits"):
        cache = caches[alias]
        key, value = f"hub-readyz-{uuid.uuid4().hex}", "1"
        cache.set(key, value, 10)
        if cache.get(key) != value:
            return {"status": "fail"}
        cache.delete(key)
    return {"status": "ok"}


def check_search() -> dict:
    from search.client import get_client

    client = get_client().options(request_timeout=2, max_retries=0)
    health = client.cluster.health()
    status = health["status"]
    return {
        "status": "fail" if status == "red" else "ok",
        "cluster": status,
        "nodes": health["number_of_nodes"],
        "unassigned_shards": health["unassigned_shards"],
    }


def worker_heartbeat_age() -> float | None:
    """Seconds since the worker last took or finished a task (hub/tasks.py);
    None when unknown."""
    try:
        from hub.tasks import worker_heartbeat_age as heartbeat
    except ImportError:
        return None
    return heartbeat()


def check_worker() -> dict:
    age = worker_heartbeat_age()
    if age is None:
        return {"status": "unknown", "heartbeat_age_s": None}
    status = "ok" if age <= WORKER_STALE_SECONDS else "stale"
    return {"status": status, "heartbeat_age_s": round(age, 1)}


def outbox_backlog() -> tuple[int, float | None]:
    """Rows waiting for the index, and the age in seconds of the oldest."""
    from search.models import OutboxEntry

    oldest = OutboxEntry.objects.order_by("created_at").values_list(
        "created_at", flat=True
    )
    first = oldest.first()
    age = (timezone.now() - first).total_seconds() if first else None
    return OutboxEntry.objects.count(), age


def check_outbox() -> dict:
    rows, age = outbox_backlog()
    status = "ok" if age is None or age <= OUTBOX_STALE_SECONDS else "stale"
    return {
        "status": status,
        "rows": rows,
        "oldest_age_s": None if age is None else round(age, 1),
    }


REQUIRED = {"database": check_database, "cache": check_cache}
OPTIONAL = {"search": check_search, "worker": check_worker, "outbox": check_outbox}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {name: _timed(check) for name, check in REQUIRED.items()}
    if checks["database"]["status"] == "ok":
        checks.update((name, _timed(check)) for name, check in OPTIONAL.items())
    else:
        # Without the database neither the worker nor the outbox can be read.
        checks["search"] = _timed(check_search)
    failed = any(checks[name]["status"] != "ok" for name in REQUIRED)
    degraded = any(
        check["status"] in ("fail", "stale")
        for name, check in checks.items()
        if name in OPTIONAL
    )
    status = "fail" if failed else "degraded" if degraded else "ok"
    strict = request.GET.get("strict") in ("1", "true")
    code = 503 if failed or (degraded and strict) else 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


# -- metrics ------------------------------------------------------------------


class DatabaseCollector:
    """Gauges read from the database at scrape time, so every web process
    reports the same figures whichever machine runs the worker."""

    def describe(self):
        return []

    def collect(self):
        try:
            rows, age = outbox_backlog()
        except Exception:  # noqa: BLE001 - a scrape must not fail on this
            return
        yield GaugeMetricFamily(
            "hub_outbox_backlog_rows", "Outbox rows waiting for the index.", rows
        )
        yield GaugeMetricFamily(
            "hub_outbox_oldest_age_seconds",
            "Age of the oldest outbox row (0 when empty).",
            age or 0.0,
        )
        failures = GaugeMetricFamily(
            "hub_task_failures",
            "Failed background tasks kept in the results table, by task.",
            labels=["task"],
        )
        for path, count in _failed_tasks():
            failures.add_metric([path], count)
        yield failures
        heartbeat = worker_heartbeat_age()
        if heartbeat is not None:
            yield GaugeMetricFamily(
                "hub_worker_heartbeat_age_seconds",
                "Seconds since a worker last took or finished a task.",
                heartbeat,
            )


def _failed_tasks() -> list[tuple[str, int]]:
    try:
        from django.db.models import Count

        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return []
    return list(
        DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
        .values_list("task_path")
        .annotate(n=Count("id"))
        .order_by("task_path")
    )


def _metrics_allowed(request) -> bool:
    token = os.environ.get("HUB_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    # A reverse proxy on the same machine would make every caller look local.
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _process_registry():
    from prometheus_client import REGISTRY, multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn workers write their samples to files; add them all up.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
@require_GET
def metrics(request):
    if not _metrics_allowed(request):
        return HttpResponse(
            "Metrics are served to loopback or with the metrics token.\n",
            status=403,
            content_type="text/plain",
        )
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(database)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
