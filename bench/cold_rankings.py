"""Rankings computed from scratch, one process, the match cache not involved.

    python bench/cold_rankings.py --workdir W --out cold.json [--records 200]

After `bench/indexing.py` (as `make bench` runs it), on its database and
index: `--records` distinct published experiments (experiment → members, as
the API ranks them) and as many distinct published members with partners
(member → experiments, from their public profile), each ranked once by
calling the ranking itself, so no cached ranking can answer. The process is
warmed first on a few other records (the collaboration graph loaded, the
encoder and connections ready), as a web worker is after its first request.
Prints p50, p95 and p99 per direction; the figures go to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

WARM = 5


def _setup(workdir: Path) -> None:
    state = json.loads((workdir / "state.json").read_text())
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hub.settings.production",
        DATABASE_URL=state["database_url"],
        HUB_INDEX_PREFIX=state["index_prefix"],
        ELASTICSEARCH_URL=state["elasticsearch_url"],
        SECRET_KEY="bench-cold-rankings-" + "x" * 40,
        ALLOWED_HOSTS="localhost",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        HUB_PAGE_CACHE_DIR=str(workdir / "page-cache"),
        HUB_MATCH_CACHE_DIR=str(workdir / "match-cache"),
        HUB_SEARCH_CACHE_DIR=str(workdir / "search-cache"),
    )
    import django

    django.setup()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    _setup(args.workdir)

    from members.models import Member
    from projects.models import Project, ProjectStatus
    from search.matchmaking.experiment_members import DraftProject
    from search.matchmaking.services import members_for_project, projects_for_member

    rng = random.Random(args.seed)
    n = args.records + WARM
    projects = list(
        Project.objects.filter(status=ProjectStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    members = list(
        Member.objects.published()
        .filter(partnerships__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    projects = rng.sample(projects, min(n, len(projects)))
    members = rng.sample(members, min(n, len(members)))

    def experiment_members(pk):
        project = Project.objects.get(pk=pk)
        members_for_project(project=DraftProject.from_project(project), size=10)

    def member_experiments(pk):
        member = Member.objects.get(pk=pk)
        projects_for_member(member=member, size=10, public_only=True)

    result = {"records": args.records, "directions": {}}
    print(f"{'ranking (from scratch)':24} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7}")  # fmt: skip
    for name, rank, records in (
        ("experiment → members", experiment_members, projects),
        ("member → experiments", member_experiments, members),
    ):
        for pk in records[:WARM]:
            rank(pk)
        times = []
        for pk in records[WARM:]:
            started = time.perf_counter()
            rank(pk)
            times.append((time.perf_counter() - started) * 1000)
        row = {
            "n": len(times),
            "p50_ms": statistics.median(times),
            "p95_ms": _percentile(times, 0.95),
            "p99_ms": _percentile(times, 0.99),
            "mean_ms": statistics.mean(times),
        }
        result["directions"][name] = row
        print(f"{name:24} {row['n']:4d} {row['p50_ms']:7.1f} {row['p95_ms']:7.1f} "
              f"{row['p99_ms']:7.1f}", flush=True)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
