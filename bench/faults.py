"""Fault benchmark: the site under load while Elasticsearch nodes fail.

    python bench/faults.py                 # make bench-faults: 60 s full outage
    python bench/faults.py --short         # the few-seconds version (make test)

Set-up, all real and on loopback: a 3-node Elasticsearch cluster
(`search.node.LocalCluster`, its own data), a Redis (`manage.py redis
start`), the demo network in a throwaway SQLite database, two gunicorn
servers (`bench/_serve.py`, production settings) sharing that database and
Redis, `manage.py db_worker` and `manage.py hub_scheduler`.

Load (bounded: a few threads with pauses): visitors search (member and
experiment pages, the site search, the API) and read profiles; an editor
saves changes to members (descriptions, new offers) through the ORM in this
process, the same save path as the edit form (outbox row in the saving
transaction, drain after commit).

Phases: warm-up, until the cluster is green; one node down (the elected
master, stopped gracefully; 30 s, or 5 with --short); all nodes down (60 s,
or 5); the nodes restarted on their data. Each phase begins when its first
node is told to stop, and a request counts in the phase in force when its
answer came: stopping a node takes seconds, and the searches answered while
the second and third nodes were going down are full-outage searches, not
one-node-down ones (counting them under "one node down" is what made 6 of
25 searches look failed in the first runs). The cluster is back when it
answers again (every primary assigned); edits stop then, searches go on,
and with nobody typing a command the index is compared with the database
document by document every 2 s until they are equal. Every phase change and
node stop is printed with its time since the load began, and each failure
with the times its request began and ended.

Reported: failed searches while one node is down (target 0), server errors
of pages during the full outage (target 0: search pages say search is
unavailable, the API answers 503), lost edits (target 0: an edit that
returned without error must be in the database and, in the end, the index),
and the time from the cluster's return until the index equals the database
(target < 2 min). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _serve import PYTHON, HubServer  # noqa: E402

from search.node import LocalCluster  # noqa: E402

UNAVAILABLE = "temporarily unavailable"
QUERIES = ["logement", "woning", "housing", "énergie", "repair", "coopérative"]
CONSISTENCY_LIMIT = 300.0


def _log(message: str) -> None:
    print(f"[faults] {message}", file=sys.stderr, flush=True)


@dataclass
class Tally:
    """What the visitors saw, by phase."""

    requests: Counter = field(default_factory=Counter)
    searches: Counter = field(default_factory=Counter)
    failed_searches: Counter = field(default_factory=Counter)
    server_errors: Counter = field(default_factory=Counter)
    api_unavailable: Counter = field(default_factory=Counter)
    unavailable_pages: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)

    def note(self, phase, kind, detail):
        if len(self.examples) < 40:
            self.examples.append((phase, kind, detail))


class Clock:
    """The current phase and the seconds since the benchmark's load began;
    every phase change and node stop is logged with its time, so that each
    failure can be placed against the events."""

    def __init__(self):
        self.started = time.monotonic()
        self.phase = "warm-up"
        self.events: list[tuple[float, str]] = []

    def now(self) -> float:
        return time.monotonic() - self.started

    def event(self, what: str) -> None:
        self.events.append((self.now(), what))
        _log(f"t={self.now():.1f} s: {what}")

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.event(f"phase {phase}")


class Load:
    """Visitor threads against both servers, tallied under the current phase."""

    def __init__(
        self, urls: list[str], slugs: list[str], clock: Clock, *, threads: int = 3
    ):
        self.urls, self.slugs, self.clock = urls, slugs, clock
        self.tally = Tally()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._visitor, args=(i,), daemon=True)
            for i in range(threads)
        ]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _get(self, url: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:
            return 0, repr(exc)

    def _visitor(self, seed: int):
        rng = random.Random(seed)
        while not self.stopping.is_set():
            base = rng.choice(self.urls)
            q = urllib.parse.quote(rng.choice(QUERIES))
            kind, path = rng.choice(
                [
                    ("page-search", f"/en/members/?q={q}"),
                    ("page-search", f"/en/projects/?q={q}"),
                    ("page-search", f"/en/search/?q={q}"),
                    ("api-search", f"/api/v1/members?q={q}"),
                    ("page", f"/en/members/{rng.choice(self.slugs)}/"),
                ]
            )
            started = self.clock.now()
            status, body = self._get(base + path)
            # A search belongs to the phase in force when its answer came:
            # one that ends after the other nodes began to stop is not a
            # search "while one node is down", and one that began before
            # the node left but ends after it is.
            phase = self.clock.phase
            ended = self.clock.now()
            detail = f"{path} (t={started:.1f}–{ended:.1f} s)"
            self._count(phase, kind, detail, status, body)
            time.sleep(rng.uniform(0.05, 0.3))

    def _count(self, phase, kind, path, status, body):
        t = self.tally
        t.requests[phase] += 1
        if status >= 500 and not (kind == "api-search" and status == 503):
            t.server_errors[phase] += 1
            t.note(phase, "server error", f"{status} {path}")
        if kind == "api-search" and status == 503:
            t.api_unavailable[phase] += 1
        if kind == "page-search" and status == 200 and UNAVAILABLE in body:
            t.unavailable_pages[phase] += 1
        search_ok = status == 200 and UNAVAILABLE not in body
        if kind != "page":
            t.searches[phase] += 1
        if kind != "page" and not search_ok:
            t.failed_searches[phase] += 1
            t.note(phase, "failed search", f"{status} {path}")


class Editor:
    """Saves member changes through the ORM, remembering what was accepted."""

    def __init__(self, member_ids: list[int], clock: Clock):
        self.member_ids, self.clock = member_ids, clock
        self.accepted: dict[int, str] = {}  # member id -> last description saved
        self.offers: list[int] = []
        self.errors: list[str] = []
        self.saves = Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=60)

    def _run(self):
        from django.db import close_old_connections

        from members.models import Member, Offer

        rng = random.Random(42)
        step = 0
        while not self.stopping.is_set():
            step += 1
            pk = rng.choice(self.member_ids)
            phase = self.clock.phase
            text = f"Edit {step} during {phase} {uuid.uuid4().hex[:6]}"
            try:
                member = Member.objects.get(pk=pk)
                if step % 4 == 0:
                    offer = Offer.objects.create(member=member, text=text)
                    self.offers.append(offer.pk)
                else:
                    member.description = text
                    member.save()
                    self.accepted[pk] = text
                self.saves[phase] += 1
            except Exception as exc:  # noqa: BLE001 - a failed save is a finding
                self.errors.append(f"{phase}: {exc!r}")
            finally:
                close_old_connections()
            time.sleep(rng.uniform(0.2, 0.5))


def index_equals_database() -> tuple[bool, str]:
    """Every indexed document equals what the database would index now."""
    from elasticsearch.helpers import scan
    from elasticsearch.serializer import JSONSerializer

    from search.client import get_client, index_alias
    from search.documents import DOCUMENTS, documents_prepare

    client = get_client()
    for document, doc_class in DOCUMENTS.items():
        client.indices.refresh(index=index_alias(document))
        indexed = {
            int(hit["_id"]): hit["_source"]
            for hit in scan(client, index=index_alias(document), size=500)
        }
        objects = list(doc_class.indexable().order_by("pk"))
        expected = {
            obj.pk: json.loads(JSONSerializer().dumps(source))
            for obj, source in zip(
                objects, documents_prepare(doc_class, objects), strict=True
            )
        }
        if set(indexed) != set(expected):
            missing = len(set(expected) - set(indexed))
            extra = len(set(indexed) - set(expected))
            return False, f"{document}: {missing} missing, {extra} extra"
        differing = [pk for pk, source in expected.items() if indexed[pk] != source]
        if differing:
            return False, f"{document}: {len(differing)} differ"
    return True, "equal"


def _start_redis(name: str, env: dict) -> str | None:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "redis", "start", "--name", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("export HUB_REDIS_URL="):
            return line.split("=", 1)[1]
    _log(f"no Redis ({result.stderr.strip()[-300:]}): file caches instead")
    return None


def _stop_redis(name: str, env: dict) -> None:
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "redis", "stop", "--name", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )


def _process(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - kept by the child
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    out.close()
    return process


def _end(process: subprocess.Popen | None) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Result:
    failed_searches_one_down: int
    searches_one_down: int
    page_errors_one_down: int
    page_errors_all_down: int
    requests_all_down: int
    api_503_all_down: int
    unavailable_pages_all_down: int
    lost_edits: int
    edits: int
    edits_all_down: int
    consistent_after: float | None
    worker_ran: bool
    examples: list
    events: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.failed_searches_one_down == 0
            and self.page_errors_all_down == 0
            and self.lost_edits == 0
            and self.consistent_after is not None
            and self.consistent_after < 120
        )

    def table(self, *, outage: float) -> str:
        def row(what, value, target, ok):
            return f"| {what} | {value} | {target} | {'yes' if ok else 'NO'} |"

        consistent = (
            f"{self.consistent_after:.1f} s"
            if self.consistent_after is not None
            else f"not within {CONSISTENCY_LIMIT:.0f} s"
        )
        return "\n".join(
            [
                "| measure | value | target | met |",
                "| --- | --- | --- | --- |",
                row(
                    "failed searches, one node down",
                    f"{self.failed_searches_one_down} of {self.searches_one_down}",
                    "0",
                    self.failed_searches_one_down == 0,
                ),
                row(
                    f"server errors on pages, all nodes down ({outage:.0f} s)",
                    f"{self.page_errors_all_down} of {self.requests_all_down}",
                    "0",
                    self.page_errors_all_down == 0,
                ),
                row(
                    "search pages saying search is unavailable / API 503",
                    f"{self.unavailable_pages_all_down} / {self.api_503_all_down}",
                    "> 0",
                    True,
                ),
                row(
                    "lost edits",
                    f"{self.lost_edits} of {self.edits} "
                    f"({self.edits_all_down} during the full outage)",
                    "0",
                    self.lost_edits == 0,
                ),
                row(
                    "cluster back → index equals database, no command typed",
                    consistent,
                    "< 120 s",
                    self.consistent_after is not None and self.consistent_after < 120,
                ),
            ]
        )


def _wait_for_green(url: str, *, timeout: int = 120) -> None:
    health_url = f"{url}/_cluster/health?wait_for_status=green&timeout={timeout}s"
    with urllib.request.urlopen(health_url, timeout=timeout + 10) as response:
        health = json.loads(response.read())
    _log(
        f"cluster {health['status']}: {health['active_shards']} shards active, "
        f"{health['unassigned_shards']} unassigned"
    )


def _master(cluster: LocalCluster):
    """The node of `cluster` that is the elected master."""
    with urllib.request.urlopen(
        f"{cluster.urls[0]}/_cat/master?format=json", timeout=10
    ) as response:
        name = json.loads(response.read())[0]["node"]
    return next(node for node in cluster.nodes if f"hub-{node.name}" == name)


def _answers(urls: list[str]) -> bool:
    """Some node answers with a cluster of every primary assigned."""
    for url in urls:
        try:
            with urllib.request.urlopen(
                f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5
            ) as response:
                if not json.loads(response.read())["timed_out"]:
                    return True
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            continue
    return False


def _copies(url: str, node: str) -> str:
    """The shard copies a node holds, e.g. "members primary, projects replica"."""
    with urllib.request.urlopen(
        f"{url}/_cat/shards?format=json&h=index,prirep,node", timeout=10
    ) as response:
        rows = json.loads(response.read())
    kinds = {"p": "primary", "r": "replica"}
    held = [
        f"{row['index'].split('-')[-2]} {kinds[row['prirep']]}"
        for row in rows
        if row["node"] == node
    ]
    return ", ".join(sorted(held)) or "no shard"


def _shards(url: str) -> str:
    with urllib.request.urlopen(f"{url}/_cat/shards?v", timeout=10) as response:
        return response.read().decode()


def run(*, short: bool = False) -> Result:
    warm, one_down, all_down = (3, 5, 5) if short else (15, 30, 60)
    tag = uuid.uuid4().hex[:6]
    cluster = LocalCluster(f"faults-{tag}", nodes=3)
    servers: list[HubServer] = []
    worker = scheduler = None
    redis_name = f"faults-{tag}"
    base_env = dict(os.environ)
    try:
        _log("starting a 3-node Elasticsearch cluster")
        cluster.start(log=_log)
        os.environ["ELASTICSEARCH_URL"] = ",".join(cluster.urls)
        redis_url = _start_redis(redis_name, base_env)
        extra = {"HUB_EMBEDDINGS": "0", "HUB_LOG_FORMAT": "plain"}
        if redis_url:
            extra["HUB_REDIS_URL"] = redis_url
        first = HubServer(demo=True, workers=1, threads=4, extra_env=extra)
        first.start()
        servers.append(first)
        second = HubServer(
            database_url=first.database_url,
            index_prefix=first.index_prefix,
            load=False,
            rebuild=False,
            workers=1,
            threads=4,
            extra_env=extra,
        )
        second.start()
        servers.append(second)
        env = first.env
        logs = first.workdir
        worker = _process(["db_worker"], env, logs / "worker.log")
        scheduler = _process(["hub_scheduler"], env, logs / "scheduler.log")

        # This process reads and writes the same database and index.
        os.environ.update(env)
        import logging

        import django

        django.setup()
        # The editor's saves during the outage log every refused drain.
        for name in ("elastic_transport", "search"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        from django.db import connections

        from members.models import Member

        members = list(Member.objects.published().order_by("pk")[:60])
        slugs = [m.slug for m in members]
        connections.close_all()

        clock = Clock()
        load = Load([s.url for s in servers], slugs, clock)
        editor = Editor([m.pk for m in members], clock)
        load.start()
        editor.start()

        from search.client import SearchUnavailable
        from search.selectors import documents_search

        def phase(seconds):
            """Hold the current phase; this process searches too, to name any
            failure."""
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    documents_search(document="member", query="logement")
                except SearchUnavailable as exc:
                    if clock.phase == "one node down":
                        clock.event(f"in-process search failed: {str(exc)[:400]}")
                time.sleep(0.5)

        clock.enter("warm-up")
        phase(warm)
        # Every shard has its replica before a node goes: otherwise a primary
        # whose copy is still recovering takes its searches down with it, and
        # the benchmark measures the rebuild rather than the cluster.
        _wait_for_green(cluster.urls[0])
        # The phases begin when the first node of each is told to stop: a
        # search answered while the node leaves counts as one-node-down, and
        # one answered once the second node is leaving counts as full outage
        # (stopping a node takes seconds: it would otherwise be counted as
        # "one node down" while two or three nodes are gone).
        # The node that goes is the elected master, the harder case: the
        # others elect a new one while they go on answering searches.
        urls = cluster.urls
        leaving = _master(cluster)
        _log(f"shards before a node leaves:\n{_shards(urls[0])}")
        clock.enter("one node down")
        held = _copies(urls[0], f"hub-{leaving.name}")
        clock.event(f"stopping {leaving.name} (the elected master; holds {held})")
        leaving.stop(keep_data=True)
        clock.event(f"{leaving.name} stopped")
        remaining = next(node for node in cluster.nodes if node.running())
        _log(f"shards once it left:\n{_shards(remaining.running().url)}")
        phase(one_down)
        clock.enter("all nodes down")
        for node in cluster.nodes:
            if node.running():
                clock.event(f"stopping {node.name}")
                node.stop(keep_data=True)
                clock.event(f"{node.name} stopped")
        phase(all_down)
        clock.enter("restarting")
        clock.event("starting every node on its data")
        start_errors = []

        def start():
            try:
                cluster.start(log=_log)
                clock.event("cluster green")
            except Exception as exc:  # noqa: BLE001 - reported below
                start_errors.append(exc)

        starting = threading.Thread(target=start, daemon=True)
        starting.start()
        # The cluster is back when it answers searches again (every primary
        # assigned: yellow); replicas may still be recovering.
        while not _answers(urls) and starting.is_alive():
            time.sleep(0.5)
        if start_errors:
            raise start_errors[0]
        returned = time.monotonic()
        clock.enter("after")
        clock.event("cluster back (yellow)")
        editor.stop()
        _log("cluster back; waiting for the index to equal the database")
        consistent_after = None
        while time.monotonic() - returned < CONSISTENCY_LIMIT:
            try:
                equal, detail = index_equals_database()
            except Exception as exc:  # noqa: BLE001 - not ready yet
                equal, detail = False, repr(exc)[:200]
            if equal:
                consistent_after = time.monotonic() - returned
                break
            time.sleep(2)
        if consistent_after is None:
            _log(f"index still differs: {detail}")
        else:
            clock.event("index equals the database")
        load.stop()
        starting.join(timeout=300)

        lost = 0
        by_pk = {m.pk: m for m in Member.objects.filter(pk__in=editor.accepted)}
        for pk, text in editor.accepted.items():
            if by_pk[pk].description != text:
                lost += 1
        from members.models import Offer

        lost += len(editor.offers) - Offer.objects.filter(pk__in=editor.offers).count()
        lost += len(editor.errors)
        from django_tasks_db.models import DBTaskResult

        worker_ran = DBTaskResult.objects.filter(finished_at__isnull=False).exists()
        t = load.tally
        return Result(
            failed_searches_one_down=t.failed_searches["one node down"],
            searches_one_down=t.searches["one node down"],
            page_errors_one_down=t.server_errors["one node down"],
            page_errors_all_down=t.server_errors["all nodes down"],
            requests_all_down=t.requests["all nodes down"],
            api_503_all_down=t.api_unavailable["all nodes down"],
            unavailable_pages_all_down=t.unavailable_pages["all nodes down"],
            lost_edits=lost,
            edits=sum(editor.saves.values()),
            edits_all_down=editor.saves["all nodes down"],
            consistent_after=consistent_after,
            worker_ran=worker_ran,
            examples=t.examples + [("editor", "error", e) for e in editor.errors],
            events=[(round(at, 1), what) for at, what in clock.events],
        )
    finally:
        _end(scheduler)
        _end(worker)
        for server in servers:
            server.stop()
        _stop_redis(redis_name, base_env)
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="A few seconds a phase.")
    parser.add_argument("--json", help="Also write the figures to this file.")
    args = parser.parse_args()
    result = run(short=args.short)
    if args.json:
        figures = {**result.__dict__, "passed": result.passed}
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    print(result.table(outage=5 if args.short else 60))
    for example in result.examples[:10]:
        print("  ", *example)
    print("events:")
    for at, what in result.events:
        print(f"   t={at:.1f} s {what}")
    sys.exit(0 if result.passed else 1)


if __name__ == "__main__":
    main()
