"""Prometheus metrics of the hub (served at /metrics by hub/health.py).

Request latency and counts come from django-prometheus's middleware; these are
the hub's own: search requests, task failures, and the outbox backlog read
from the database when Prometheus scrapes.
"""

from prometheus_client import Counter, Histogram

SEARCH_SECONDS = Histogram(
    "hub_search_request_seconds",
    "Time of one request to Elasticsearch, by kind (search, write, other).",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SEARCH_ERRORS = Counter(
    "hub_search_errors_total",
    "Requests to Elasticsearch that failed (no node answered, or an error).",
    ["operation"],
)
TASK_FAILURES = Counter(
    "hub_task_failures_total",
    "Background tasks that ended in failure, by task.",
    ["task"],
)


def search_operation(target: str) -> str:
    """The kind of an Elasticsearch request from its path."""
    path = target.split("?", 1)[0]
    if path.endswith(("/_search", "/_msearch", "/_count", "/_mget")) or "/_doc/" in (
        path
    ):
        return "search"
    if path.endswith(("/_bulk", "/_refresh")) or "/_update/" in path:
        return "write"
    return "other"
