"""Reads from the search index."""

from dataclasses import dataclass

from elasticsearch_dsl import Search

from search.client import SearchUnavailable, get_client, index_alias
from search.services import ES_ERRORS

FIELDS = {
    "member": [
        "name^3",
        "headline^2",
        "description",
        "sector_labels^2",
        "discipline_labels^2",
        "skills^2",
        "offers^2",
        "seeks",
        "track_record",
    ],
    "project": [
        "title^3",
        "summary^2",
        "description",
        "keywords^2",
        "sector_labels^2",
        "discipline_labels",
        "needs",
        "partners",
    ],
}


@dataclass
class Hit:
    id: int
    score: float | None
    source: dict

    @property
    def kind_label(self) -> str:
        from members.models import MemberKind

        kind = self.source.get("kind")
        return MemberKind(kind).label if kind in MemberKind.values else ""


@dataclass
class SearchPage:
    total: int
    hits: list[Hit]


def documents_search(
    *, document: str, query: str, offset: int = 0, size: int = 20
) -> SearchPage:
    """Full-text search of one index; raises SearchUnavailable when it is down."""
    search = Search(using=get_client(), index=index_alias(document))
    if query:
        search = search.query(
            "multi_match", query=query, fields=FIELDS[document], fuzziness="AUTO"
        )
    else:
        search = search.sort({"_id": "desc"})
    search = search[offset : offset + size]
    try:
        response = search.execute()
    except ES_ERRORS as exc:
        raise SearchUnavailable(str(exc)) from exc
    return SearchPage(
        total=response.hits.total.value,
        hits=[
            Hit(id=int(h.meta.id), score=h.meta.score, source=h.to_dict())
            for h in response
        ],
    )
