"""Server time of the network views at one network size.

    python bench/network.py --size 100000                 # standalone
    python bench/network.py --workdir /tmp/w --out r.json   # after indexing.py

Standalone, it imports the generated network of `--size` members
(`bench/generate.py`, no indexing) into a throwaway SQLite file, and records
a contact request for one member in fifty (a tenth of them marked as having
led to a collaboration), so the trends and the members to introduce have
something to count. After `bench/indexing.py` (as `make bench` runs it), it
reuses that database and index, and also times the map page.

Measured in one process, each as the median of `--repeat` runs:
- the collaboration graph's load (once per process, shared with matchmaking);
- `network_health_compute()`: every figure of the editors' view, as the
  background task computes them;
- the editors' view as served (GET /admin/network/ with the kept figures,
  template included: what an editor waits for), the same recomputing the
  figures during the request (`?fresh=1`), and the CSV of the members to
  introduce;
- the profile graph of the member with most partners;
- with an index, the member map page (search + aggregations + SVG).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _setup(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")
    os.environ["DEBUG"] = "0"
    state = {}
    if args.workdir and (args.workdir / "state.json").exists():
        state = json.loads((args.workdir / "state.json").read_text())
        os.environ["DATABASE_URL"] = state["database_url"]
        os.environ["HUB_INDEX_PREFIX"] = state["index_prefix"]
        os.environ["ELASTICSEARCH_URL"] = state["elasticsearch_url"]
    else:
        workdir = Path(tempfile.mkdtemp(prefix="hub-bench-network-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'hub.db'}"
    import django

    django.setup()
    if not state:
        _import(args.size, args.seed)
    return state


def _import(size: int, seed: int) -> None:
    from django.core.management import call_command
    from django.test import override_settings

    from generate import network_files

    from members.models import ContactRequest, ContactStatus, Member

    call_command("migrate", verbosity=0)
    members_path, projects_path = network_files(size=size, seed=seed)
    started = time.perf_counter()
    with override_settings(HUB_EMBEDDINGS=False):
        call_command(
            "hub_import",
            "--members",
            str(members_path),
            "--projects",
            str(projects_path),
            "--no-index",
            verbosity=0,
        )
    pks = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    requests = [
        ContactRequest(
            sender_id=pks[i],
            receiver_id=pks[(i * 7 + 3) % len(pks)],
            message="Bench",
            status=ContactStatus.ACCEPTED if i % 100 < 40 else ContactStatus.PENDING,
            led_to_collaboration=i % 500 == 0,
        )
        for i in range(0, len(pks), 50)
        if pks[i] != pks[(i * 7 + 3) % len(pks)]
    ]
    ContactRequest.objects.bulk_create(requests, batch_size=2000)
    print(
        f"[{size}] imported {len(pks):,} members in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    state = _setup(args)

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client, override_settings

    from hub.network_graph import member_neighbourhood
    from hub.network_health import network_health_compute
    from members.models import Member
    from search.graph import collaboration_graph, graph_reset

    members = Member.objects.count()
    graph_reset()
    started = time.perf_counter()
    graph = collaboration_graph()
    graph_ms = (time.perf_counter() - started) * 1000
    result = {"members": members, "graph_load_ms": graph_ms}
    result["health_compute_ms"] = _median_ms(network_health_compute, args.repeat)
    health = network_health_compute()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    def view(query=""):
        response = client.get("/admin/network/" + query)
        assert response.status_code == 200, response.status_code

    def csv_isolated():
        response = client.get("/admin/network/isolated.csv")
        assert response.status_code == 200
        b"".join(response.streaming_content if response.streaming else [])

    busiest = max(graph.projects_of, key=lambda m: len(graph.projects_of[m]))
    member = Member.objects.get(pk=busiest)
    with override_settings(ALLOWED_HOSTS=["*"]):
        cache.clear()
        view()  # the first visit computes and keeps the figures
        result["health_view_ms"] = _median_ms(view, args.repeat)
        result["health_view_fresh_ms"] = _median_ms(
            lambda: view("?fresh=1"), args.repeat
        )
        result["isolated_csv_ms"] = _median_ms(csv_isolated, args.repeat)
        result["profile_graph_ms"] = _median_ms(
            lambda: member_neighbourhood(member=member), args.repeat
        )
        if state.get("index_prefix"):

            def member_map():
                response = client.get("/en/members/map/?kind=researcher")
                assert response.status_code == 200

            result["member_map_ms"] = _median_ms(member_map, args.repeat)
    result.update(
        tied_members=health.tied_members,
        isolated=len(health.isolated_ids),
        bridges_top=health.bridges[0].score if health.bridges else 0,
        busiest_member_experiments=len(graph.projects_of[busiest]),
    )
    print(
        f"[{members:,} members] network view (GET /admin/network/): "
        f"{result['health_view_ms']:.0f} ms server time; recomputing the figures "
        f"in the request {result['health_view_fresh_ms']:.0f} ms (the background "
        f"task alone {result['health_compute_ms']:.0f} ms); graph load (once per "
        f"process) "
        f"{graph_ms:.0f} ms; isolated CSV {result['isolated_csv_ms']:.0f} ms; "
        f"profile graph {result['profile_graph_ms']:.1f} ms"
        + (
            f"; member map {result['member_map_ms']:.0f} ms"
            if "member_map_ms" in result
            else ""
        ),
        flush=True,
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
