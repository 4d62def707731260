"""Retrieval quality of member search on the demo network, in FR, NL and EN.

    python bench/search_quality.py        (or: make bench-search)

Loads the demo content into a fresh database and index prefix, runs the
labelled queries of bench/search_quality_queries.jsonl (written for the demo
data; many are cross-lingual: the query's language differs from the profile's)
and prints Recall@5 and MRR per query language, for the full method and with
parts of it switched off.
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

    def run(label, **overrides):
        rows = {}
        with override_settings(**overrides.get("settings", {})):
            original = selectors._text_query
            if overrides.get("no_python_analysis"):
                selectors._text_query = lambda document, query: selectors.Q(
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
                    rows.setdefault(q["lang"], []).append(
                        (
                            len(relevant & set(ranked[:5])) / len(relevant),
                            1 / rank if rank else 0.0,
                        )
                    )
            finally:
                selectors._text_query = original
        print(f"\n{label}")
        print(f"{'lang':6} {'n':>3} {'recall@5':>9} {'MRR':>6}")
        all_rows = []
        for lang in ("fr", "nl", "en"):
            r = rows.get(lang, [])
            all_rows += r
            print(
                f"{lang:6} {len(r):3d} {statistics.mean(x[0] for x in r):9.3f} "
                f"{statistics.mean(x[1] for x in r):6.3f}"
            )
        print(
            f"{'all':6} {len(all_rows):3d} "
            f"{statistics.mean(x[0] for x in all_rows):9.3f} "
            f"{statistics.mean(x[1] for x in all_rows):6.3f}"
        )

    print(f"{len(queries)} labelled queries, {len(external)} demo members")
    run("full method: fields + folded + stemmed + multilingual embeddings")
    run("without embeddings", settings={"HUB_EMBEDDINGS": False})
    run(
        "without embeddings, stemming and folding (plain BM25 + fuzziness)",
        settings={"HUB_EMBEDDINGS": False},
        no_python_analysis=True,
    )


if __name__ == "__main__":
    main()
