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

With `BENCH_PROFILE_DIR` set, every request runs under cProfile (one profiler
per worker thread, timing the thread's CPU time; its statistics are written to
`DIR/<pid>-<thread>.prof` every 50 requests and at exit), which
`python bench/profile_report.py DIR` merges: the CPU of the load mix, where
it goes.
"""

import atexit
import cProfile
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


_PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
_profilers: list[tuple[cProfile.Profile, str]] = []
_profile_lock = threading.Lock()


def _profiler() -> tuple[cProfile.Profile, str] | None:
    if not _PROFILE_DIR:
        return None
    entry = getattr(_state, "profiler", None)
    if entry is None:
        path = os.path.join(_PROFILE_DIR, f"{os.getpid()}-{threading.get_ident()}.prof")
        # CPU time of this thread, not wall time: waiting for a core or a
        # lock is not where the CPU goes.
        entry = _state.profiler = (cProfile.Profile(time.thread_time), path)
        _state.served = 0
        with _profile_lock:
            _profilers.append(entry)
    return entry


def _dump_profiles() -> None:
    with _profile_lock:
        for profiler, path in _profilers:
            profiler.dump_stats(path)


atexit.register(_dump_profiles)


def application(environ, start_response):
    profiling = _profiler()
    if profiling is None:
        return _application(environ, start_response)
    profiler, path = profiling
    profiler.enable()
    try:
        # Templates and JSON are rendered by the time Django returns.
        return _application(environ, start_response)
    finally:
        profiler.disable()
        _state.served += 1
        if _state.served % 50 == 0:
            profiler.dump_stats(path)


def _application(environ, start_response):
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
