"""The hub's WSGI application, instrumented for the serving benchmark.

`_serve.HubServer` runs gunicorn on `_wsgi:application` (with `bench/` on the
Python path). Per request it adds two response headers, read back from
gunicorn's access log:

- `X-Search-Took`: the sum of Elasticsearch's own `took` (ms) over every
  Elasticsearch call the request made (search, kNN, msearch, ...);
- `X-Search-Wall`: the wall time (ms) spent in those calls on the client side
  (HTTP round trip and JSON decoding included).

Server time minus these is the Django/Python share of the request. The wrapper
patches `elasticsearch`'s `BaseClient.perform_request`, so it sees every view,
API endpoint and matchmaking call without touching their code.

It also loads the sentence encoder when the worker starts, as a long-running
web process would after its first request, so the first measured search does
not pay the model load.
"""

import os
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from elasticsearch._sync.client._base import BaseClient  # noqa: E402

_state = threading.local()
_original = BaseClient.perform_request


def _perform_request(self, *args, **kwargs):
    started = time.perf_counter()
    response = _original(self, *args, **kwargs)
    wall = (time.perf_counter() - started) * 1000
    if getattr(_state, "active", False):
        _state.wall += wall
        body = getattr(response, "body", None)
        if isinstance(body, dict) and isinstance(body.get("took"), int | float):
            _state.took += body["took"]
            _state.calls += 1
    return response


BaseClient.perform_request = _perform_request
django_application = get_wsgi_application()


def _warm_up() -> None:
    from search import embeddings

    if embeddings.enabled():
        embeddings.query_vector("warm-up")


_warm_up()


def application(environ, start_response):
    _state.active, _state.took, _state.wall, _state.calls = True, 0.0, 0.0, 0

    def start(status, headers, exc_info=None):
        if _state.calls:
            headers = [
                *headers,
                ("X-Search-Took", f"{_state.took:.0f}"),
                ("X-Search-Wall", f"{_state.wall:.1f}"),
            ]
        return start_response(status, headers, exc_info)

    try:
        return django_application(environ, start)
    finally:
        _state.active = False
