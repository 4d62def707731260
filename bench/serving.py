"""The site under load: per-endpoint server time, throughput and search share.

    python bench/serving.py --workdir W --out serving.json [--duration 60]
                            [--soak 600] [--concurrency 1,8]

Serves the database and indices that `bench/indexing.py` left in `--workdir`
with gunicorn (`bench/_serve.py`: production settings, 2 workers x 4 threads
by default, `BENCH_WORKERS` / `BENCH_THREADS`), discovers its URLs at run time
(`reverse()` and the page tree, through `manage.py shell`, so the language
prefix is whatever the site uses) and replays a weighted mix of requests:

- member searches (HTML page and JSON API) with 60 queries taken from the
  keywords of real CORDIS projects, a third with a `kind` facet, some sorted by
  newest; experiment searches likewise;
- matchmaking: `/api/v1/projects/<slug>/matches` (with and without `kind`) and
  `/api/v1/members/<slug>/matches`;
- profile pages, experiment pages, and editorial pages (home, news index and
  article, event index, a standard page).

The load generator is a closed loop of N threads (one keep-alive session
each) for `--duration` seconds per concurrency level, after a warm-up pass
over every URL. Server time is gunicorn's own measure of each request (`%(D)s`
in its access log), so the client's overhead is not counted; the
Elasticsearch time per request is the `X-Search-Took` / `X-Search-Wall`
headers of `bench/_wsgi.py`. With `--soak S` the last concurrency level runs
for S seconds and the web workers' resident memory is read at its start,
after its first minute (every worker warm) and at its end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _serve import HubServer  # noqa: E402

EVAL = Path(os.environ.get("HUB_EVAL_DIR", HERE.parent.parent / "shared" / "eval"))
KINDS = ["entrepreneur", "researcher", "public_authority", "federation"]

DISCOVER = r"""
import json, random
from django.urls import reverse
from django.utils import translation
from members.models import Member
from projects.models import Project
from hub.models.home import HomePage
from hub.models.news import NewsIndexPage, NewsPage
from hub.models.events import EventIndexPage
from hub.models.standard import StandardPage
from wagtail.models import Locale
out = {}
with translation.override("en"):
    out["member_list"] = reverse("members:list")
    out["project_list"] = reverse("projects:list")
    rng = random.Random(7)
    members = list(Member.objects.published().filter(partnerships__isnull=False)
                   .distinct().order_by("pk").values_list("slug", flat=True)[:5000])
    projects = list(Project.objects.filter(status="published").order_by("pk")
                    .values_list("slug", flat=True)[:5000])
    out["members"] = rng.sample(members, min(40, len(members)))
    out["projects"] = rng.sample(projects, min(40, len(projects)))
    en = Locale.objects.get(language_code="en")
    def urls(model, n):
        pages = model.objects.live().filter(locale=en).order_by("pk")[:n]
        return [p.url for p in pages]
    out["home"] = urls(HomePage, 1)
    out["news_index"] = urls(NewsIndexPage, 1)
    out["news"] = urls(NewsPage, 5)
    out["event_index"] = urls(EventIndexPage, 1)
    out["standard"] = urls(StandardPage, 3)
print("JSON:" + json.dumps(out))
"""


def search_terms(n: int = 60, seed: int = 3) -> list[str]:
    """Keywords of real CORDIS projects (the matchmaking queries' texts)."""
    terms = []
    with open(EVAL / "cordis-he-dev" / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            for keyword in json.loads(line)["project"].get("keywords", []):
                if keyword not in terms:
                    terms.append(keyword)
    random.Random(seed).shuffle(terms)
    return terms[:n]


def request_mix(urls: dict, *, seed: int = 11) -> list[tuple[str, str]]:
    """(endpoint, path) pairs; repeated entries weight the mix."""
    rng = random.Random(seed)
    terms = search_terms()
    mix = []
    for i, term in enumerate(terms):
        params = {"q": term}
        if i % 3 == 0:
            params["kind"] = KINDS[i % 4]
        if i % 7 == 0:
            params["sort"] = "newest"
        query = urlencode(params)
        mix.append(("member_search_page", f"{urls['member_list']}?{query}"))
        mix.append(("member_search_api", f"/api/v1/members?{query}"))
        if i % 2 == 0:
            mix.append(("project_search_page", f"{urls['project_list']}?q={term}"))
    for i, slug in enumerate(urls["projects"]):
        kind = f"?{urlencode({'kind': KINDS[i % 4]})}" if i % 2 else ""
        mix.append(("matches_project_api", f"/api/v1/projects/{slug}/matches{kind}"))
        mix.append(("project_page", f"{urls['project_list']}{slug}/"))
    for slug in urls["members"]:
        mix.append(("matches_member_api", f"/api/v1/members/{slug}/matches"))
        mix.append(("member_profile", f"{urls['member_list']}{slug}/"))
    editorial = (
        [("editorial_home", u) for u in urls["home"]]
        + [("editorial_news_index", u) for u in urls["news_index"]]
        + [("editorial_news", u) for u in urls["news"]]
        + [("editorial_event_index", u) for u in urls["event_index"]]
        + [("editorial_page", u) for u in urls["standard"]]
    )
    mix.extend(editorial * 4)
    rng.shuffle(mix)
    return mix


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed_get(session, server: HubServer, endpoint: str, path: str):
    """(endpoint, client ms, status) of one request, labelled for the log."""
    started = time.perf_counter()
    response = session.get(
        server.url + path,
        headers={"X-Bench-Endpoint": endpoint, "Accept-Language": "en"},
        allow_redirects=False,
        timeout=120,
    )
    return endpoint, (time.perf_counter() - started) * 1000, response.status_code


def run_load(server: HubServer, mix, *, concurrency: int, duration: float):
    """Closed-loop load; per-request (endpoint, client ms, status)."""
    records, lock = [], threading.Lock()
    deadline = time.monotonic() + duration

    def worker(n: int):
        session = requests.Session()
        rng = random.Random(n)
        order = mix[:]
        rng.shuffle(order)
        i = 0
        while time.monotonic() < deadline:
            endpoint, path = order[i % len(order)]
            i += 1
            record = timed_get(session, server, endpoint, path)
            with lock:
                records.append(record)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return records, time.monotonic() - started


def summarise(records, access, wall_seconds) -> dict:
    by_endpoint = defaultdict(list)
    for line in access:
        by_endpoint[line.endpoint].append(line)
    client = defaultdict(list)
    errors = defaultdict(int)
    for endpoint, ms, status in records:
        client[endpoint].append(ms)
        if status >= 400:
            errors[endpoint] += 1
    out = {}
    for endpoint in sorted(by_endpoint):
        lines = by_endpoint[endpoint]
        server = [x.server_ms for x in lines]
        took = [x.search_took_ms for x in lines if x.search_took_ms is not None]
        wall = [x.search_wall_ms for x in lines if x.search_wall_ms is not None]
        p50 = percentile(server, 50)
        took50 = percentile(took, 50)
        out[endpoint] = {
            "requests": len(lines),
            "errors": errors.get(endpoint, 0),
            "throughput_rps": len(lines) / wall_seconds,
            "server_p50_ms": p50,
            "server_p95_ms": percentile(server, 95),
            "server_p99_ms": percentile(server, 99),
            "client_p50_ms": percentile(client[endpoint], 50),
            "es_took_p50_ms": took50,
            "es_took_p95_ms": percentile(took, 95),
            "es_wall_p50_ms": percentile(wall, 50),
            "overhead_ratio": (p50 / took50) if took50 else None,
            "es_share": (statistics.fmean(wall) / statistics.fmean(server))
            if wall and len(wall) == len(server)
            else None,
        }
    total = sum(len(v) for v in by_endpoint.values())
    out["_all"] = {"requests": total, "throughput_rps": total / wall_seconds}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 60))
    )
    parser.add_argument(
        "--soak", type=float, default=float(os.environ.get("BENCH_SOAK", 0))
    )
    parser.add_argument("--concurrency", default="1,8")
    args = parser.parse_args()
    state = json.loads((args.workdir / "state.json").read_text())
    os.environ["ELASTICSEARCH_URL"] = state["elasticsearch_url"]
    result = {"levels": {}}
    with HubServer(
        database_url=state["database_url"],
        index_prefix=state["index_prefix"],
        load=False,
        rebuild=False,
    ) as server:
        output = server.manage("shell", "-c", DISCOVER)
        urls = json.loads(output.split("JSON:", 1)[1])
        mix = request_mix(urls)
        result["mix"] = {
            "requests": len(mix),
            "endpoints": sorted({e for e, _ in mix}),
            "search_terms": len(search_terms()),
        }
        # Warm-up: every URL once (templates, caches, the encoder's query cache
        # is per text so searches stay realistic). Its times are kept as the
        # "first request" level: nothing cached yet for that URL, matches
        # ranked from scratch (the load levels reuse them for
        # HUB_MATCH_CACHE_SECONDS, then rank again).
        offset = server.access_log_size()
        session = requests.Session()
        records, started = [], time.monotonic()
        for endpoint, path in mix:
            records.append(timed_get(session, server, endpoint, path))
        time.sleep(0.5)
        access, _ = server.read_access_log(since=offset)
        result["first"] = summarise(records, access, time.monotonic() - started)
        levels = [int(c) for c in args.concurrency.split(",")]
        for n, concurrency in enumerate(levels):
            soak = args.soak if args.soak and n == len(levels) - 1 else 0
            duration = soak or args.duration
            rss = {"start": server.worker_rss()}
            # A worker that served nothing yet has not loaded the encoder nor
            # the graph: memory growth is read from the first minute on,
            # when every worker has served the whole mix.
            settled = threading.Timer(
                min(60.0, duration / 5),
                lambda rss=rss: rss.__setitem__("settled", server.worker_rss()),
            )
            offset = server.access_log_size()
            print(f"  load: concurrency {concurrency} for {duration:.0f}s", flush=True)
            settled.start()
            records, wall = run_load(
                server, mix, concurrency=concurrency, duration=duration
            )
            settled.cancel()
            time.sleep(0.5)
            access, _ = server.read_access_log(since=offset)
            level = summarise(records, access, wall)
            level["_rss_kib"] = rss | {"end": server.worker_rss()}
            level["_duration_s"] = wall
            result["levels"][str(concurrency)] = level
            print(f"  {concurrency}: {level['_all']['requests']} requests", flush=True)
        result["workers"] = server.workers
        result["threads"] = server.threads
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
