"""Retrieval quality of member search on the demo network, in FR, NL and EN.

    python bench/search_quality.py        (or: make bench-search)
    python bench/search_quality.py -v     (also each query: first relevant
                                           rank, members found, recall@5)
    python bench/search_quality.py --explain
                                          (full method only: each query whose
                                           first relevant member is not first,
                                           with the members above it and the
                                           relevant ones, each score split into
                                           text and semantic parts, and their
                                           rank by cosine similarity alone)

Loads the demo content into a fresh database and index prefix, runs the
labelled queries of bench/search_quality_queries.jsonl (written for the demo
data; many are cross-lingual: the query's language differs from the profile's)
and prints Recall@5, MRR and the mean number of members found ("hits", out of
the demo's 64) per query language and for one-word against several-word
queries, for the full method and with parts of it switched off.
"""

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _setup import bench_environment  # noqa: E402


def main():
    env = bench_environment("quality")
    from django.test import override_settings

    from members.models import Member
    from search import selectors
    from search.services import index_refresh

    env["call_command"]("hub_demo", "--no-admin", verbosity=0)
    env["call_command"]("search_rebuild", verbosity=0)
    index_refresh()
    external = dict(Member.objects.values_list("pk", "external_id"))
    queries = [
        json.loads(line)
        for line in (HERE / "search_quality_queries.jsonl").read_text().splitlines()
        if line.strip()
    ]

    verbose = "-v" in sys.argv[1:]
    if "--explain" in sys.argv[1:]:
        explain(queries, external)
        return

    def run(label, **overrides):
        rows = {}
        with override_settings(**overrides.get("settings", {})):
            original = selectors._text_query
            if overrides.get("no_python_analysis"):
                selectors._text_query = lambda document, query, **_: selectors.Q(
                    "multi_match",
                    query=query,
                    fields=selectors.TEXT_FIELDS[document],
                    fuzziness="AUTO",
                )
            try:
                for q in queries:
                    page = selectors.documents_search(
                        document="member", query=q["q"], size=10, facets=False
                    )
                    ranked = [external[h.id] for h in page.hits]
                    relevant = set(q["relevant"])
                    rank = next(
                        (i + 1 for i, m in enumerate(ranked) if m in relevant), None
                    )
                    row = (
                        len(relevant & set(ranked[:5])) / len(relevant),
                        1 / rank if rank else 0.0,
                        page.total,
                    )
                    if verbose:
                        print(
                            f"  {q['lang']} {rank or '-':>2} {page.total:3d} "
                            f"{row[0]:.2f} {q['q']}"
                        )
                    words = "1 word" if len(q["q"].split()) == 1 else "2+ words"
                    for group in (q["lang"], words, f"{q['lang']} {words}"):
                        rows.setdefault(group, []).append(row)
            finally:
                selectors._text_query = original
        print(f"\n{label}")
        print(f"{'queries':14} {'n':>3} {'recall@5':>9} {'MRR':>6} {'hits':>5}")
        groups = [
            *("fr", "nl", "en"),
            *("1 word", "2+ words"),
            *(
                f"{lang} {w}"
                for lang in ("fr", "nl", "en")
                for w in ("1 word", "2+ words")
            ),
        ]
        for group in [*groups, "all"]:
            r = (
                rows.get(group, [])
                if group != "all"
                else [x for lang in ("fr", "nl", "en") for x in rows.get(lang, [])]
            )
            if not r:
                continue
            print(
                f"{group:14} {len(r):3d} {statistics.mean(x[0] for x in r):9.3f} "
                f"{statistics.mean(x[1] for x in r):6.3f} "
                f"{statistics.mean(x[2] for x in r):5.1f}"
            )

    print(f"{len(queries)} labelled queries, {len(external)} demo members")
    run("full method: fields + folded + stemmed + multilingual embeddings")
    run("without embeddings", settings={"HUB_EMBEDDINGS": False})
    run(
        "without embeddings, stemming and folding (plain BM25 + fuzziness)",
        settings={"HUB_EMBEDDINGS": False},
        no_python_analysis=True,
    )


def explain(queries, external):
    """Why the members above a query's first relevant one rank there."""
    from search import selectors
    from search.client import get_client, index_alias

    by_external = {v: k for k, v in external.items()}
    for q in queries:
        page = selectors.documents_search(
            document="member", query=q["q"], size=10, facets=False
        )
        ranked = [external[h.id] for h in page.hits]
        relevant = set(q["relevant"])
        rank = next((i + 1 for i, m in enumerate(ranked) if m in relevant), None)
        if rank == 1:
            continue
        text = selectors._text_query("member", q["q"])
        semantic = {}
        for clause in selectors._semantic_clauses("member", q["q"], [], text):
            body = clause.to_dict()["constant_score"]
            semantic[int(body["filter"]["ids"]["values"][0])] = body["boost"]
        knn = {
            "field": "embedding",
            "query_vector": selectors._query_vector(q["q"]),
            "k": len(external),
            "num_candidates": len(external) * 4,
        }
        near = (
            selectors.Search(using=get_client(), index=index_alias("member"))
            .extra(knn=knn, size=len(external))
            .source(False)
            .execute()
        )
        cosine = {
            int(h.meta.id): (i + 1, 2 * h.meta.score - 1) for i, h in enumerate(near)
        }
        scores = {h.id: h.score for h in page.hits}
        print(
            f"\n{q['lang']} {q['q']!r}: "
            f"first relevant {rank or '-'}, found {page.total}"
        )
        shown = [h.id for h in page.hits[: (rank or 11) - 1]]
        shown += [by_external[m] for m in q["relevant"]]
        for pk in dict.fromkeys(shown):
            total = scores.get(pk)
            sem = semantic.get(pk, 0.0)
            if total is None:
                where = "not in the first ten".ljust(41)
            else:
                where = f"{total:7.2f} = text {total - sem:6.2f} + semantic {sem:6.2f}"
            c_rank, c_sim = cosine.get(pk, (None, float("nan")))
            mark = "*" if external[pk] in relevant else " "
            print(f"  {mark} {external[pk]:38} {where}  cosine #{c_rank} {c_sim:.3f}")


if __name__ == "__main__":
    main()
