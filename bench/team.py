"""Complete my team, measured on real cross-sector collaborations (EU CORDIS).

    nice python bench/team.py [--per-kind 1 3] [--limit N]   (or: make bench-team)

Imports ../shared/eval/cordis-he-dev (members and history projects, as task 1
of bench/matchmaking.py), then, for each dev query, asks for a team covering
the hidden partner's kind and every kind the remaining partners lack; queries
where that makes fewer than two kinds are left out. A query counts as a hit
when the proposed team contains the hidden partner.

Compared at the same total size (per kind × kinds asked for):
- per-kind top lists: experiment → members run once per kind, `per_kind` each;
- the team builder, with all its terms, then with each term switched off, and
  with none (which keeps the top of each kind's pool).
Rows are printed for all queries and for the two halves of bench/matchmaking.py
(`half()`); the team weights were set by judgement, and --grid prints others.
Ties are those of the published history; CORDIS members state no languages,
so the language term cannot change a team here (its tests are seeded cases).
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import bench_environment  # noqa: E402
from matchmaking import DATA, half  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--limit", type=int, default=0, help="first N queries")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild the indices after the import (BENCH_DATABASE_URL reused: "
        "the import changes nothing, and the vectors come from its cache)",
    )
    parser.add_argument(
        "--grid",
        action="store_true",
        help="also try other team weights (printed per half)",
    )
    options = parser.parse_args()
    env = bench_environment("team")
    call_command = env["call_command"]
    started = time.perf_counter()
    call_command(
        "hub_import",
        "--members",
        str(DATA / "members.jsonl"),
        "--projects",
        str(DATA / "projects.jsonl"),
        verbosity=0,
    )
    if options.rebuild:
        call_command("search_rebuild", verbosity=0)
    print(f"import + indexing: {time.perf_counter() - started:.0f} s", flush=True)

    from members.models import Member
    from search.matching import DraftProject
    from search.team import (
        TEAM_TERMS,
        TEAM_WEIGHTS,
        TeamOptions,
        kinds_lacking,
        team_assemble,
        team_pools,
        team_ranked_lists,
    )

    pk = dict(Member.objects.values_list("external_id", "pk"))
    expected = {}
    for line in (DATA / "qrels.jsonl").open():
        row = json.loads(line)
        expected[row["id"]] = {pk[x] for x in row["expected"] if x in pk}
    queries = [json.loads(line) for line in (DATA / "queries.jsonl").open()]
    if options.limit:
        queries = queries[: options.limit]

    variants = {"team (all terms)": TeamOptions()}
    for term in TEAM_TERMS:
        rest = tuple(t for t in TEAM_TERMS if t != term)
        variants[f"team without {term}"] = TeamOptions(terms=rest)
    variants["team, no team term (pool top)"] = TeamOptions(terms=())
    if options.grid:
        for ties in (0.1, 0.3, 1.0):
            for team_ties in (0.0, 0.2):
                weights = {**TEAM_WEIGHTS, "member_ties": ties, "team_ties": team_ties}
                variants[f"grid member {ties} team {team_ties}"] = TeamOptions(
                    weights=weights
                )

    rows: dict[tuple[int, str], dict[str, list[int]]] = {}
    asked, timings = 0, []
    for q in queries:
        p = q["project"]
        draft = DraftProject(
            title=p["title"],
            summary=p.get("summary", ""),
            keywords=p.get("keywords", []),
            partners=[pk[x] for x in p["partners"] if x in pk],
        )
        kinds = [q["kind"]] + [
            k for k in kinds_lacking(partners=draft.partners) if k != q["kind"]
        ]
        if len(kinds) < 2:
            continue
        asked += 1
        if asked % 50 == 0:
            print(f"{asked} queries asked", flush=True)
        group = half(q["id"])
        wanted = expected[q["id"]]
        t = time.perf_counter()
        pools = team_pools(project=draft, kinds=kinds, per_kind=max(options.per_kind))
        timings.append(time.perf_counter() - t)
        for per_kind in options.per_kind:
            lists = team_ranked_lists(project=draft, kinds=kinds, per_kind=per_kind)
            top = {m for ids in lists.values() for m in ids}
            hits = {"per-kind top lists (matching)": bool(top & wanted)}
            for name, variant in variants.items():
                t = time.perf_counter()
                team = team_assemble(
                    project=draft, pools=pools, per_kind=per_kind, options=variant
                )
                if name == "team (all terms)":
                    timings[-1] += time.perf_counter() - t
                hits[name] = bool(set(team.member_ids) & wanted)
            for name, hit in hits.items():
                for subset in ("all", group):
                    rows.setdefault((per_kind, subset), {}).setdefault(name, []).append(
                        hit
                    )

    print(f"\n{asked} of {len(queries)} dev queries ask for two kinds or more")
    for per_kind in options.per_kind:
        print(f"\n## {per_kind} per kind: share of queries whose team holds the")
        print("hidden partner (all / fit half / held-out half)")
        base = rows[(per_kind, "all")]["per-kind top lists (matching)"]
        for name in rows[(per_kind, "all")]:
            cells = []
            for subset in ("all", "fit", "held-out"):
                hits = rows.get((per_kind, subset), {}).get(name, [])
                share = sum(hits) / len(hits) if hits else 0.0
                cells.append(f"{share:.3f}")
            gained = sum(rows[(per_kind, "all")][name]) - sum(base)
            print(f"{name:36}" + "".join(f"{c:>9}" for c in cells), end="")
            print(f"   {gained:+d} queries vs per-kind top")
    timings.sort()
    if timings:
        p50 = timings[len(timings) // 2] * 1000
        p95 = timings[int(len(timings) * 0.95)] * 1000
        print(f"\nA team (pools + assembly) over {len(timings)} queries: ", end="")
        print(f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
