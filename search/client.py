"""The Elasticsearch connection, resolved when first used (never at import)."""

from functools import lru_cache

from django.conf import settings

from elasticsearch import Elasticsearch

from search.node import LocalNode


class SearchUnavailable(Exception):
    """Elasticsearch cannot be reached or answered with an error."""


def elasticsearch_url() -> str:
    """ELASTICSEARCH_URL, or the dev node that `manage.py elasticsearch` started."""
    if settings.ELASTICSEARCH_URL:
        return settings.ELASTICSEARCH_URL
    url = LocalNode("dev").url
    if not url:
        raise SearchUnavailable(
            "ELASTICSEARCH_URL is not set and no local node is running "
            "(start one with `python manage.py elasticsearch start`)."
        )
    return url


@lru_cache(maxsize=8)
def _client(url: str, timeout: float) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=timeout, max_retries=0)


def get_client() -> Elasticsearch:
    return _client(elasticsearch_url(), settings.HUB_SEARCH_TIMEOUT)


def index_alias(document: str) -> str:
    """The alias under which a document type is searched, e.g. ``hub-members``."""
    return f"{settings.HUB_INDEX_PREFIX}-{document}s"
