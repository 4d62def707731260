"""Matchmaking on real cross-sector collaborations (EU CORDIS, Horizon Europe).

    python bench/matchmaking.py [--skip-ablation]      (or: make bench-match)

Imports ../shared/eval/cordis-he-dev into a fresh database and index prefix
with `hub_import`, runs `match_batch` on its queries, scores the output with
../shared/eval/score.py, then runs the ablation (each signal switched off in
turn) and reports the latency of single matches (p50/p95 over the queries).
"""

import argparse
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


def score(results_path: Path) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(EVAL / "score.py"),
            str(DATA / "qrels.jsonl"),
            str(results_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def run_batch(call_command, workdir: Path, without=()) -> tuple[Path, float]:
    path = workdir / f"results-{'-'.join(without) or 'full'}.jsonl"
    buffer = io.StringIO()
    args = [str(DATA / "queries.jsonl"), "--size", "10"]
    for signal in without:
        args += ["--without", signal]
    started = time.perf_counter()
    with redirect_stdout(buffer):
        call_command("match_batch", *args)
    elapsed = time.perf_counter() - started
    path.write_text(buffer.getvalue())
    return path, elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-ablation", action="store_true")
    options = parser.parse_args()
    env = bench_environment("match")
    call_command, workdir = env["call_command"], env["workdir"]

    started = time.perf_counter()
    call_command(
        "hub_import",
        "--members",
        str(DATA / "members.jsonl"),
        "--projects",
        str(DATA / "projects.jsonl"),
        verbosity=0,
    )
    print(f"import + indexing: {time.perf_counter() - started:.1f} s")

    path, elapsed = run_batch(call_command, workdir)
    full = score(path)
    baselines = json.loads((DATA / "baselines.json").read_text())
    kinds = ["all", "entrepreneur", "researcher", "public_authority", "federation"]
    print(f"\nRecall@10 / nDCG@10 on {full['all']['n']} queries ({elapsed:.0f} s)")
    print(f"{'method':34}" + "".join(f"{k:>18}" for k in kinds))
    for name, result in [*baselines.items(), ("hub matchmaking", full)]:
        cells = "".join(
            f"{result[k]['recall_at_10']:>10.3f} / {result[k]['ndcg_at_10']:.3f}"
            for k in kinds
        )
        print(f"{name:34}{cells}")

    if not options.skip_ablation:
        from search.matching import SIGNALS

        print("\nAblation: Recall@10 with one signal switched off")
        print(f"{'without':18}{'all':>8}{'change':>9}")
        for signal in SIGNALS:
            path, _ = run_batch(call_command, workdir, without=(signal,))
            recall = score(path)["all"]["recall_at_10"]
            change = recall - full["all"]["recall_at_10"]
            print(f"{signal:18}{recall:8.3f}{change:+9.3f}")

    from members.models import Member
    from search.matching import DraftProject, members_for_project

    pk = dict(Member.objects.values_list("external_id", "pk"))
    timings = []
    for line in (DATA / "queries.jsonl").read_text().splitlines():
        q = json.loads(line)
        p = q["project"]
        draft = DraftProject(
            title=p["title"],
            summary=p.get("summary", ""),
            keywords=p.get("keywords", []),
            partners=[pk[x] for x in p["partners"] if x in pk],
        )
        t = time.perf_counter()
        members_for_project(project=draft, kind=q["kind"], size=10)
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    p50 = timings[len(timings) // 2]
    p95 = timings[int(len(timings) * 0.95)]
    print(f"\nSingle-match latency over {len(timings)} queries:", end=" ")
    print(f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
