"""Load test: 50 concurrent users against gunicorn and the real node, then a
check that no edit was lost.

    python bench/load.py                      # 50 users, 5 minutes (make bench-load)
    python bench/load.py --duration 60        # a quick run
    python bench/load.py --warmup 60          # leave the first minute out
    python bench/load.py --users 20 --editors 5
    python bench/load.py --queries popular    # a realistic query distribution

The server is `bench/_serve.py`'s `HubServer` (gunicorn with production
settings on loopback, the demo network in a throwaway SQLite database, its own
index prefix on the local `bench` node). Locust runs headless in this process:
visitors browse pages, search (site, members, experiments, the API) and ask
for matches; editors log in through the real log-in form and edit their own
profile through the real edit form, many times. Afterwards every editor's last
successful edit is read back from the database AND from the index. Exit status
1 on any 5xx, any lost edit or any failed request.

With `--warmup S`, the users first run for S seconds that the figures leave
out, printed on one line of their own (requests, p95, CPU a request); their
failures still fail the run and their edits are checked with the others. By
default there is none, so runs compare with the issue's figures. A search
node and web workers just started spend their first minutes compiling (the
JVM's JIT) and filling caches: one tree used 160 ms of CPU a request on a
node started for the run and 87 ms on a node that had served runs before,
and 60 s of warm-up did not close that gap (docs/benchmarks/notes.md).
Compare trees on the same node, started beforehand, and run each more than
once.

The CPU time the web server (gunicorn's master and workers) and the search
node (the Java process listening on ELASTICSEARCH_URL's port) spent during the
run is read from /proc before and after it and printed per request: on a
shared machine it is a steadier figure than latencies. (The node's figure
counts whatever else used that node meanwhile.)

Queries: `--queries uniform` (the default) picks each search among the twelve
`QUERIES` with equal chances. `--queries popular` follows what a site's search
log looks like: a few popular queries and a long tail — the twelve, then the
labelled queries of `search_quality_queries.jsonl`, picked with Zipf weights
(1 / rank), and one search in five a query nobody typed before (two words of
the labelled queries drawn at random).
"""

from __future__ import annotations

# Locust patches the standard library with gevent: import it before the rest.
from locust import HttpUser, between, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import json
import random
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import gevent

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _mix import (  # noqa: E402
    ACCOUNTS_SCRIPT,
    BROWSE_PAGES,
    PASSWORD,
    SEARCH_PAGES,
    FormParser,
    QueryMix,
)
from _serve import HubServer, cpu_seconds, listening_pids  # noqa: E402

FIVE_XX: Counter = Counter()
EDITS: dict[str, str] = {}  # member slug -> last description the server accepted
SAVES: Counter = Counter()
STOPPING = False
# member slug -> every description sent, in order (a save whose response was
# lost may still have committed: it counts as a newer state, not a loss).
ATTEMPTS: dict[str, list[str]] = {}


def _checked(response, name, ok=(200,)):
    """Mark 5xx and unexpected statuses as failures (counted separately)."""
    if response.status_code == 0 and STOPPING:
        # Cut off by the end of the run, not refused by the server.
        response.success()
    elif response.status_code >= 500:
        FIVE_XX[name] += 1
        response.failure(f"{response.status_code}")
    elif response.status_code == 0:
        # No HTTP answer at all: name the client-side error (reset, timeout…).
        response.failure(f"no response: {type(response.error).__name__}")
    elif response.status_code not in ok:
        response.failure(f"unexpected {response.status_code}")
    else:
        response.success()


MIX = QueryMix()


class Base(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.5)
    slugs: dict = {}

    def get(self, url, name, ok=(200,), **kwargs):
        with self.client.get(url, name=name, catch_response=True, **kwargs) as r:
            _checked(r, name, ok)
            return r


class Visitor(Base):
    """Anonymous: pages, search pages, live search, the API and matches."""

    weight = 4

    @task(4)
    def browse(self):
        page = random.choice(BROWSE_PAGES)
        self.get(page, "page")

    @task(3)
    def profile(self):
        self.get(f"/en/members/{random.choice(self.slugs['members'])}/", "profile")

    @task(2)
    def experiment(self):
        self.get(f"/en/projects/{random.choice(self.slugs['projects'])}/", "experiment")

    @task(5)
    def search(self):
        q = MIX.next()
        where = random.choice(SEARCH_PAGES)
        headers = {"HX-Request": "true"} if random.random() < 0.5 else {}
        self.get(where, "search", params={"q": q}, headers=headers)

    @task(2)
    def api_search(self):
        self.get(
            random.choice(["/api/v1/members", "/api/v1/projects"]),
            "api search",
            params={"q": MIX.next(), "size": 10},
        )

    @task(2)
    def matches(self):
        if random.random() < 0.5:
            slug = random.choice(self.slugs["projects"])
            self.get(f"/api/v1/projects/{slug}/matches", "matchmaking")
        else:
            slug = random.choice(self.slugs["members"])
            self.get(f"/api/v1/members/{slug}/matches", "matchmaking")


class Editor(Base):
    """Logged in: edits its own profile through the real form, repeatedly."""

    weight = 1
    accounts: list = []

    def on_start(self):
        self.account = self.accounts.pop()
        login = self.get("/en/accounts/login/", "login page")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/en/accounts/login/",
            {
                "login": self.account["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": login.url},
            name="log in",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            _checked(r, "log in", ok=(302,))
        self.seq = 0

    @task(3)
    def edit_profile(self):
        slug = self.account["slug"]
        url = f"/en/members/{slug}/edit/"
        form = self.get(url, "edit form")
        if form.status_code != 200:
            return
        parser = FormParser(url)
        parser.feed(form.text)
        self.seq += 1
        description = f"Load edit {slug} #{self.seq} at {time.time():.3f}"
        data = [(k, v) for k, v in parser.fields if k != "description"]
        data.append(("description", description))
        ATTEMPTS.setdefault(slug, []).append(description)
        with self.client.post(
            url,
            data,
            headers={"Referer": self.host + url},
            name="edit save",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            _checked(r, "edit save", ok=(302,))
            if r.status_code == 302:
                EDITS[slug] = description
                SAVES["ok"] += 1

    @task(2)
    def dashboard(self):
        self.get("/en/dashboard/", "dashboard")

    @task(1)
    def suggestions(self):
        self.get(f"/api/v1/members/{self.account['slug']}/matches", "matchmaking")


DESCRIPTIONS_SCRIPT = """
import json
from members.models import Member
print(json.dumps({{m.slug: [m.pk, m.description] for m in
    Member.objects.filter(slug__in={slugs!r})}}))
"""


def _last_json(output: str):
    """The JSON line a shell script printed last (anything before is logging)."""
    return json.loads(output.strip().splitlines()[-1])


def _es(server, path, body=None):
    request = urllib.request.Request(
        server.env["ELASTICSEARCH_URL"] + path,
        data=json.dumps(body).encode() if body else None,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def lost_edits(server) -> tuple[int, int]:
    """(profiles whose last acknowledged edit is missing from the database,
    profiles whose indexed description differs from the database's)."""
    slugs = sorted(EDITS)
    if not slugs:
        return 0, 0
    rows = _last_json(
        server.manage("shell", "-c", DESCRIPTIONS_SCRIPT.format(slugs=slugs))
    )
    alias = f"{server.index_prefix}-members"
    _es(server, f"/{alias}/_refresh", {})
    docs = _es(
        server,
        f"/{alias}/_mget",
        {"ids": [str(rows[s][0]) for s in slugs if s in rows]},
    )["docs"]
    indexed = {d["_id"]: d.get("_source", {}).get("description") for d in docs}
    in_db = in_index = 0
    for slug in slugs:
        if slug not in rows:
            continue
        pk, stored = rows[slug]
        tried = ATTEMPTS[slug]
        # The acknowledged edit or a later one (never an older one).
        if stored in tried[tried.index(EDITS[slug]) :]:
            in_db += 1
        if indexed.get(str(pk)) == stored:
            in_index += 1
    return len(slugs) - in_db, len(slugs) - in_index


def percentile_table(stats, duration: float) -> str:
    header = (
        f"{'endpoint':<16}{'requests':>9}{'fails':>7}{'5xx':>6}{'req/s':>8}"
        f"{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
    )
    lines = [header, "-" * len(header)]
    entries = sorted(stats.entries.values(), key=lambda e: -e.num_requests)
    for entry in [*entries, stats.total]:
        name = "TOTAL" if entry is stats.total else entry.name
        lines.append(
            f"{name:<16}{entry.num_requests:>9}{entry.num_failures:>7}"
            f"{(sum(FIVE_XX.values()) if name == 'TOTAL' else FIVE_XX[name]):>6}"
            f"{entry.num_requests / duration:>8.1f}"
            f"{entry.get_response_time_percentile(0.5):>8.0f}"
            f"{entry.get_response_time_percentile(0.95):>8.0f}"
            f"{entry.get_response_time_percentile(0.99):>8.0f}"
            f"{entry.max_response_time or 0:>8.0f}"
        )
    return "\n".join(lines) + "\n(times in ms)"


def main() -> int:
    global MIX
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds")
    parser.add_argument(
        "--warmup",
        type=float,
        default=0,
        help="seconds of the same load before the measured ones",
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--queries",
        choices=["uniform", "popular"],
        default="uniform",
        help="search words: the twelve with equal chances, or popular + long tail",
    )
    args = parser.parse_args()
    random.seed(args.seed)
    MIX = QueryMix(args.queries, args.seed)

    # Plain HTTP on loopback: cookies must not be marked Secure, or the load
    # generator could not log in.
    insecure_cookies = {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}
    with HubServer(demo=True, extra_env=insecure_cookies) as server:
        accounts = _last_json(
            server.manage(
                "shell",
                "-c",
                ACCOUNTS_SCRIPT.format(n=args.editors, password=PASSWORD),
            )
        )
        members = json.loads(
            urllib.request.urlopen(f"{server.url}/api/v1/members?size=100").read()
        )["results"]
        projects = json.loads(
            urllib.request.urlopen(f"{server.url}/api/v1/projects?size=100").read()
        )["results"]
        Base.slugs = {
            "members": [m["slug"] for m in members],
            "projects": [p["slug"] for p in projects],
        }
        Editor.accounts = list(accounts)
        Editor.fixed_count = len(accounts)
        print(
            f"[load] {args.users} users ({len(accounts)} editors) for "
            f"{args.duration:.0f}s on {server.url}; {len(members)} members and "
            f"{len(projects)} experiments searchable",
            flush=True,
        )
        env = Environment(user_classes=[Visitor, Editor], events=events)
        env.host = server.url
        for cls in (Visitor, Editor):
            cls.host = server.url
        runner = env.create_local_runner()
        web_pids = [server.process.pid, *server.worker_pids()]
        node_port = urllib.parse.urlsplit(server.env["ELASTICSEARCH_URL"]).port
        node_pids = listening_pids(node_port) if node_port else []
        cpu_before = cpu_seconds(web_pids), cpu_seconds(node_pids)
        started = time.monotonic()
        server.manage("match_cache_stats", "--reset")
        runner.start(args.users, spawn_rate=args.spawn_rate)
        warmup_failures = 0
        if args.warmup:
            # A node and workers just started spend their first minutes
            # compiling (the JVM's JIT took a fifth of the node's CPU) and
            # filling caches: the same load first, then the measured window.
            gevent.sleep(args.warmup)
            served = max(env.stats.total.num_requests, 1)
            cpu = (
                cpu_seconds(web_pids) - cpu_before[0],
                cpu_seconds(node_pids) - cpu_before[1],
            )
            print(
                f"[load] warm-up: {env.stats.total.num_requests} requests in "
                f"{time.monotonic() - started:.0f}s, p95 "
                f"{env.stats.total.get_response_time_percentile(0.95):.0f} ms, "
                f"CPU a request {1000 * sum(cpu) / served:.1f} ms (web "
                f"{1000 * cpu[0] / served:.1f} ms, search node "
                f"{1000 * cpu[1] / served:.1f} ms); not counted below",
                flush=True,
            )
            warmup_failures = env.stats.total.num_failures
            env.stats.reset_all()
            cpu_before = cpu_seconds(web_pids), cpu_seconds(node_pids)
            started = time.monotonic()
            server.manage("match_cache_stats", "--reset")

        def stop():
            global STOPPING
            STOPPING = True
            runner.quit()

        gevent.spawn_later(args.duration, stop)
        runner.greenlet.join()
        elapsed = time.monotonic() - started
        cpu_web, cpu_node = (
            cpu_seconds(web_pids) - cpu_before[0],
            cpu_seconds(node_pids) - cpu_before[1],
        )

        matches = json.loads(server.manage("match_cache_stats"))
        lost_db, lost_index_before_sync = lost_edits(server)
        server.manage("search_sync", "--all")
        _, lost_index = lost_edits(server)
        errors = sum(1 for line in server.read_access_log()[0] if line.status >= 500)

    stats = env.stats
    print()
    print(percentile_table(stats, elapsed))
    for error in stats.errors.values():
        print(f"failure: {error.name}: {error.error} ×{error.occurrences}")
    print()
    print(f"requests served       {stats.total.num_requests}")
    served = max(stats.total.num_requests, 1)
    print(
        f"CPU per request       {1000 * (cpu_web + cpu_node) / served:.1f} ms "
        f"(web {1000 * cpu_web / served:.1f} ms, search node "
        f"{1000 * cpu_node / served:.1f} ms; {args.queries} queries)"
    )
    print(f"failed requests       {stats.total.num_failures}")
    print(f"5xx (client / server) {sum(FIVE_XX.values())} / {errors}")
    print(f"edits saved           {SAVES['ok']} on {len(EDITS)} profiles")
    print(
        f"match cache hit rate  {matches['hit_rate']:.0%} "
        f"({matches['hits']} of {matches['hits'] + matches['misses']} rankings "
        f"asked for during the run, edits included; {matches['stale']} misses "
        "found an entry that a change had made stale, the others were first "
        "requests or expired)"
    )
    print(f"edits lost (database) {lost_db}")
    print(
        f"edits lost (index)    {lost_index} "
        f"({lost_index_before_sync} still in the outbox before search_sync)"
    )
    if warmup_failures:
        print(f"failed in the warm-up {warmup_failures}")
    bad = (
        stats.total.num_failures
        or warmup_failures
        or FIVE_XX
        or errors
        or lost_db
        or lost_index
    )
    return 1 if bad or not EDITS else 0


if __name__ == "__main__":
    sys.exit(main())
