"""The load benchmark's mix replayed in one process: CPU per request, and where
it goes.

    python bench/load_profile.py                       # 600 requests of the mix
    python bench/load_profile.py --queries popular --requests 1000
    python bench/load_profile.py --keep /tmp/mix       # keep (or reuse) the data
    python bench/profile_report.py /tmp/mix/profile    # the profile, grouped

bench/load.py measures latencies with 50 users on gunicorn; on a machine that
other work shares, those latencies mostly measure the other work. This replays
the same mix (`bench/_mix.py`: the users' tasks and weights, 40 visitors and
10 logged-in editors who edit their own profile through the real form) through
Django's test client in one process with production settings, on the same data
(`HubServer.prepare()`: the demo network, its index on the real node,
collectstatic) and prints the CPU time of this thread per request, by endpoint:
a figure that does not depend on what else runs. A first pass warms the caches
up as a running site would be, a second one is measured, a third runs under
cProfile (CPU timer) and writes `profile/mix.prof`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _mix import (  # noqa: E402
    ACCOUNTS_SCRIPT,
    BROWSE_PAGES,
    EDITOR_TASKS,
    PASSWORD,
    SEARCH_PAGES,
    VISITOR_TASKS,
    FormParser,
    QueryMix,
)
from _serve import HubServer  # noqa: E402


class Replay:
    """Requests of the mix through Django's test client (in the child process)."""

    def __init__(self, *, accounts, slugs, queries: str, seed: int):
        from django.test import Client

        self.random = random.Random(seed)
        self.mix = QueryMix(queries, seed)
        self.slugs = slugs
        self.visitor = Client(SERVER_NAME="localhost")
        self.editors = []
        from django.contrib.auth import get_user_model

        users = get_user_model().objects
        for account in accounts:
            client = Client(SERVER_NAME="localhost")
            client.force_login(users.get(email=account["email"]))
            self.editors.append((client, account["slug"]))
        self.seq = 0

    def plan(self, n: int) -> list[tuple[str, int]]:
        """n tasks: (task, editor index or -1), 40 visitors to 10 editors."""
        out = []
        for _ in range(n):
            if self.random.random() < 0.8:
                task = self.random.choices(
                    list(VISITOR_TASKS), list(VISITOR_TASKS.values())
                )[0]
                out.append((task, -1))
            else:
                task = self.random.choices(
                    list(EDITOR_TASKS), list(EDITOR_TASKS.values())
                )[0]
                out.append((task, self.random.randrange(len(self.editors))))
        return out

    def run(self, task: str, editor: int):
        """Yield (endpoint, response) for each request of one task."""
        r = self.random
        c = self.visitor
        if task == "browse":
            yield "page", c.get(r.choice(BROWSE_PAGES))
        elif task == "profile":
            yield "profile", c.get(f"/en/members/{r.choice(self.slugs['members'])}/")
        elif task == "experiment":
            slug = r.choice(self.slugs["projects"])
            yield "experiment", c.get(f"/en/projects/{slug}/")
        elif task == "search":
            headers = {"HX-Request": "true"} if r.random() < 0.5 else {}
            yield (
                "search",
                c.get(r.choice(SEARCH_PAGES), {"q": self.mix.next()}, headers=headers),
            )
        elif task == "api_search":
            where = r.choice(["/api/v1/members", "/api/v1/projects"])
            yield "api search", c.get(where, {"q": self.mix.next(), "size": 10})
        elif task == "matches":
            if r.random() < 0.5:
                slug = r.choice(self.slugs["projects"])
                yield "matchmaking", c.get(f"/api/v1/projects/{slug}/matches")
            else:
                slug = r.choice(self.slugs["members"])
                yield "matchmaking", c.get(f"/api/v1/members/{slug}/matches")
        else:
            client, slug = self.editors[editor]
            if task == "dashboard":
                yield "dashboard", client.get("/en/dashboard/")
            elif task == "suggestions":
                yield "matchmaking", client.get(f"/api/v1/members/{slug}/matches")
            else:
                url = f"/en/members/{slug}/edit/"
                form = client.get(url)
                yield "edit form", form
                parser = FormParser(url)
                parser.feed(form.content.decode())
                self.seq += 1
                data = defaultdict(list)
                for k, v in parser.fields:
                    if k != "description":
                        data[k].append(v)
                data["description"] = [f"Replay edit {slug} #{self.seq}"]
                yield "edit save", client.post(url, dict(data))


def child(args) -> None:
    """In a process with the server's environment: warm up, measure, profile."""
    import cProfile

    import django

    django.setup()
    from search import embeddings

    embeddings.encoder_load()
    setup = json.loads(Path(args.setup).read_text())
    replay = Replay(
        accounts=setup["accounts"],
        slugs=setup["slugs"],
        queries=args.queries,
        seed=args.seed,
    )
    out = Path(args.out)

    def one_pass(plan, profiler=None):
        cpu = defaultdict(list)
        for task, editor in plan:
            requests = replay.run(task, editor)
            while True:
                started = time.thread_time()
                if profiler:
                    profiler.enable()
                try:
                    endpoint, response = next(requests)
                except StopIteration:
                    break
                finally:
                    if profiler:
                        profiler.disable()
                cpu[endpoint].append(time.thread_time() - started)
                if response.status_code >= 500:
                    raise SystemExit(f"{endpoint}: {response.status_code}")
        return cpu

    one_pass(replay.plan(args.requests))  # warm-up: caches filled, code loaded
    node_before = _node_cpu()
    started = time.monotonic()
    cpu = one_pass(replay.plan(args.requests))
    wall = time.monotonic() - started
    node = _node_cpu() - node_before
    profiler = cProfile.Profile(time.thread_time)
    one_pass(replay.plan(args.requests), profiler)
    (out / "profile").mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(out / "profile" / "mix.prof")
    served = sum(len(v) for v in cpu.values())
    total = sum(sum(v) for v in cpu.values())
    lines = [
        f"{'endpoint':<14}{'requests':>9}{'CPU ms mean':>13}{'p50':>8}{'p95':>8}"
        f"{'share':>8}"
    ]
    for endpoint, values in sorted(cpu.items(), key=lambda kv: -sum(kv[1])):
        values_ms = sorted(1000 * v for v in values)
        lines.append(
            f"{endpoint:<14}{len(values):>9}{statistics.mean(values_ms):>13.1f}"
            f"{values_ms[len(values_ms) // 2]:>8.1f}"
            f"{values_ms[int(0.95 * (len(values_ms) - 1))]:>8.1f}"
            f"{100 * sum(values) / total:>7.1f}%"
        )
    lines.append(
        f"{'ALL':<14}{served:>9}{1000 * total / served:>13.1f}"
        f"  (web process; search node {1000 * node / served:.1f} ms a request, "
        f"{args.queries} queries, {wall:.0f} s)"
    )
    print("\n".join(lines))


def _node_cpu() -> float:
    """CPU seconds of the node serving ELASTICSEARCH_URL (shared: counts others)."""
    from urllib.parse import urlsplit

    from _serve import cpu_seconds, listening_pids

    port = urlsplit(os.environ["ELASTICSEARCH_URL"].split(",")[0]).port
    return cpu_seconds(listening_pids(port)) if port else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--queries", choices=["uniform", "popular"], default="uniform")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--keep", help="directory for the data, reused if present")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    keep = Path(args.keep) if args.keep else None
    setup_file = keep / "setup.json" if keep else None
    insecure = {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}
    if keep and setup_file.exists():
        setup = json.loads(setup_file.read_text())
        server = HubServer(
            database_url=setup["database_url"],
            index_prefix=setup["prefix"],
            load=False,
            rebuild=False,
            extra_env={**insecure, "STATIC_ROOT": setup["static"]},
        )
        server.env = server._environment()
        # The code may have moved on since the data was loaded.
        server.manage("migrate", "--noinput")
        server.manage("collectstatic", "--noinput")
    else:
        server = HubServer(demo=True, extra_env=insecure).prepare()
        accounts = json.loads(
            server.manage(
                "shell",
                "-c",
                ACCOUNTS_SCRIPT.format(n=args.editors, password=PASSWORD),
            )
            .strip()
            .splitlines()[-1]
        )
        slugs = json.loads(
            server.manage("shell", "-c", SLUGS_SCRIPT).strip().splitlines()[-1]
        )
        setup = {
            "accounts": accounts,
            "slugs": slugs,
            "database_url": server.database_url,
            "prefix": server.index_prefix,
            "static": server.env["STATIC_ROOT"],
        }
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            # The server's work directory (database, static) and indices stay.
            server.own_indices = False
            os.environ["BENCH_KEEP_WORKDIR"] = "1"
            setup_file.write_text(json.dumps(setup))
    out = keep or server.workdir
    setup_path = Path(out) / "setup.json"
    setup_path.write_text(json.dumps(setup))
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--setup",
            str(setup_path),
            "--out",
            str(out),
            "--requests",
            str(args.requests),
            "--queries",
            args.queries,
            "--seed",
            str(args.seed),
        ],
        env={**server.env, "PYTHONPATH": f"{HERE.parent}:{HERE}"},
        cwd=HERE.parent,
        check=True,
    )
    print(f"profile: python bench/profile_report.py {out / 'profile'}")
    if not keep:
        server.stop()


# The first 100 published members and experiments, as the load test's users
# pick them from the API.
SLUGS_SCRIPT = """
import json
from members.models import Member
from projects.models import Project
print(json.dumps({
    "members": list(Member.objects.published().order_by("pk")
                    .values_list("slug", flat=True)[:100]),
    "projects": list(Project.objects.published().order_by("pk")
                     .values_list("slug", flat=True)[:100]),
}))
"""


if __name__ == "__main__":
    main()
