"""Shared set-up for benchmarks: a fresh database and index prefix on a real node."""

import atexit
import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_environment(name: str) -> dict:
    """Point Django at a throwaway SQLite file and a fresh index prefix.

    Elasticsearch is ELASTICSEARCH_URL when set, else a local node named
    `bench` started through the project's launcher (left running for reuse).
    """
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")
    workdir = Path(tempfile.mkdtemp(prefix=f"hub-bench-{name}-"))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{workdir / 'bench.db'}"
    )
    os.environ["HUB_INDEX_PREFIX"] = f"bench-{name}-{uuid.uuid4().hex[:6]}"
    if not os.environ.get("ELASTICSEARCH_URL"):
        from search.node import LocalNode

        state = LocalNode("bench").start()
        os.environ["ELASTICSEARCH_URL"] = state.url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The fresh prefix's indices go when the benchmark ends: left behind, a
    # run's indices weigh on the node every later run measures.
    atexit.register(_indices_drop)
    return {"workdir": workdir, "call_command": call_command}


def _indices_drop() -> None:
    from search.indices import indices_drop

    try:
        indices_drop()
    except Exception as exc:  # the node may be gone already; say so, go on
        print(f"indices of {os.environ['HUB_INDEX_PREFIX']} not dropped: {exc}")
