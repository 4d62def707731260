"""Learn the matchmaking weights from the history alone, never from the queries.

    python bench/learn_weights.py [--history 0.75] [--seed 7]

The CORDIS dev queries are later projects with one partner hidden. The same
task can be built from the history itself: the latest quarter of the history
projects (by grant id) become pseudo-queries, chosen as the dev queries were
(at least 5 partners of 3 kinds, one public body or NGO; per kind present, one
partner of that kind who already has a track record is hidden), and only the
earlier three quarters are imported. The engine ranks every candidate for each
pseudo-query, and the weights of the signals are fitted to those rankings by
coordinate ascent on Recall@10 (MRR breaking ties), for all kinds together and
for each kind, with 2-fold cross-validation over pseudo-query projects telling
whether per-kind weights generalise. The dev queries and qrels are not read.

Signals the CORDIS data cannot exercise (taxonomy, reciprocity,
complementarity, language) keep their judgement weights. The table compares
the engine's current weights with fitted ones on held-out pseudo-queries; the
fitted weights are printed, to be adopted only if they also do better on the
dev queries (`make bench-match`). Last run (2026-11-27, seed 7, 1,194
pseudo-queries, with the tie-strength feature): current 0.260 Recall@10,
fitted on all kinds 0.263, fitted per kind 0.269 (kinds pooled), held-out;
on dev, fitted on all kinds 0.316 and per kind 0.305 against the current
0.330 (federation 0.361 and 0.328 against 0.370): not adopted. Tie strength
itself was kept because it raised both: 0.248 to 0.260 here, 0.310 to 0.330
on dev.
"""

import argparse
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import bench_environment  # noqa: E402

EVAL = Path(os.environ.get("HUB_EVAL_DIR", HERE.parent.parent / "shared" / "eval"))
DATA = EVAL / "cordis-he-dev"
KINDS = ["entrepreneur", "researcher", "public_authority", "federation"]
# Features CORDIS says nothing about: kept at their judgement weights.
FIXED = {"taxonomy", "reciprocity", "complementarity", "language"}
GRID = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def pseudo_split(members, projects, history: float, seed: int):
    """Earlier projects as history, later ones as queries with a partner hidden."""
    kind_of = {m["id"]: m["kind"] for m in members}
    ordered = sorted(projects, key=lambda p: int(p["id"].split(":")[1]))
    cut = int(len(ordered) * history)
    past, later = ordered[:cut], ordered[cut:]
    known = {x["member"] for p in past for x in p["partners"]}
    rng = random.Random(seed)
    queries = []
    for project in later:
        partners = [x["member"] for x in project["partners"]]
        kinds = Counter(kind_of[m] for m in partners if m in kind_of)
        if len(partners) < 5 or len(kinds) < 3:
            continue
        if not (kinds["public_authority"] or kinds["federation"]):
            continue
        for kind in KINDS:
            hideable = sorted(m for m in partners if kind_of.get(m) == kind)
            hideable = [m for m in hideable if m in known]
            if not hideable:
                continue
            hidden = rng.choice(hideable)
            queries.append(
                {
                    "id": f"{project['id']}:{kind}",
                    "group": project["id"],
                    "kind": kind,
                    "expected": hidden,
                    "project": {
                        "title": project["title"],
                        "summary": project.get("summary", ""),
                        "keywords": project.get("keywords", []),
                        "partners": [m for m in partners if m != hidden],
                    },
                }
            )
    return [m for m in members if m["id"] in known], past, queries


def dump(queries) -> list[dict]:
    """Every candidate's features for every pseudo-query (and which is right)."""
    from members.models import Member
    from search.matchmaking import EXPERIMENT_MEMBERS, DraftProject, members_for_project

    # Reasons and display are not needed to rank: keep every candidate.
    recipe = EXPERIMENT_MEMBERS.features_only()
    pk = dict(Member.objects.values_list("external_id", "pk"))
    rows = []
    for i, q in enumerate(queries):
        p = q["project"]
        draft = DraftProject(
            title=p["title"],
            summary=p["summary"],
            keywords=p["keywords"],
            partners=[pk[x] for x in p["partners"] if x in pk],
        )
        matches = members_for_project(
            project=draft, kind=q["kind"], size=100_000, recipe=recipe
        )
        rows.append(
            {
                "query": q,
                "target": pk.get(q["expected"]),
                "candidates": [(m.member_id, m.features) for m in matches],
            }
        )
        if i % 200 == 0:
            print(f"  {i}/{len(queries)} pseudo-queries ranked", flush=True)
    return rows


class Rows:
    """The dumped rankings as one matrix, so a weighting is scored in numpy."""

    def __init__(self, rows, features):
        import numpy as np

        self.rows, self.features = rows, features
        matrix, starts, target_at, ids = [], [], [], []
        for row in rows:
            starts.append(len(ids))
            where = -1
            for pk, values in row["candidates"]:
                matrix.append([values.get(k, 0.0) for k in features])
                ids.append(pk)
                if pk == row["target"]:
                    where = len(ids) - 1
            target_at.append(where)
        self.matrix = np.asarray(matrix, dtype=np.float64).reshape(-1, len(features))
        self.ids = np.asarray(ids)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.target_at = np.asarray(target_at)
        self.owner = np.repeat(
            np.arange(len(rows)), np.diff(np.append(self.starts, len(ids)))
        )

    def subset(self, keep) -> "Rows":
        return Rows([r for r in self.rows if keep(r)], self.features)

    def __len__(self):
        return len(self.rows)

    def evaluate(self, weights: dict) -> tuple[float, float]:
        """Recall@10 and MRR with ties broken by member id, as the engine does."""
        import numpy as np

        if not self.rows:
            return 0.0, 0.0
        w = np.asarray([weights.get(k, 0.0) for k in self.features])
        scores = self.matrix @ w
        found = self.target_at >= 0
        target_score = np.where(found, scores[self.target_at], np.inf)[self.owner]
        target_id = np.where(found, self.ids[self.target_at], -1)[self.owner]
        ahead = (scores > target_score) | (
            (scores == target_score) & (self.ids < target_id)
        )
        rank = np.bincount(self.owner, ahead, minlength=len(self.rows)) + 1
        recall = np.mean(found & (rank <= 10))
        mrr = np.mean(np.where(found, 1.0 / rank, 0.0))
        return float(recall), float(mrr)


def fit(rows, start: dict, rounds: int = 3) -> dict:
    """Coordinate ascent on (Recall@10, MRR), one feature at a time."""
    weights = dict(start)
    best = rows.evaluate(weights)
    for _ in range(rounds):
        improved = False
        for feature in [k for k in weights if k not in FIXED]:
            for value in GRID:
                trial = {**weights, feature: value}
                result = rows.evaluate(trial)
                if result > best:
                    best, weights, improved = result, trial, True
        if not improved:
            break
    return weights


def folds(rows: Rows, seed: int):
    groups = sorted({r["query"]["group"] for r in rows.rows})
    random.Random(seed).shuffle(groups)
    half = set(groups[::2])
    a = rows.subset(lambda r: r["query"]["group"] in half)
    b = rows.subset(lambda r: r["query"]["group"] not in half)
    return (a, b), (b, a)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=float, default=0.75)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rankings", type=Path, help="refit from a previous run's rankings.json"
    )
    options = parser.parse_args()
    if options.rankings:
        import django

        sys.path.insert(0, str(HERE.parent))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")
        django.setup()
        from search.matchmaking import EXPERIMENT_MEMBERS

        dumped = json.loads(options.rankings.read_text())
        report(
            dumped, EXPERIMENT_MEMBERS.weights, options.seed, options.rankings.parent
        )
        return
    members, past, queries = pseudo_split(
        read(DATA / "members.jsonl"),
        read(DATA / "projects.jsonl"),
        options.history,
        options.seed,
    )
    env = bench_environment("learn")
    workdir = env["workdir"]
    for name, records in (("members", members), ("projects", past)):
        with open(workdir / f"{name}.jsonl", "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)
    print(
        f"history: {len(past)} projects, {len(members)} members; "
        f"{len(queries)} pseudo-queries "
        + ", ".join(f"{k} {v}" for k, v in Counter(q["kind"] for q in queries).items())
    )
    env["call_command"](
        "hub_import",
        "--members",
        str(workdir / "members.jsonl"),
        "--projects",
        str(workdir / "projects.jsonl"),
        verbosity=0,
    )
    from search.matchmaking import EXPERIMENT_MEMBERS

    dumped = dump(queries)
    with open(workdir / "rankings.json", "w") as f:
        json.dump(dumped, f)
    report(dumped, EXPERIMENT_MEMBERS.weights, options.seed, workdir)


def report(dumped, start: dict, seed: int, workdir: Path) -> None:
    rows = Rows(dumped, list(start))
    by_kind = {k: rows.subset(lambda r, k=k: r["query"]["kind"] == k) for k in KINDS}

    def cross_validated(subset: Rows, choose) -> tuple[float, float]:
        recall = mrr = 0.0
        for train, test in folds(subset, seed):
            r, m = test.evaluate(choose(train))
            recall, mrr = recall + r * len(test), mrr + m * len(test)
        return recall / max(1, len(subset)), mrr / max(1, len(subset))

    pooled_fits = [fit(train, start) for train, _ in folds(rows, seed)]

    def pooled(subset: Rows) -> tuple[float, float]:
        # Fitted on one half of all pseudo-queries, scored on the other half.
        recall = mrr = 0.0
        kinds = {r["query"]["kind"] for r in subset.rows}
        for weights, (_, test) in zip(pooled_fits, folds(rows, seed), strict=True):
            part = test.subset(lambda r: r["query"]["kind"] in kinds)
            r, m = part.evaluate(weights)
            recall, mrr = recall + r * len(part), mrr + m * len(part)
        return recall / max(1, len(subset)), mrr / max(1, len(subset))

    print("\nRecall@10 / MRR on held-out pseudo-query projects (2-fold)")
    print(f"{'weights':22}" + "".join(f"{k:>20}" for k in ["all", *KINDS]))
    lines = {
        "current": [s.evaluate(start) for s in (rows, *by_kind.values())],
        "learned, all kinds": [pooled(s) for s in (rows, *by_kind.values())],
        "learned per kind": [None]
        + [cross_validated(s, lambda t: fit(t, start)) for s in by_kind.values()],
    }
    for name, cells in lines.items():
        text = "".join(
            f"{'-':>20}" if c is None else f"{c[0]:>12.3f} / {c[1]:.3f}" for c in cells
        )
        print(f"{name:22}{text}")

    learned = fit(rows, start)
    per_kind = {kind: fit(by_kind[kind], learned) for kind in KINDS}
    print("\nWEIGHTS =", json.dumps(learned, indent=4))
    print("KIND_WEIGHTS =", json.dumps(per_kind, indent=4))
    (workdir / "learned.json").write_text(
        json.dumps({"all": learned, "per_kind": per_kind}, indent=2)
    )
    print(f"\nwritten to {workdir / 'learned.json'}")


if __name__ == "__main__":
    main()
