"""Write docs/benchmarks.md and its plots from docs/benchmarks/results/*.json.

    python bench/report.py

Run by `bench/run.py` after every size; runs alone on the stored results.
The hand-written analysis (profiles, what would close each gap) lives in
docs/benchmarks/notes.md and is appended as it is.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs"
OUT = DOCS / "benchmarks"
RESULTS = OUT / "results"

SEARCH = ("member_search_page", "member_search_api")
MATCHES = ("matches_project_api", "matches_member_api")
EDITORIAL = (
    "editorial_home",
    "editorial_news_index",
    "editorial_news",
    "editorial_event_index",
    "editorial_page",
)


def load(kind: str) -> dict[int, dict]:
    out = {}
    for path in sorted(RESULTS.glob(f"{kind}-*.json")):
        size = re.search(r"-(\d+)\.json$", path.name)
        if size:
            out[int(size.group(1))] = json.loads(path.read_text())
    return dict(sorted(out.items()))


def fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cmd(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    sys.path.insert(0, str(ROOT))
    import django

    import wagtail

    import elasticsearch

    from search.node import es_version

    pg = _cmd(["bash", "-c", "ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1"])
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores visible to the process (what "
        "else ran shows in the load averages below)",
        f"- RAM: {mem:,} MiB; OS: {platform.platform()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"Wagtail {wagtail.__version__}, elasticsearch-py "
        f"{'.'.join(map(str, elasticsearch.__versionstr__.split('.')[:3]))}, "
        f"Elasticsearch {es_version()} (integ-test-zip, 512 MiB heap, 1 shard), "
        f"PostgreSQL {pg or '–'}, SQLite (Python's), gunicorn 2 workers x 4 "
        "threads (gthread), production settings",
    ]


def p95(level: dict, names) -> float | None:
    values = [level[n]["server_p95_ms"] for n in names if n in level]
    return max(values) if values else None


def plots(indexing, serving, side) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    if serving:
        sizes = list(serving)
        fig, ax = plt.subplots(figsize=(7, 4))
        for label, names in (
            ("member search", SEARCH),
            ("matchmaking", MATCHES),
            ("editorial pages", EDITORIAL),
            ("profile page", ("member_profile",)),
            ("experiment page", ("project_page",)),
        ):
            ys = [p95(serving[s]["levels"].get("8", {}), names) for s in sizes]
            ax.plot(sizes, ys, marker="o", label=label)
        ax.set_xscale("log")
        ax.set_xlabel("members")
        ax.set_ylabel("server time p95 (ms), concurrency 8")
        ax.set_title("Latency as the network grows")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(OUT / "latency.png", dpi=110)
        plt.close(fig)
        made.append("latency.png")
    if indexing:
        sizes = list(indexing)
        fig, ax = plt.subplots(figsize=(7, 4))
        series = {
            "rebuild, no embeddings": [
                indexing[s]["rebuild_no_embeddings"]["all"]["seconds"] for s in sizes
            ],
            "rebuild, embeddings cached": [
                indexing[s]["rebuild_cached_embeddings"]["all"]["seconds"]
                for s in sizes
            ],
            "raw bulk ceiling (no embeddings)": [
                indexing[s]["raw_bulk"]["seconds"] for s in sizes
            ],
            "import (hub_import)": [indexing[s]["import"]["seconds"] for s in sizes],
        }
        for label, ys in series.items():
            ax.plot(sizes, ys, marker="o", label=label)
        ax.axhline(180, color="grey", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel("members")
        ax.set_ylabel("seconds (members + experiments)")
        ax.set_title("Index time as the network grows")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(OUT / "indexing.png", dpi=110)
        plt.close(fig)
        made.append("indexing.png")
    if side:
        sizes = list(side)
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(
            sizes,
            [side[s]["sqlite"]["elasticsearch"]["p95_ms"] for s in sizes],
            marker="o",
            label="hub (Elasticsearch)",
        )
        ax.plot(
            sizes,
            [side[s]["sqlite"]["database"]["p95_ms"] for s in sizes],
            marker="o",
            label="Wagtail database search, SQLite",
        )
        pg = [side[s].get("postgresql", {}).get("database", {}) for s in sizes]
        if any(pg):
            ax.plot(
                sizes,
                [x.get("p95_ms") for x in pg],
                marker="o",
                label="Wagtail database search, PostgreSQL",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("members")
        ax.set_ylabel("member search p95 (ms), one client")
        ax.set_title("Member search: the hub against Wagtail's own search")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(OUT / "side_by_side.png", dpi=110)
        plt.close(fig)
        made.append("side_by_side.png")
    return made


def _endpoint_table(data: dict) -> str:
    return table(
        [
            "endpoint",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "ES took p50 ms",
            "server/took (p50)",
            "share in ES client",
            "errors",
        ],
        [
            [
                name,
                fmt(e["requests"]),
                fmt(e["throughput_rps"]),
                fmt(e["server_p50_ms"]),
                fmt(e["server_p95_ms"]),
                fmt(e["server_p99_ms"]),
                fmt(e["es_took_p50_ms"]),
                fmt(e["overhead_ratio"]),
                fmt(e["es_share"], 2),
                fmt(e["errors"]),
            ]
            for name, e in data.items()
            if not name.startswith("_")
        ],
    )


def main() -> None:
    indexing, serving, side = load("indexing"), load("serving"), load("side")
    steps = (
        json.loads((RESULTS / "steps.json").read_text())
        if (RESULTS / "steps.json").exists()
        else {}
    )
    OUT.mkdir(parents=True, exist_ok=True)
    made = plots(indexing, serving, side)
    sizes = sorted(set(indexing) | set(serving) | set(side))
    largest = sizes[-1] if sizes else None
    md = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`, then `bench/report.py`); do "
        "not edit by hand except `docs/benchmarks/notes.md`. Sizes in this run: "
        + ", ".join(f"{s:,}" for s in sizes)
        + " members. Raw results: `docs/benchmarks/results/`.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "Load average (1 min) before/after each step (the benchmark's own "
        "gunicorn, load generator and Elasticsearch node make the load after a "
        "serving step):",
        "",
        table(
            ["step", "seconds", "load before", "load after"],
            [
                [
                    k,
                    fmt(v["seconds"], 0),
                    fmt(v["load_before"][0]),
                    fmt(v["load_after"][0]),
                ]
                for k, v in steps.items()
            ],
        ),  # fmt: skip
        "",
        "## Reproduce",
        "",
        "- everything: `make bench` (`BENCH_SIZES=10000 make bench` for a quick "
        "run; `BENCH_DURATION` seconds per load level, `BENCH_SOAK` seconds of the "
        "memory run at the largest size)",
        "- the data: `python bench/generate.py 100000 /tmp/net-100k`",
        "- indexing table and `indexing.png`: `python bench/indexing.py N "
        "--workdir W --out docs/benchmarks/results/indexing-N.json`",
        "- serving tables and `latency.png`: `python bench/serving.py --workdir W "
        "--out docs/benchmarks/results/serving-N.json` (after indexing.py)",
        "- side by side and `side_by_side.png`: `python bench/side_by_side.py "
        "--workdir W --size N --out docs/benchmarks/results/side-N.json`",
        "- this page and the plots: `python bench/report.py`",
        "",
    ]
    if largest:
        md += targets(largest, indexing, serving, side)
    if indexing:
        md += ["## Indexing", "", *[f"![index time]({OUT.name}/indexing.png)"], ""]
        rows = []
        for s, r in indexing.items():
            cached = r["rebuild_cached_embeddings"]["all"]
            plain = r["rebuild_no_embeddings"]["all"]
            per_core = r["embeddings"]["per_core"]
            rows.append(
                [
                    f"{s:,}",
                    f"{r['import']['members']:,} / {r['import']['projects']:,}",
                    fmt(r["import"]["records_per_s"], 0),
                    fmt(plain["docs"] / plain["seconds"], 0),
                    fmt(r["raw_bulk"]["docs"] / r["raw_bulk"]["seconds"], 0),
                    fmt(r["rebuild_vs_bulk"], 2),
                    fmt(cached["seconds"], 0),
                    fmt(cached["docs"] / cached["seconds"], 0),
                    fmt(
                        r["raw_bulk_embeddings"]["docs"]
                        / r["raw_bulk_embeddings"]["seconds"],
                        0,
                    )
                    if "raw_bulk_embeddings" in r
                    else "–",
                    fmt(r.get("merge_seconds"), 0),
                    fmt(r["embeddings"]["cold_texts_per_s"], 1),
                    f"{fmt(per_core['threads_1']['per_core'], 1)} / "
                    f"{fmt(per_core['threads_2']['per_core'], 1)}",
                    fmt(r["rebuild_cold_estimate_seconds"], 0),
                ]
            )
        md += [
            table(
                [
                    "members",
                    "members / experiments in DB",
                    "import rec/s",
                    "rebuild docs/s (no emb.)",
                    "raw bulk docs/s",
                    "ratio",
                    "rebuild s (emb. cached)",
                    "docs/s (cached)",
                    "raw bulk docs/s (with vectors)",
                    "force-merge s",
                    "encoder texts/s (cold)",
                    "texts/s per core, 1 / 2 threads",
                    "cold rebuild s (est.)",
                ],
                rows,
            ),
            "",
            "Rebuild = `search_rebuild`'s `index_rebuild` of members then "
            "experiments (read, prepare, bulk, refresh, alias swap, reconcile). "
            "Raw bulk = `elasticsearch.helpers.bulk` of the same prepared "
            "documents into a same-mapping index, in the same run. The cold "
            "encoder rate is measured on a sample (see `bench/indexing.py`); the "
            "cold rebuild is estimated from it. Force-merge = `search_rebuild "
            "--merge`'s extra step (one segment per index, run after the rebuild "
            "and before the serving benchmark, whose searches it speeds up).",
            "",
        ]
    cold = load("cold")
    if cold:
        md += [
            "## Rankings from scratch",
            "",
            "`bench/cold_rankings.py`: distinct published experiments and "
            "members with partners, each ranked once in one process by the "
            "ranking itself (no cached ranking can answer), after a warm-up "
            "on five others.",
            "",
            table(
                ["members", "direction", "records", "p50 ms", "p95 ms", "p99 ms"],
                [
                    [
                        f"{s:,}",
                        name,
                        d["n"],
                        fmt(d["p50_ms"]),
                        fmt(d["p95_ms"]),
                        fmt(d["p99_ms"]),
                    ]  # fmt: skip
                    for s, r in cold.items()
                    for name, d in r["directions"].items()
                ],
            ),
            "",
        ]
    if serving:
        md += ["## Serving", "", f"![latency]({OUT.name}/latency.png)", ""]
        for s, r in serving.items():
            levels = list(r["levels"].items())
            if r.get("first"):
                levels.insert(0, ("first", r["first"]))
            for level, data in levels:
                rss = data.get("_rss_kib", {})
                title = (
                    f"### {s:,} members, first request to each URL "
                    f"(warm-up pass, concurrency 1, nothing cached yet)"
                    if level == "first"
                    else f"### {s:,} members, concurrency {level} "
                    f"({fmt(data['_duration_s'], 0)} s, "
                    f"{fmt(data['_all']['throughput_rps'])} req/s in all)"
                )
                md += [title, "", _endpoint_table(data), ""]
                if rss:
                    md += [
                        "Worker RSS (MiB) start → "
                        + ("after 1 min → " if "settled" in rss else "")
                        + "end: "
                        + ", ".join(
                            " → ".join(
                                f"{rss[k].get(pid, 0) / 1024:.0f}"
                                for k in ("start", "settled", "end")
                                if k in rss
                            )
                            for pid in rss.get("start", {})
                        ),
                        "",
                    ]
        md += [
            "Server time is gunicorn's `%(D)s` per request; *ES took* is the sum "
            "of Elasticsearch's own `took` over the request's calls; *share in ES "
            "client* is the mean time inside the Elasticsearch client (HTTP, JSON) "
            "over the mean server time.",
            "",
        ]
    if side:
        md += [
            "## Side by side",
            "",
            f"![side by side]({OUT.name}/side_by_side.png)",
            "",
        ]
        rows = []
        for s, r in side.items():
            es = r["sqlite"]["elasticsearch"]
            sq = r["sqlite"]["database"]
            pg = r.get("postgresql", {}).get("database", {})
            rows.append(
                [
                    f"{s:,}",
                    f"{fmt(es['p50_ms'])} / {fmt(es['p95_ms'])}",
                    f"{fmt(sq['p50_ms'])} / {fmt(sq['p95_ms'])}",
                    fmt(sq["p95_ms"] / es["p95_ms"]),
                    f"{fmt(pg.get('p50_ms'))} / {fmt(pg.get('p95_ms'))}",
                    fmt(pg["p95_ms"] / es["p95_ms"]) if pg else "–",
                ]
            )
        md += [
            table(
                [
                    "members",
                    "hub (ES) p50 / p95 ms",
                    "Wagtail DB, SQLite p50 / p95",
                    "ratio p95",
                    "Wagtail DB, PostgreSQL p50 / p95",
                    "ratio p95",
                ],
                rows,
            ),
            "",
            "The same 60 queries (a third filtered by kind), a page of 20, the "
            "total and per-kind counts, one client, 3 passes after a warm-up. "
            "The hub's searches also run kNN on embeddings, 8 facets and "
            "highlighting; Wagtail's search only the full-text match and one facet.",
            "",
        ]
        rows = []
        for s, r in side.items():
            mm = r["matchmaking"]
            hub, naive = mm["hub"], mm["naive_hybrid"]
            rows.append(
                [
                    f"{s:,}",
                    fmt(mm["queries"]),
                    fmt(hub["ms_per_query"], 0),
                    f"{fmt(hub['score']['all']['recall_at_10'], 3)} / "
                    f"{fmt(hub['score']['all']['ndcg_at_10'], 3)}",
                    f"{fmt(naive['ms_per_query_p50'])} / "
                    f"{fmt(naive['ms_per_query_p95'])}",
                    fmt(naive["build_seconds"]),
                    f"{fmt(naive['score']['all']['recall_at_10'], 3)} / "
                    f"{fmt(naive['score']['all']['ndcg_at_10'], 3)}",
                ]
            )
        md += [
            "### Matchmaking against the naive hybrid baseline",
            "",
            table(
                [
                    "members",
                    "queries",
                    "hub ms/query (match_batch)",
                    "hub Recall@10 / nDCG@10",
                    "naive ms/query p50 / p95",
                    "naive build s",
                    "naive Recall@10 / nDCG@10",
                ],
                rows,
            ),
            "",
            "CORDIS queries whose hidden partner is in the generated network; in "
            "larger networks the generated copies of organisations compete with "
            "the real ones, so the task gets harder with size. The naive "
            "baseline runs in memory on the JSON files (no server, no "
            "persistence); the hub goes through Elasticsearch and the database.",
            "",
        ]
    notes = OUT / "notes.md"
    if notes.exists():
        md += [notes.read_text().strip(), ""]
    (DOCS / "benchmarks.md").write_text("\n".join(md))
    print(f"wrote docs/benchmarks.md and {', '.join(made) or 'no plots'}")
    print("\n".join(targets(largest, indexing, serving, side)) if largest else "")


def targets(size, indexing, serving, side) -> list[str]:
    rows = []
    cold = load("cold").get(size, {}).get("directions", {})

    def row(name, value, target, ok, unit="ms", applies=True):
        verdict = "–" if value is None else ("met" if ok(value) else "missed")
        if not applies:
            verdict = "not at this size"
        text = fmt(value, 2 if unit in ("", "×") else 1)
        rows.append([name, f"{text} {unit}" if value is not None else "–",
                     target, verdict])  # fmt: skip

    level = serving.get(size, {}).get("levels", {}).get("8", {})
    row("member search p95", p95(level, SEARCH), "≤ 50 ms", lambda v: v <= 50)
    row("matchmaking p95", p95(level, MATCHES), "≤ 150 ms", lambda v: v <= 150)
    row("editorial page p95", p95(level, EDITORIAL), "≤ 30 ms", lambda v: v <= 30)
    for direction, figures in cold.items():
        row(
            f"{direction}, from scratch, p95 ({figures['n']} records)",
            figures["p95_ms"],
            "≤ 100 ms at 100k",
            lambda v: v <= 100,
            applies=size >= 100_000,
        )
    r = indexing.get(size)
    row(
        "rebuild / raw bulk (no embeddings)",
        r and r["rebuild_vs_bulk"],
        "≥ 0.70",
        lambda v: v >= 0.7,
        unit="",
    )
    row(
        "rebuild with embeddings cached",
        r and r["rebuild_cached_embeddings"]["all"]["seconds"],
        "≤ 180 s at 100k",
        lambda v: v <= 180,
        unit="s",
        applies=size >= 100_000,
    )
    s = side.get(size)
    ratio = (
        s["sqlite"]["database"]["p95_ms"] / s["sqlite"]["elasticsearch"]["p95_ms"]
        if s
        else None
    )
    pg = s and s.get("postgresql")
    pg_ratio = (
        pg["database"]["p95_ms"] / s["sqlite"]["elasticsearch"]["p95_ms"]
        if pg
        else None
    )
    row("member search vs Wagtail DB (SQLite), p95", ratio, "≥ 5×",
        lambda v: v >= 5, unit="×")  # fmt: skip
    row("member search vs Wagtail DB (PostgreSQL), p95", pg_ratio, "≥ 5×",
        lambda v: v >= 5, unit="×")  # fmt: skip
    rss = level.get("_rss_kib")
    if rss:
        # From the first minute on when measured: by then every worker is warm.
        first = rss.get("settled") or rss["start"]
        start = sum(first.values()) / 1024
        end = sum(rss["end"].values()) / 1024
        growth = (end - start) / start if start else None
        since = "after the first minute of" if rss.get("settled") else "over"
        row(
            f"worker RSS {since} {fmt(level['_duration_s'], 0)} s "
            f"({start:.0f} → {end:.0f} MiB)",
            growth and growth * 100,
            "flat",
            lambda v: v <= 10,
            unit="%",
        )
    return [
        f"## Targets at {size:,} members (concurrency 8)",
        "",
        table(["target", "measured", "goal", ""], rows),
        "",
    ]


if __name__ == "__main__":
    main()
