"""The same member searches and matchmaking against what a team would otherwise use.

    python bench/side_by_side.py --workdir W --out side.json [--no-postgres]

On the database and indices that `bench/indexing.py` left in `--workdir`:

1. Member search: 60 queries (keywords of real CORDIS projects, a third with
   a `kind` filter), each asking for a page of 20, the total and the counts per
   kind, run through
   - the hub: `search.selectors.documents_search` (Elasticsearch: BM25 on
     folded and stemmed text, kNN on embeddings, 8 facets, highlighting);
   - Wagtail's own search, `wagtail.search` / django-modelsearch with its
     database backend (`Member.search_fields`), on SQLite (FTS5, the same
     file) and on PostgreSQL (full-text search; database `hub_bench` on the
     local cluster, started as `.ci/run` does and loaded with the same
     `hub_import` files).
   Each query runs 3 times after a warm-up pass (once when that pass took
   over a minute); p50/p95 per backend and the p95 ratio are reported.
2. Matchmaking: `members_for_project` (through `match_batch`) against the naive
   hybrid baseline of `../shared/eval` (0.6 BM25 of project text against
   member name and track record + 0.4 log co-participation with the remaining
   partners, both min-max normalised per query), on BENCH_MATCH_QUERIES of the
   CORDIS queries whose hidden partner is in this network: ms per query and
   Recall@10 / nDCG@10 (`../shared/eval/score.py`).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from serving import KINDS, percentile, search_terms  # noqa: E402

EVAL = Path(os.environ.get("HUB_EVAL_DIR", ROOT.parent / "shared" / "eval"))
DATA = EVAL / "cordis-he-dev"
PG_DATABASE = "hub_bench"


def member_queries() -> list[tuple[str, str | None]]:
    return [
        (t, KINDS[i % 4] if i % 3 == 0 else None) for i, t in enumerate(search_terms())
    ]


def _timings(run, queries, repeats: int = 3) -> list[float]:
    """Each query `repeats` times after a warm-up pass; once if the warm-up
    took over a minute (SQLite at 100k: ~5 s a query, the 60 samples are
    enough for a p95 and three passes would add half an hour)."""
    started = time.perf_counter()
    for q in queries:  # warm-up
        run(*q)
    if time.perf_counter() - started > 60:
        repeats = 1
    out = []
    for _ in range(repeats):
        for q in queries:
            started = time.perf_counter()
            run(*q)
            out.append((time.perf_counter() - started) * 1000)
    return out


def _summary(ms: list[float]) -> dict:
    return {
        "queries": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
    }


# -- one database, in a child process -------------------------------------------


def measure_database(*, with_elasticsearch: bool) -> dict:
    """Index members into Wagtail's database backend and time the searches."""
    import django

    django.setup()
    from wagtail.search.backends import get_search_backend

    from members.models import Member
    from search.services import _chunks

    backend = get_search_backend()
    index = backend.get_index_for_model(Member)
    index.add_model(Member)
    started = time.perf_counter()
    members = Member.objects.published().order_by("pk").iterator(chunk_size=1000)
    count = 0
    for batch in _chunks(members, 1000):
        index.add_items(Member, batch)
        count += len(batch)
    index.refresh()
    indexing_s = time.perf_counter() - started

    def db_search(term, kind):
        qs = Member.objects.published()
        if kind:
            qs = qs.filter(kind=kind)
        results = backend.search(term, qs, operator="or")
        page = list(results[:20])
        return page, results.count(), results.facet("kind")

    queries = member_queries()
    out = {
        "vendor": django.db.connection.vendor,
        "members_indexed": count,
        "indexing_seconds": indexing_s,
        "database": _summary(_timings(db_search, queries)),
        "hits": {t: db_search(t, k)[1] for t, k in queries[:5]},
    }
    if with_elasticsearch:
        from search.selectors import documents_search

        def es_search(term, kind):
            return documents_search(
                document="member",
                query=term,
                filters={"kind": [kind]} if kind else {},
                size=20,
            )

        out["elasticsearch"] = _summary(_timings(es_search, queries))
        out["es_hits"] = {t: es_search(t, k).total for t, k in queries[:5]}
    return out


# -- PostgreSQL ----------------------------------------------------------------


def postgres_url() -> str:
    """Start the local cluster (as .ci/run does) and (re)create hub_bench."""
    version = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v))[-1]
    clusters = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    if not any(line.split()[:2] == [version, "main"] for line in clusters if line):
        subprocess.run(["pg_createcluster", version, "main"], check=True)
    subprocess.run(["pg_ctlcluster", version, "main", "start"], check=False)
    port = next(
        line.split()[2]
        for line in subprocess.run(
            ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if line.split()[:2] == [version, "main"]
    )
    for _ in range(30):
        if (
            subprocess.run(
                ["pg_isready", "-q", "-h", "127.0.0.1", "-p", port]
            ).returncode
            == 0
        ):
            break
        time.sleep(1)

    def psql(sql):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "psql", "-q", "-p", port, "-c", sql],
            check=True,
            capture_output=True,
        )

    psql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub') "
        "THEN CREATE ROLE hub LOGIN PASSWORD 'hub' CREATEDB; END IF; END $$;"
    )
    psql(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    psql(f"CREATE DATABASE {PG_DATABASE} OWNER hub")
    return f"postgresql://hub:hub@127.0.0.1:{port}/{PG_DATABASE}"


def _child(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(
            f"{args} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


# -- matchmaking ------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]{2,}", text.lower())


class NaiveHybrid:
    """The ../shared/eval baseline: 0.6 BM25 + 0.4 log co-participation."""

    def __init__(self, members: dict[str, dict], projects: list[dict]):
        self.kind = {m["id"]: m["kind"] for m in members.values()}
        docs = defaultdict(list)
        self.co = defaultdict(Counter)
        for m in members.values():
            docs[m["id"]].extend(_tokens(m["name"]))
        for p in projects:
            ids = [x["member"] for x in p.get("partners", [])]
            words = _tokens(
                " ".join([p["title"], p.get("summary", ""), *p.get("keywords", [])])
            )
            for a in ids:
                docs[a].extend(words)
                for b in ids:
                    if a != b:
                        self.co[a][b] += 1
        self.postings = defaultdict(dict)
        self.length = {}
        for member_id, words in docs.items():
            self.length[member_id] = len(words)
            for word, tf in Counter(words).items():
                self.postings[word][member_id] = tf
        self.avg = sum(self.length.values()) / max(len(self.length), 1)
        self.n = len(self.length)

    def rank(self, *, text: str, partners: list[str], kind: str | None, size=10):
        k1, b = 1.2, 0.75
        bm25 = defaultdict(float)
        for word in set(_tokens(text)):
            posting = self.postings.get(word)
            if not posting:
                continue
            idf = math.log(1 + (self.n - len(posting) + 0.5) / (len(posting) + 0.5))
            for member_id, tf in posting.items():
                norm = tf + k1 * (1 - b + b * self.length[member_id] / self.avg)
                bm25[member_id] += idf * tf * (k1 + 1) / norm
        co = Counter()
        for p in partners:
            co.update(self.co.get(p, {}))
        excluded = set(partners)

        def minmax(scores):
            scores = {
                k: v
                for k, v in scores.items()
                if k not in excluded and (not kind or self.kind.get(k) == kind)
            }
            if not scores:
                return {}
            lo, hi = min(scores.values()), max(scores.values())
            return {
                k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in scores.items()
            }

        text_s = minmax(bm25)
        co_s = minmax({k: math.log1p(v) for k, v in co.items()})
        total = Counter()
        for k, v in text_s.items():
            total[k] += 0.6 * v
        for k, v in co_s.items():
            total[k] += 0.4 * v
        return [k for k, _ in total.most_common(size)]


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(qrels: Path, results: Path) -> dict:
    out = subprocess.run(
        [sys.executable, str(EVAL / "score.py"), str(qrels), str(results), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def measure_matchmaking(
    *, members_path: Path, projects_path: Path, workdir: Path, n: int
):
    import django

    django.setup()
    from django.core.management import call_command

    members = {m["id"]: m for m in _read(members_path)}
    qrels = [
        q for q in _read(DATA / "qrels.jsonl") if set(q["expected"]) <= set(members)
    ]
    qrels = qrels[:n]
    wanted = {q["id"] for q in qrels}
    queries = [q for q in _read(DATA / "queries.jsonl") if q["id"] in wanted]
    (workdir / "mm-queries.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in queries)
    )
    (workdir / "mm-qrels.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in qrels)
    )

    buffer = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(buffer):
        call_command("match_batch", str(workdir / "mm-queries.jsonl"), "--size", "10")
    hub_s = time.perf_counter() - started
    (workdir / "mm-hub.jsonl").write_text(buffer.getvalue())

    started = time.perf_counter()
    baseline = NaiveHybrid(members, _read(projects_path))
    build_s = time.perf_counter() - started
    lines, per_query = [], []
    for q in queries:
        p = q["project"]
        text = " ".join(
            [p.get("title", ""), p.get("summary", ""), *p.get("keywords", [])]
        )
        started = time.perf_counter()
        ranked = baseline.rank(
            text=text, partners=p.get("partners", []), kind=q.get("kind")
        )
        per_query.append((time.perf_counter() - started) * 1000)
        lines.append(
            {"id": q["id"], "results": [{"member": m, "score": 0} for m in ranked]}
        )
    (workdir / "mm-naive.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in lines)
    )
    hub_score = score(workdir / "mm-qrels.jsonl", workdir / "mm-hub.jsonl")
    naive_score = score(workdir / "mm-qrels.jsonl", workdir / "mm-naive.jsonl")
    return {
        "queries": len(queries),
        "hub": {
            "ms_per_query": hub_s * 1000 / max(len(queries), 1),
            "score": hub_score,
        },
        "naive_hybrid": {
            "ms_per_query_p50": percentile(per_query, 50),
            "ms_per_query_p95": percentile(per_query, 95),
            "build_seconds": build_s,
            "score": naive_score,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--size", type=int)
    parser.add_argument("--child", choices=["search", "search-es", "match"])
    args = parser.parse_args()
    if args.child:
        if args.child == "match":
            from generate import network_files

            m, p = network_files(size=args.size)
            n = int(os.environ.get("BENCH_MATCH_QUERIES", 60))
            result = measure_matchmaking(
                members_path=m, projects_path=p, workdir=args.workdir, n=n
            )
        else:
            result = measure_database(with_elasticsearch=args.child == "search-es")
        print("JSON:" + json.dumps(result))
        return

    state = json.loads((args.workdir / "state.json").read_text())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hub.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": state["database_url"],
        "HUB_INDEX_PREFIX": state["index_prefix"],
        "ELASTICSEARCH_URL": state["elasticsearch_url"],
        "HUB_SEARCH_TIMEOUT": "120",
    }
    me = str(Path(__file__).resolve())
    common = ["--workdir", str(args.workdir), "--size", str(args.size or 0)]

    def child(kind, extra_env=None):
        out = _child({**env, **(extra_env or {})}, me, *common, "--child", kind)
        return json.loads(out.split("JSON:", 1)[1])

    result = {"sqlite": child("search-es")}
    sqlite = result["sqlite"]
    print(
        f"  member search p95: elasticsearch {sqlite['elasticsearch']['p95_ms']:.1f}"
        f" ms, sqlite {sqlite['database']['p95_ms']:.1f} ms",
        flush=True,
    )
    if not args.no_postgres:
        from generate import network_files

        url = postgres_url()
        # Nothing of this copy may reach the benchmark's indices.
        pg_env = {
            **env,
            "DATABASE_URL": url,
            "HUB_INDEX_PREFIX": f"{state['index_prefix']}-pg",
            "HUB_SEARCH_DRAIN_ON_COMMIT": "0",
        }
        m, p = network_files(size=args.size)
        manage = str(ROOT / "manage.py")
        started = time.perf_counter()
        _child(pg_env, manage, "migrate", "--noinput")
        _child(pg_env, manage, "hub_demo", "--no-admin")
        _child(
            pg_env,
            manage,
            "hub_import",
            "--members",
            str(m),
            "--projects",
            str(p),
            "--no-index",
        )
        load_s = time.perf_counter() - started
        result["postgresql"] = child("search", pg_env)
        result["postgresql"]["load_seconds"] = load_s
        pg_p95 = result["postgresql"]["database"]["p95_ms"]
        print(f"  member search p95: postgresql {pg_p95:.1f} ms", flush=True)
    result["matchmaking"] = child("match")
    mm = result["matchmaking"]
    print(
        f"  matchmaking: hub {mm['hub']['ms_per_query']:.0f} ms/query, naive hybrid "
        f"{mm['naive_hybrid']['ms_per_query_p50']:.1f} ms/query (p50)",
        flush=True,
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
