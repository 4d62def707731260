"""The Elasticsearch connection, resolved when first used (never at import).

`ELASTICSEARCH_URL` may list several nodes, comma-separated: the client sends
each request to a live one and retries on another when a node fails, so
searches go on while a node of the cluster is down.
"""

import os
import time
from functools import lru_cache

from django.conf import settings

from elastic_transport import Transport
from elasticsearch import Elasticsearch

from hub.metrics import SEARCH_ERRORS, SEARCH_SECONDS, search_operation
from search.node import LocalCluster

# A node that failed is left aside for 1 s, then 2 s, 4 s... up to this.
DEAD_NODE_MAX_BACKOFF = 10.0


class SearchUnavailable(Exception):
    """Elasticsearch cannot be reached or answered with an error."""


class MeasuredTransport(Transport):
    """The client's transport, timing every request for /metrics.

    Failover is the transport's own: a request that finds a node down (or
    answering 502, 503, 504) goes at once to another node. No pause is added
    before a new round: with one node of three stopped, even the elected
    master, the two others answer every search (bench/faults.py: 0 failed),
    and during a full outage a pause would only hold every search page for
    seconds before it says search is unavailable.
    """

    def perform_request(self, method, target, **kwargs):
        operation = search_operation(target)
        started = time.perf_counter()
        try:
            response = super().perform_request(method, target, **kwargs)
        except Exception:
            SEARCH_ERRORS.labels(operation).inc()
            raise
        finally:
            SEARCH_SECONDS.labels(operation).observe(time.perf_counter() - started)
        if response.meta.status >= 500:
            SEARCH_ERRORS.labels(operation).inc()
        return response


def elasticsearch_urls(value: str) -> list[str]:
    """The node URLs of a comma-separated ELASTICSEARCH_URL."""
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]


def elasticsearch_url() -> str:
    """ELASTICSEARCH_URL, or the dev node(s) that `manage.py elasticsearch` started."""
    if settings.ELASTICSEARCH_URL:
        return settings.ELASTICSEARCH_URL
    url = LocalCluster("dev").url
    if not url:
        raise SearchUnavailable(
            "ELASTICSEARCH_URL is not set and no local node is running "
            "(start one with `python manage.py elasticsearch start`)."
        )
    return url


@lru_cache(maxsize=8)
def _client(url: str, timeout: float) -> Elasticsearch:
    hosts = elasticsearch_urls(url)
    # One node: fail at once (a save never waits on search). Several: a
    # request that finds a node down or slow is retried on each other node.
    return Elasticsearch(
        hosts,
        request_timeout=timeout,
        max_retries=len(hosts) - 1,
        retry_on_timeout=len(hosts) > 1,
        dead_node_backoff_factor=1.0,
        max_dead_node_backoff=DEAD_NODE_MAX_BACKOFF,
        transport_class=MeasuredTransport,
    )


# A forked process (a preloaded web server's workers, a pool of processes)
# must not share its parent's open connections: two processes reading one
# socket get each other's answers. Each child makes its own on first use.
os.register_at_fork(after_in_child=_client.cache_clear)


def get_client() -> Elasticsearch:
    return _client(elasticsearch_url(), settings.HUB_SEARCH_TIMEOUT)


def index_alias(document: str) -> str:
    """The alias under which a document type is searched, e.g. ``hub-members``."""
    return f"{settings.HUB_INDEX_PREFIX}-{document}s"
