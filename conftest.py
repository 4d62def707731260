"""Test session wiring: a real Elasticsearch node, per-test index prefixes, and
no traffic beyond this machine."""

import ipaddress
import os
import socket
import uuid

import pytest

from search.node import LocalNode, NodeError

IN_CI = bool(os.environ.get("CI"))


def pytest_configure(config):
    database_url = os.environ.get("DATABASE_URL", "")
    if IN_CI and not database_url.startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError(
            "CI is set but DATABASE_URL does not point at PostgreSQL; "
            ".ci/run must start PostgreSQL and export DATABASE_URL."
        )


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    search = os.environ.get("ELASTICSEARCH_URL") or "local node started by the session"
    return [f"database: {database}", f"elasticsearch: {search}", f"CI: {IN_CI}"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "search_index" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.elasticsearch)


_real_connect = socket.socket.connect


def _loopback_only(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            allowed = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = False
        if not allowed:
            raise OSError(f"Tests may not reach {host}: only this machine is allowed.")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_outside_network():
    socket.socket.connect = _loopback_only
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True)
def _wagtail_roots(request):
    """A transactional test starts from Wagtail's roots (page, collection,
    locales), which migrations create and the previous transactional test's
    flush removed; without them the first image saved has no collection."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" not in request.fixturenames and not (
        marker and marker.kwargs.get("transaction")
    ):
        return
    request.getfixturevalue("transactional_db")
    from hub.tests.factories import site_root_ensure

    site_root_ensure()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever the one before asked.

    A request to /fr/ or /nl/ activates that language in the test's thread, and
    Django leaves it active after the response.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def elasticsearch_url():
    """One real Elasticsearch node for the whole session.

    ELASTICSEARCH_URL wins when set; otherwise the local launcher starts a
    node. Outside CI a node that cannot start skips the tests that need it;
    in CI it fails them.
    """
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        yield url
        return
    # One node per test session, so parallel sessions never stop each other's.
    node = LocalNode(f"test-{os.getpid()}")
    try:
        state = node.start(log=lambda msg: print(msg))
    except NodeError as exc:
        if IN_CI:
            pytest.fail(f"Elasticsearch is required in CI: {exc}", pytrace=False)
        pytest.skip(f"Elasticsearch unavailable: {exc}")
    yield state.url
    node.stop()


@pytest.fixture(scope="session")
def redis_url():
    """One Redis for the session, started by the project's launcher
    (`manage.py redis`, hub/redis_node.py). Outside CI a missing redis-server
    skips the tests that need it; in CI it fails them."""
    from hub.redis_node import LocalRedis, RedisError

    server = LocalRedis(f"test-{os.getpid()}")
    try:
        state = server.start()
    except RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}", pytrace=False)
        pytest.skip(f"Redis unavailable: {exc}")
    yield state.url
    server.stop()


@pytest.fixture
def postgresql():
    """For tests of real concurrency, which SQLite cannot show: outside CI
    they skip on another database; CI runs on PostgreSQL and fails them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (DATABASE_URL=postgresql://…)"
        if IN_CI:
            pytest.fail(f"CI runs on PostgreSQL: {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture
def search_index(elasticsearch_url, settings):
    """A private index prefix on the shared node, dropped after the test."""
    from search.client import get_client
    from search.indices import indices_drop

    settings.ELASTICSEARCH_URL = elasticsearch_url
    settings.HUB_INDEX_PREFIX = f"test-{uuid.uuid4().hex[:10]}"
    yield get_client()
    indices_drop()
