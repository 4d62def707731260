"""Grow the CORDIS dev network to N members, repeatably, in the import format.

    python bench/generate.py 30000 /tmp/net-30k      # members.jsonl, projects.jsonl
    python bench/generate.py 10000 /tmp/net-10k --seed 7

The source is `../shared/eval/cordis-he-dev` (or `$HUB_EVAL_DIR/cordis-he-dev`):
14,520 real organisations and 6,445 real Horizon Europe projects with their
partners. A network of N members keeps the source's ratio of projects to
members (about 0.44) and is built by recombining real records with a fixed
seed, so the same N and seed always give the same files:

- Members: the source members in a seeded order, copied as many times as N
  needs. Copy k > 0 of a member gets a new external id (`<id>~k`), a new name
  (the original with a generated suffix) and another city of the same country
  taken from a real member, so names and places stay realistic and unique.
- Projects: copies of the source projects (`<id>~k`, title varied) whose
  partners are mapped onto member copies: a partner stays in the project's own
  copy "generation" with probability 0.75, otherwise it is a random copy of the
  same real organisation. Consortia keep their real size and kind mix, track
  records grow with N, and the co-participation graph keeps a realistic degree
  distribution while linking generations together (like organisations that
  reappear in new consortia).

Below the source size (e.g. 10,000), a seeded subset of members is kept and
projects lose the partners that were left out (projects left with none are
dropped, and others are taken until the ratio is reached).
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVAL = Path(os.environ.get("HUB_EVAL_DIR", HERE.parent.parent / "shared" / "eval"))
SOURCE = EVAL / "cordis-he-dev"
SUFFIXES = [
    "Lab", "Network", "Cooperative", "Foundation", "Institute", "Partners",
    "Collective", "Centre", "Alliance", "Works", "Initiative", "Hub",
    "Association", "Consortium", "Group", "Studio", "Trust", "Platform",
]  # fmt: skip
TITLE_PREFIXES = [
    "", "Next-generation ", "Scaling ", "Regional ", "Citizen-led ", "Open ",
    "Inclusive ", "Local ", "Integrated ", "Circular ",
]  # fmt: skip
STAY_IN_GENERATION = 0.75


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def network_generate(
    *, size: int, seed: int = 42, source: Path = SOURCE
) -> tuple[list[dict], list[dict]]:
    """Members and projects (import-format dicts) of a network of `size` members."""
    rng = random.Random(seed)
    base_members = _read(source / "members.jsonl")
    base_projects = _read(source / "projects.jsonl")
    ratio = len(base_projects) / len(base_members)
    order = list(range(len(base_members)))
    rng.shuffle(order)
    cities_by_country = defaultdict(list)
    for m in base_members:
        if m.get("city"):
            cities_by_country[m.get("country")].append(m["city"])

    # copies[original id] = generations that exist for it, in order.
    copies: dict[str, list[int]] = defaultdict(list)
    members = []
    for i in range(size):
        original = base_members[order[i % len(order)]]
        generation = i // len(order)
        record = dict(original)
        if generation:
            record["id"] = f"{original['id']}~{generation}"
            record["name"] = (
                f"{original['name']} {rng.choice(SUFFIXES)} {generation + 1}"
            )
            cities = cities_by_country.get(original.get("country"))
            if cities:
                record["city"] = rng.choice(cities)
        copies[original["id"]].append(generation)
        members.append(record)

    def copy_id(member_id: str, generation: int) -> str:
        return member_id if generation == 0 else f"{member_id}~{generation}"

    wanted = round(size * ratio)
    projects = []
    project_order = list(range(len(base_projects)))
    rng.shuffle(project_order)
    attempt = 0
    # Bounded: each pass over the source adds projects unless none survive.
    while len(projects) < wanted and attempt < 50 * len(base_projects):
        original = base_projects[project_order[attempt % len(project_order)]]
        generation = attempt // len(project_order)
        attempt += 1
        partners, seen = [], set()
        for partner in original.get("partners", []):
            available = copies.get(partner["member"])
            if not available:
                continue
            if generation in available and rng.random() < STAY_IN_GENERATION:
                chosen = generation
            else:
                chosen = rng.choice(available)
            member_id = copy_id(partner["member"], chosen)
            if member_id not in seen:
                seen.add(member_id)
                partners.append({**partner, "member": member_id})
        if not partners:
            continue
        record = dict(original)
        record["partners"] = partners
        if generation:
            record["id"] = f"{original['id']}~{generation}"
            record["title"] = (
                f"{rng.choice(TITLE_PREFIXES)}{original['title']} {generation + 1}"
            ).strip()
        projects.append(record)
    return members, projects


def network_write(*, members, projects, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = out / "members.jsonl", out / "projects.jsonl"
    for path, rows in zip(paths, (members, projects), strict=True):
        with open(path, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return paths


def network_files(*, size: int, seed: int = 42, cache: Path | None = None):
    """(members.jsonl, projects.jsonl) for `size`, generated once per cache dir."""
    cache = (
        cache
        or Path(os.environ.get("BENCH_DATA_DIR", "/tmp/hub-bench-data"))
        / f"net-{size}-s{seed}"
    )
    members_path, projects_path = cache / "members.jsonl", cache / "projects.jsonl"
    if not (members_path.exists() and projects_path.exists()):
        members, projects = network_generate(size=size, seed=seed)
        network_write(members=members, projects=projects, out=cache)
    return members_path, projects_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, help="number of members")
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    members, projects = network_generate(size=args.size, seed=args.seed)
    network_write(members=members, projects=projects, out=args.out)
    degrees = defaultdict(int)
    for p in projects:
        for partner in p["partners"]:
            degrees[partner["member"]] += 1
    active = sorted(degrees.values())
    print(
        f"{len(members)} members, {len(projects)} projects, "
        f"{sum(len(p['partners']) for p in projects)} participations; "
        f"members with projects: {len(active)}, median/max track record: "
        f"{active[len(active) // 2] if active else 0}/{max(active, default=0)}"
    )


if __name__ == "__main__":
    main()
