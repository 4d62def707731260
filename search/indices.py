"""Index lifecycle: concrete indices behind aliases, created and swapped atomically."""

from django.conf import settings
from django.utils import timezone

from elasticsearch import Elasticsearch
from elasticsearch_dsl import Index

from search.client import get_client, index_alias
from search.documents import DOCUMENTS

INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


def index_settings() -> dict:
    """Shards and replicas of a new index.

    Replicas follow the cluster: none on one node, one copy as soon as there
    are two (Elasticsearch's `auto_expand_replicas` adjusts them when nodes
    join or leave), so a search survives the loss of a node.
    HUB_INDEX_REPLICAS fixes the number instead.
    """
    if settings.HUB_INDEX_REPLICAS != "":
        replicas = int(settings.HUB_INDEX_REPLICAS)
        return {**INDEX_SETTINGS, "number_of_replicas": replicas}
    return {**INDEX_SETTINGS, "auto_expand_replicas": "0-1"}


def index_new(*, document: str, client: Elasticsearch | None = None, alias: bool):
    """Create a fresh concrete index for `document`; return its name.

    With `alias=True` the alias is attached in the same request, so a reader
    never sees the alias without its index.
    """
    client = client or get_client()
    name = f"{index_alias(document)}-{timezone.now():%Y%m%d%H%M%S%f}"
    index = Index(name)
    index.settings(**index_settings())
    index.document(DOCUMENTS[document])
    if alias:
        index.aliases(**{index_alias(document): {}})
    index.create(using=client, wait_for_active_shards="1")
    client.cluster.health(index=name, wait_for_status="yellow", timeout="30s")
    return name


def index_ensure(*, document: str, client: Elasticsearch | None = None) -> None:
    """Make sure the alias of `document` points at an index."""
    client = client or get_client()
    if not client.indices.exists_alias(name=index_alias(document)):
        index_new(document=document, client=client, alias=True)


def indices_behind(*, document: str, client: Elasticsearch | None = None) -> list[str]:
    client = client or get_client()
    alias = index_alias(document)
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(client.indices.get_alias(name=alias))


def alias_swap(*, document: str, new_index: str, client: Elasticsearch | None = None):
    """Point the alias at `new_index` in one atomic request; drop the old indices."""
    client = client or get_client()
    alias = index_alias(document)
    old = indices_behind(document=document, client=client)
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(actions=actions)
    for name in old:
        client.indices.delete(index=name, ignore_unavailable=True)
    # Concrete indices of this alias left behind by an interrupted rebuild.
    pattern = f"{alias}-*"
    for name in client.indices.get(index=pattern, expand_wildcards="open,closed"):
        if name != new_index:
            client.indices.delete(index=name, ignore_unavailable=True)


def indices_drop(*, client: Elasticsearch | None = None) -> None:
    """Delete every index of the current prefix (tests and resets)."""
    client = client or get_client()
    for document in DOCUMENTS:
        client.indices.delete(
            index=f"{index_alias(document)}-*",
            ignore_unavailable=True,
            allow_no_indices=True,
            expand_wildcards="open,closed",
        )
