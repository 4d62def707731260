"""Matchmaking on real cross-sector collaborations (EU CORDIS, Horizon Europe).

    python bench/matchmaking.py [--skip-ablation]      (or: make bench-match)

Imports ../shared/eval/cordis-he-dev into a fresh database and index prefix
with `hub_import`, then measures both directions with `match_batch`, scored by
../shared/eval/score.py:

1. experiment → members (`queries.jsonl`): the history projects only;
2. member → experiments (`join_queries.jsonl`): `open_projects.jsonl` is
   imported on top, and each member line asks which open experiment it could
   join.

Each task prints a table per kind beside its baselines, its ablation (each
signal switched off in turn, unless --skip-ablation) and the latency of
single rankings (p50/p95 over its queries, match cache off). The member-side
weights were chosen on the queries whose id hashes to an even number
(`half()`): the odd, held-out half is printed apart.
"""

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import bench_environment  # noqa: E402

EVAL = Path(os.environ.get("HUB_EVAL_DIR", HERE.parent.parent / "shared" / "eval"))
DATA = EVAL / "cordis-he-dev"
KINDS = ["all", "entrepreneur", "researcher", "public_authority", "federation"]
TASKS = {
    "experiment → members": ("queries.jsonl", "qrels.jsonl", "baselines.json"),
    "member → experiments": (
        "join_queries.jsonl",
        "join_qrels.jsonl",
        "join_baselines.json",
    ),
}


def half(query_id: str) -> str:
    """ "fit" or "held-out", by a hash of the query id (not by its number)."""
    digest = hashlib.sha1(query_id.encode()).digest()[0]
    return "fit" if digest % 2 == 0 else "held-out"


def score(qrels: Path, results_path: Path, only: str | None = None) -> dict:
    if only:
        lines = [
            line
            for line in qrels.read_text().splitlines()
            if line and half(json.loads(line)["id"]) == only
        ]
        subset = results_path.parent / f"qrels-{only}-{qrels.name}"
        subset.write_text("\n".join(lines) + "\n")
        qrels = subset
    out = subprocess.run(
        [sys.executable, str(EVAL / "score.py"), str(qrels), str(results_path)]
        + ["--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def run_batch(call_command, workdir: Path, queries: str, without=()) -> tuple:
    stem = queries.split(".")[0]
    path = workdir / f"results-{stem}-{'-'.join(without) or 'full'}.jsonl"
    buffer = io.StringIO()
    args = [str(DATA / queries), "--size", "10"]
    for signal in without:
        args += ["--without", signal]
    started = time.perf_counter()
    with redirect_stdout(buffer):
        call_command("match_batch", *args)
    elapsed = time.perf_counter() - started
    path.write_text(buffer.getvalue())
    return path, elapsed


def print_table(rows: list[tuple[str, dict]]) -> None:
    print(f"{'method':34}" + "".join(f"{k:>18}" for k in KINDS))
    for name, result in rows:
        cells = "".join(
            f"{result[k]['recall_at_10']:>10.3f} / {result[k]['ndcg_at_10']:.3f}"
            if k in result
            else f"{'–':>18}"
            for k in KINDS
        )
        print(f"{name:34}{cells}")


def measure(call_command, workdir, task, signals, skip_ablation) -> None:
    queries, qrels_name, baselines_name = TASKS[task]
    qrels = DATA / qrels_name
    path, elapsed = run_batch(call_command, workdir, queries)
    full = score(qrels, path)
    baselines = json.loads((DATA / baselines_name).read_text())
    print(f"\n## {task}: Recall@10 / nDCG@10 on {full['all']['n']} queries", end="")
    print(f" ({elapsed:.0f} s)")
    rows = [*baselines.items(), ("hub matchmaking", full)]
    if task == "member → experiments":
        rows += [
            (f"hub, {name} half", score(qrels, path, only=name))
            for name in ("fit", "held-out")
        ]
    print_table(rows)
    if not skip_ablation:
        print(f"\nAblation ({task}): Recall@10 with one signal switched off")
        print(f"{'without':18}{'all':>8}{'change':>9}")
        for signal in signals:
            path, _ = run_batch(call_command, workdir, queries, without=(signal,))
            recall = score(qrels, path)["all"]["recall_at_10"]
            change = recall - full["all"]["recall_at_10"]
            print(f"{signal:18}{recall:8.3f}{change:+9.3f}")


def latency(label: str, rank, items) -> None:
    timings = []
    for item in items:
        t = time.perf_counter()
        rank(item)
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p50 = timings[len(timings) // 2]
    p95 = timings[int(len(timings) * 0.95)]
    print(f"{label} over {len(timings)} queries: p50 {p50:.0f} ms, p95 {p95:.0f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-ablation", action="store_true")
    options = parser.parse_args()
    env = bench_environment("match")
    call_command, workdir = env["call_command"], env["workdir"]

    def hub_import(projects: Path) -> None:
        started = time.perf_counter()
        call_command(
            "hub_import",
            "--members",
            str(DATA / "members.jsonl"),
            "--projects",
            str(projects),
            verbosity=0,
        )
        print(f"import + indexing of {projects.name}: ", end="")
        print(f"{time.perf_counter() - started:.1f} s")

    from members.models import Member
    from search.matchmaking import (
        EXPERIMENT_MEMBERS,
        MEMBER_EXPERIMENTS,
        DraftProject,
        members_for_project,
        projects_for_member,
    )

    # 1. Experiment → members, on the history alone.
    hub_import(DATA / "projects.jsonl")
    task = "experiment → members"
    measure(
        call_command, workdir, task, EXPERIMENT_MEMBERS.names, options.skip_ablation
    )
    pk = dict(Member.objects.values_list("external_id", "pk"))

    def rank_members(q):
        p = q["project"]
        draft = DraftProject(
            title=p["title"],
            summary=p.get("summary", ""),
            keywords=p.get("keywords", []),
            partners=[pk[x] for x in p["partners"] if x in pk],
        )
        members_for_project(project=draft, kind=q["kind"], size=10)

    queries = [json.loads(line) for line in (DATA / "queries.jsonl").open()]
    print()
    latency(f"Single ranking, {task},", rank_members, queries)

    # 2. Member → experiments: the open experiments join the history.
    print()
    hub_import(DATA / "open_projects.jsonl")
    task = "member → experiments"
    measure(
        call_command, workdir, task, MEMBER_EXPERIMENTS.names, options.skip_ablation
    )
    members = {m.external_id: m for m in Member.objects.all()}
    joins = [json.loads(line) for line in (DATA / "join_queries.jsonl").open()]
    print()
    latency(
        f"Single ranking, {task},",
        lambda q: projects_for_member(
            member=members[q["member"]], size=10, public_only=True
        ),
        joins,
    )


if __name__ == "__main__":
    main()
